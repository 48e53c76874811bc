"""The database stacks: the pinning alarm watches the proxy it creates (docs/rds-proxy-pinning.md),
and the proxy reaches the secrets it logs in with."""

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


def test_rds_proxy_reaches_the_secrets_manager_endpoint() -> None:
    """The proxy fetches its secrets inside the VPC; private DNS sends it to the interface
    endpoint, whose group must admit the proxy's group on 443 (and the proxy's group keeps
    its default egress)."""
    network = load_template(REPO_ROOT / "infra" / "stacks" / "network.yaml")["Resources"]
    endpoint = network["SecretsManagerEndpoint"]["Properties"]
    assert endpoint["PrivateDnsEnabled"] is True
    [group] = endpoint["SecurityGroupIds"]
    rules = [
        {**rule["Properties"], "GroupId": rule["Properties"]["GroupId"]}
        for rule in network.values()
        if rule["Type"] == "AWS::EC2::SecurityGroupIngress"
    ] + [
        {**rule, "GroupId": group}
        for rule in network[group["Ref"]]["Properties"].get("SecurityGroupIngress", [])
    ]
    admitted = {
        rule["SourceSecurityGroupId"]["Ref"]
        for rule in rules
        if rule["GroupId"] == group and (rule["FromPort"], rule["ToPort"]) == (443, 443)
    }
    # The proxy and the migrate function read secrets; the API functions read none.
    assert admitted == {"ProxySecurityGroup", "MigrateSecurityGroup"}
    assert "SecurityGroupEgress" not in network["ProxySecurityGroup"]["Properties"]
