"""The templates as CloudFormation receives them: its own SAM transform accepts every SAM
template exactly as committed, and what it makes has one API stage that the WAF and throttles
cover, a `live` alias on each API function whose old versions are deleted, and none on the
functions invoked unqualified."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.local.database import REPO_ROOT
from tests.support.cloudformation import TEMPLATE_PATH, TransformFailed, transform, transformed

SAM_TEMPLATES = [
    path
    for path in [TEMPLATE_PATH, *sorted((REPO_ROOT / "infra").rglob("*.yaml"))]
    if "Transform: AWS::Serverless-2016-10-31" in path.read_text()
]
API_FUNCTIONS = {
    "AuthorizerFunction",
    "AuthFunction",
    "ProductsFunction",
    "EntriesFunction",
    "GoalsFunction",
    "WeightsFunction",
    "SyncFunction",
}
UNQUALIFIED_FUNCTIONS = {"MigrateFunction", "CatalogImportFunction"}
# A plain AWS::Lambda::Function, outside the Globals (no VPC, no database settings).
PLAIN_FUNCTIONS = {"CatalogRefreshFunction"}


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


@pytest.mark.parametrize("template", SAM_TEMPLATES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_cloudformations_sam_transform_accepts_the_template_as_committed(template: Path) -> None:
    assert of_type(transformed(template), "AWS::Lambda::Function")


def test_the_transform_refuses_a_globals_alias_overridden_with_no_value(tmp_path: Path) -> None:
    """The fault the deploy hit: an alias in Globals that two functions override with
    AWS::NoValue. cfn-lint 1.58 passes it; CloudFormation's transform does not."""
    text = TEMPLATE_PATH.read_text()
    globals_function = "Globals:\n  Function:\n"
    migrate = "  MigrateFunction:\n    Type: AWS::Serverless::Function\n    Properties:\n"
    assert globals_function in text and migrate in text
    planted = text.replace(globals_function, globals_function + "    AutoPublishAlias: live\n")
    planted = planted.replace(migrate, migrate + "      AutoPublishAlias: !Ref AWS::NoValue\n")
    (tmp_path / "template.yaml").write_text(planted)
    with pytest.raises(TransformFailed, match=r"MigrateFunction.*'AutoPublishAlias' must be"):
        transform(tmp_path / "template.yaml")


def test_one_api_stage_and_the_waf_and_throttles_cover_it() -> None:
    """Without OpenApiVersion SAM adds a stage named `Stage` that neither covers."""
    template = transformed(TEMPLATE_PATH)
    [stage] = of_type(template, "AWS::ApiGateway::Stage").values()
    properties = stage["Properties"]
    assert properties["StageName"] == {"Ref": "Stage"}
    assert properties["RestApiId"] == {"Ref": "Api"}
    throttled = {setting["ResourcePath"] for setting in properties["MethodSettings"]}
    assert {"/*", "/~1v1~1devices~1register", "/~1v1~1auth~1register"} <= throttled
    [association] = of_type(template, "AWS::WAFv2::WebACLAssociation").values()
    arn = association["Properties"]["ResourceArn"]["Fn::Sub"]
    assert arn.endswith("/restapis/${Api}/stages/${Stage}")
    assert association["DependsOn"] == "ApiStage"
    # Every deployment the transform makes is of that API, with no stage of its own.
    for deployment in of_type(template, "AWS::ApiGateway::Deployment").values():
        assert "StageName" not in deployment["Properties"]


def test_api_functions_publish_a_live_alias_and_drop_old_versions() -> None:
    """Each published version keeps a SnapStart snapshot, billed while it exists."""
    template = transformed(TEMPLATE_PATH)
    aliases = of_type(template, "AWS::Lambda::Alias")
    versions = of_type(template, "AWS::Lambda::Version")
    aliased = {alias["Properties"]["FunctionName"]["Ref"] for alias in aliases.values()}
    assert aliased == API_FUNCTIONS
    assert {alias["Properties"]["Name"] for alias in aliases.values()} == {"live"}
    assert {v["Properties"]["FunctionName"]["Ref"] for v in versions.values()} == API_FUNCTIONS
    assert {version["DeletionPolicy"] for version in versions.values()} == {"Delete"}
    functions = of_type(template, "AWS::Lambda::Function")
    assert set(functions) == API_FUNCTIONS | UNQUALIFIED_FUNCTIONS | PLAIN_FUNCTIONS
    for name in PLAIN_FUNCTIONS:
        assert "SnapStart" not in functions[name]["Properties"]
    for name in API_FUNCTIONS:
        assert functions[name]["Properties"]["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    for name in UNQUALIFIED_FUNCTIONS:
        assert functions[name]["Properties"]["SnapStart"] == {"ApplyOn": "None"}


def test_api_gateway_invokes_only_the_aliases() -> None:
    template = transformed(TEMPLATE_PATH)
    for name, permission in of_type(template, "AWS::Lambda::Permission").items():
        target = permission["Properties"]["FunctionName"]
        assert target["Ref"].endswith("Aliaslive"), name
    body = template["Resources"]["Api"]["Properties"]["Body"]
    schemes = body.get("components", {}).get("securitySchemes") or body["securityDefinitions"]
    [authorizer] = schemes.values()
    uri = yaml.dump(authorizer["x-amazon-apigateway-authorizer"]["authorizerUri"])
    assert "AuthorizerFunctionAliaslive" in uri
