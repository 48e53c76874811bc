"""The database stack's pinning alarm watches the proxy it creates (docs/rds-proxy-pinning.md)."""

from __future__ import annotations

from infra.local.database import REPO_ROOT
from infra.local.template import load_template


def test_the_proxy_pinning_alarm() -> None:
    stack = load_template(REPO_ROOT / "infra" / "stacks" / "database.yaml")
    alarm = stack["Resources"]["ProxyPinnedConnectionsAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == (
        "AWS/RDS",
        "DatabaseConnectionsCurrentlySessionPinned",
    )
    assert alarm["Dimensions"] == [{"Name": "ProxyName", "Value": {"Ref": "Proxy"}}]
    assert stack["Resources"]["Proxy"]["Type"] == "AWS::RDS::DBProxy"
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["Threshold"] == {"Ref": "PinnedConnectionsThreshold"}
    assert alarm["Period"] * alarm["EvaluationPeriods"] == 900  # sustained, not one deploy
    assert stack["Parameters"]["PinnedConnectionsThreshold"]["Default"] == 2
