"""Each function gets only what it needs (issue 32, finding 4), checked on the network stack and
on the application template as CloudFormation receives it (after SAM's transform). Each check
returns what is wrong; a planted fault shows that it can fail."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from infra.local.database import REPO_ROOT
from infra.local.template import load_template
from tests.support.cloudformation import TEMPLATE_PATH, transformed

NETWORK = REPO_ROOT / "infra" / "stacks" / "network.yaml"
DATABASE = REPO_ROOT / "infra" / "stacks" / "database.yaml"
API_FUNCTIONS = ("Auth", "Products", "Entries", "Goals", "Weights", "Sync")
LOG_TAG = "countonme-log-group"


def _join_split(value: Any, region: str) -> str:
    """Evaluate the one `!Join ["", !Split ["-", !Ref AWS::Region]]` the endpoint policy uses."""
    assert value == {"Fn::Join": ["", {"Fn::Split": ["-", {"Ref": "AWS::Region"}]}]}
    return "".join(region.split("-"))


def network_problems(resources: dict[str, Any]) -> list[str]:
    problems = []
    api_group = resources["LambdaSecurityGroup"]["Properties"]
    egress = api_group.get("SecurityGroupEgress", [])
    if egress != [
        {
            "IpProtocol": "tcp",
            "FromPort": 5432,
            "ToPort": 5432,
            "DestinationSecurityGroupId": {"Ref": "ProxySecurityGroup"},
        }
    ]:
        problems.append(f"the API functions' group may send more than PostgreSQL: {egress}")
    for name, resource in resources.items():
        if resource["Type"] == "AWS::EC2::SecurityGroupEgress" and resource["Properties"][
            "GroupId"
        ] == {"Ref": "LambdaSecurityGroup"}:
            problems.append(f"{name} adds egress to the API functions' group")
    s3 = resources["S3GatewayEndpoint"]["Properties"].get("PolicyDocument")
    if s3 is None:
        return [*problems, "the S3 gateway endpoint has no policy"]
    [statement] = s3["Statement"]
    template, variables = statement["Resource"]["Fn::Sub"]
    bucket = template.replace("${AWS::Partition}", "aws").replace(
        "${Region}", _join_split(variables["Region"], "eu-central-1")
    )
    if (statement["Effect"], statement["Action"]) != ("Allow", "s3:PutObject") or bucket != (
        "arn:aws:s3:::cloudformation-custom-resource-response-eucentral1/*"
    ):
        problems.append(f"the S3 endpoint allows more than CloudFormation's answers: {statement}")
    secrets = resources["SecretsManagerEndpoint"]["Properties"].get("PolicyDocument")
    if secrets is None:
        return [*problems, "the Secrets Manager endpoint has no policy"]
    [statement] = secrets["Statement"]
    condition = statement.get("Condition", {}).get("StringEquals", {})
    if statement["Action"] != "secretsmanager:GetSecretValue" or condition != {
        "aws:PrincipalAccount": {"Ref": "AWS::AccountId"}
    }:
        problems.append(f"the Secrets Manager endpoint allows more: {statement}")
    return problems


def function_problems(resources: dict[str, Any]) -> list[str]:
    problems = []
    functions = {
        name: resource["Properties"]
        for name, resource in resources.items()
        if resource["Type"] == "AWS::Lambda::Function"
    }
    boundary = resources["FunctionPermissionsBoundary"]["Properties"]["PolicyDocument"]
    log_statements = [s for s in boundary["Statement"] if s.get("NotAction") != "logs:*"]
    allowed_logs = [(sorted(s["Action"]), s["Resource"]["Fn::Sub"]) for s in log_statements]
    own_group = (
        "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
        "${!aws:PrincipalTag/" + LOG_TAG + "}:*"
    )
    if allowed_logs != [(["logs:CreateLogStream", "logs:PutLogEvents"], own_group)]:
        problems.append(f"the boundary allows other logs: {allowed_logs}")
    for name, function in functions.items():
        role = resources[function["Role"]["Fn::GetAtt"][0]]["Properties"]
        if role.get("PermissionsBoundary") != {"Ref": "FunctionPermissionsBoundary"}:
            problems.append(f"{name}'s role has no permissions boundary")
        tags = {tag["Key"]: tag["Value"] for tag in role.get("Tags", [])}
        if tags.get(LOG_TAG) != function["LoggingConfig"]["LogGroup"]:
            problems.append(f"{name}'s role is tagged with another log group: {tags.get(LOG_TAG)}")
        actions = [
            statement["Action"]
            for policy in role.get("Policies", [])
            for statement in policy["PolicyDocument"]["Statement"]
        ]
        if name.removesuffix("Function") in (*API_FUNCTIONS, "Authorizer") and any(
            "secretsmanager" in str(action) or "s3:" in str(action) for action in actions
        ):
            problems.append(f"{name} may read secrets or buckets: {actions}")
    return problems


def test_the_network_gives_the_api_functions_only_the_proxy() -> None:
    assert network_problems(load_template(NETWORK)["Resources"]) == []


def test_a_wider_network_is_caught() -> None:
    resources = load_template(NETWORK)["Resources"]
    wide = copy.deepcopy(resources)
    wide["LambdaSecurityGroup"]["Properties"]["SecurityGroupEgress"].append(
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0"}
    )
    assert len(network_problems(wide)) == 1
    open_s3 = copy.deepcopy(resources)
    del open_s3["S3GatewayEndpoint"]["Properties"]["PolicyDocument"]
    assert network_problems(open_s3) == ["the S3 gateway endpoint has no policy"]


def test_each_function_writes_logs_only_to_its_own_group() -> None:
    assert function_problems(transformed(TEMPLATE_PATH)["Resources"]) == []


def test_a_function_logging_elsewhere_is_caught() -> None:
    resources = copy.deepcopy(transformed(TEMPLATE_PATH)["Resources"])
    role = resources["SyncFunctionRole"]["Properties"]
    for tag in role["Tags"]:
        if tag["Key"] == LOG_TAG:
            tag["Value"] = {"Ref": "AuthFunctionLogs"}
    del resources["AuthFunctionRole"]["Properties"]["PermissionsBoundary"]
    assert len(function_problems(resources)) == 2


@pytest.mark.parametrize("function", [*API_FUNCTIONS, "Authorizer"])
def test_each_api_function_connects_as_its_jobs_database_role(function: str) -> None:
    resources = transformed(TEMPLATE_PATH)["Resources"]
    user = "DbAuthorizerUser" if function == "Authorizer" else "DbAppUser"
    role = resources[f"{function}FunctionRole"]["Properties"]
    [connect] = [
        statement
        for policy in role["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        if statement["Action"] == "rds-db:connect"
    ]
    assert connect["Resource"]["Fn::Sub"][0].endswith("/${" + user + "}")
    variables = resources[f"{function}Function"]["Properties"]["Environment"]["Variables"]
    assert variables["DB_USER"] == {"Ref": user}
    # The device-reference key arrives resolved at deploy time, not read from Secrets Manager.
    assert variables["DEVICE_REF_KEY"]["Fn::Sub"][0].startswith("{{resolve:secretsmanager:")


def test_the_proxy_admits_the_authorizers_role_with_iam_only() -> None:
    resources = load_template(DATABASE)["Resources"]
    auth = resources["Proxy"]["Properties"]["Auth"]
    assert {
        "AuthScheme": "SECRETS",
        "IAMAuth": "REQUIRED",
        "SecretArn": {"Ref": "AuthorizerUserSecret"},
    } in auth
    [read] = resources["ProxyRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert {"Ref": "AuthorizerUserSecret"} in read["Resource"]
