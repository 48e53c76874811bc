"""MiniStack (the pinned emulator in .venv-ministack) with the rehearsal's workarounds for what
it lacks, run as `.venv-ministack/bin/python -m infra.rehearsal.ministack_server`. The stacks
must not change to suit the emulator, so the emulator is patched here, in the open, and each
patch is listed in docs/operations.md ("Rehearsal"):

- MiniStack 1.5.33's CloudFormation refuses `AWS::CloudWatch::Alarm` with `Metrics` (metric
  math), which template.yaml's `Api5xxRateAlarm` uses: such an alarm is recorded as an alarm on
  its first metric. Nothing in the rehearsal evaluates alarms; the real alarm's shape is checked
  by cfn-lint and CloudFormation's transform in the suite.
- Its OpenAPI import creates no method for `x-amazon-apigateway-any-method`, the `ANY` method
  every route of SAM's generated body uses, so every path answered 403 Missing Authentication
  Token: the import takes that key as the `ANY` method, as API Gateway does.
"""

from __future__ import annotations

from typing import Any

from ministack.app import main
from ministack.services import apigateway_v1
from ministack.services.cloudformation import provisioners

ANY_METHOD_KEY = "x-amazon-apigateway-any-method"

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


_import_operation = apigateway_v1._import_operation


def _any_method_as_any(api_id: str, resource_id: str, http_method: str, *rest: Any) -> Any:
    """Import SAM's `x-amazon-apigateway-any-method` operation as API Gateway's `ANY`."""
    method = "ANY" if http_method.lower() == ANY_METHOD_KEY else http_method
    return _import_operation(api_id, resource_id, method, *rest)


provisioners._cw_metric_alarm_record = _metric_math_as_first_metric
apigateway_v1._OPENAPI_HTTP_METHODS = {*apigateway_v1._OPENAPI_HTTP_METHODS, ANY_METHOD_KEY}
apigateway_v1._import_operation = _any_method_as_any

if __name__ == "__main__":
    main()
