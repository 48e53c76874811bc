"""MiniStack (the pinned emulator in .venv-ministack) with the rehearsal's one workaround, run as
`.venv-ministack/bin/python -m infra.rehearsal.ministack_server`.

MiniStack 1.5.33's CloudFormation refuses `AWS::CloudWatch::Alarm` with `Metrics` (metric math),
which template.yaml's `Api5xxRateAlarm` uses. The stack must not change to suit the emulator, so
here such an alarm is recorded as an alarm on its first metric instead. Nothing in the rehearsal
evaluates alarms; the real alarm's shape is checked by cfn-lint and CloudFormation's transform
in the suite (docs/operations.md, "Rehearsal", lists this gap).
"""

from __future__ import annotations

from typing import Any

from ministack.app import main
from ministack.services.cloudformation import provisioners

_metric_alarm_record = provisioners._cw_metric_alarm_record


def _metric_math_as_first_metric(name: str, props: dict[str, Any]) -> Any:
    """The record MiniStack can keep for a metric-math alarm: the alarm on its first metric."""
    if not props.get("Metrics"):
        return _metric_alarm_record(name, props)
    first = next(query["MetricStat"] for query in props["Metrics"] if "MetricStat" in query)
    metric = first["Metric"]
    stand_in = {key: value for key, value in props.items() if key != "Metrics"}
    stand_in |= {
        "Namespace": metric["Namespace"],
        "MetricName": metric["MetricName"],
        "Dimensions": metric.get("Dimensions", []),
        "Statistic": first["Stat"],
        "Period": first["Period"],
    }
    return _metric_alarm_record(name, stand_in)


provisioners._cw_metric_alarm_record = _metric_math_as_first_metric

if __name__ == "__main__":
    main()
