"""The template wires what the contract needs: handlers exist, auth where it belongs, throttles."""

from __future__ import annotations

import importlib
import json

from infra.local.template import api_config, load_template

PUBLIC = {"/health", "/v1/devices/register", "/v1/auth/register"}


def test_every_handler_resolves_to_a_callable() -> None:
    config = api_config()
    for function, handler in config.handlers.items():
        module_name, attribute = handler.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module_name), attribute)), function


def test_only_health_and_register_are_public() -> None:
    routes = api_config().routes
    assert {r.resource for r in routes if not r.authorized} == PUBLIC
    assert all(r.authorized for r in routes if r.resource not in PUBLIC)


def test_authorizer_is_token_type_with_parameterised_ttl() -> None:
    api = load_template()["Resources"]["Api"]["Properties"]
    spec = api["Auth"]["Authorizers"][api["Auth"]["DefaultAuthorizer"]]
    assert spec["FunctionPayloadType"] == "TOKEN"
    assert spec["Identity"]["ReauthorizeEvery"] == {"Ref": "AuthorizerCacheTtl"}


def test_gateway_responses_match_the_contract() -> None:
    responses = load_template()["Resources"]["Api"]["Properties"]["GatewayResponses"]

    def body(kind: str) -> object:
        return json.loads(responses[kind]["ResponseTemplates"]["application/json"])

    assert (responses["UNAUTHORIZED"]["StatusCode"], body("UNAUTHORIZED")) == (
        401,
        {"detail": "Invalid token", "code": "INVALID_TOKEN"},
    )
    assert (responses["ACCESS_DENIED"]["StatusCode"], body("ACCESS_DENIED")) == (
        403,
        {"detail": "Device revoked", "code": "DEVICE_REVOKED"},
    )
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["StatusCode"] == 404
    assert responses["AUTHORIZER_FAILURE"]["StatusCode"] == 503


def test_register_routes_are_throttled_harder_than_the_stage() -> None:
    template = load_template()
    parameters = template["Parameters"]
    settings = template["Resources"]["Api"]["Properties"]["MethodSettings"]
    rate = {
        s["ResourcePath"]: parameters[s["ThrottlingRateLimit"]["Ref"]]["Default"] for s in settings
    }
    stage = rate["/*"]
    for path in ("/~1v1~1devices~1register", "/~1v1~1auth~1register"):
        assert rate[path] < stage


def _custom_domain_resources(template: dict) -> dict[str, dict]:
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource.get("Condition") == "HasCustomDomain"
    }


def test_custom_domain_is_created_only_when_its_parameters_are_set() -> None:
    template = load_template()
    parameters = template["Parameters"]
    assert parameters["CustomDomainName"]["Default"] == ""
    assert parameters["CustomDomainCertificateArn"]["Default"] == ""
    assert template["Conditions"]["HasCustomDomain"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "CustomDomainName"}, ""]}]
    }
    resources = _custom_domain_resources(template)
    assert {r["Type"] for r in resources.values()} == {
        "AWS::ApiGateway::DomainName",
        "AWS::ApiGateway::BasePathMapping",
    }
    domain = resources["ApiDomainName"]["Properties"]
    assert domain["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    assert domain["RegionalCertificateArn"] == {"Ref": "CustomDomainCertificateArn"}
    mapping = resources["ApiBasePathMapping"]["Properties"]
    assert mapping["RestApiId"] == {"Ref": "Api"} and mapping["Stage"] == {"Ref": "Stage"}
    # A domain without a certificate is refused before anything is created.
    rule = template["Rules"]["CustomDomainNeedsCertificate"]
    assert rule["Assertions"][0]["Assert"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "CustomDomainCertificateArn"}, ""]}]
    }


def test_api_url_is_the_custom_domain_when_set_else_execute_api() -> None:
    outputs = load_template()["Outputs"]
    condition, custom, default = outputs["ApiUrl"]["Value"]["Fn::If"]
    assert condition == "HasCustomDomain"
    assert custom == {"Fn::Sub": "https://${CustomDomainName}"}
    assert "execute-api" in default["Fn::Sub"]
    assert outputs["ExecuteApiUrl"]["Value"] == default
    assert outputs["CustomDomainTarget"]["Condition"] == "HasCustomDomain"
