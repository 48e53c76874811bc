"""The API Gateway emulator: template parsing, routing, events, authorizer cache, responses."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from infra.local.gateway import ApiGateway, HttpRequest
from infra.local.template import TemplateError, compile_resource, load_template, parse_api
from tests.support import fake_lambdas

TEMPLATE = """
Parameters:
  Ttl: {Type: Number, Default: 60}
Globals:
  Function:
    Handler: tests.support.fake_lambdas.echo_handler
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      Auth:
        DefaultAuthorizer: Tokens
        Authorizers:
          Tokens:
            FunctionArn: !GetAtt AuthFn.Arn
            Identity: {Header: Authorization, ReauthorizeEvery: !Ref Ttl}
      GatewayResponses:
        UNAUTHORIZED:
          StatusCode: 401
          ResponseTemplates: {application/json: '{"detail": "Invalid token"}'}
        MISSING_AUTHENTICATION_TOKEN:
          StatusCode: 404
          ResponseTemplates: {application/json: '{"detail": "Not Found"}'}
        AUTHORIZER_FAILURE:
          StatusCode: 503
          ResponseParameters: {Headers: {Retry-After: "'5'"}}
          ResponseTemplates: {application/json: '{"detail": "unavailable"}'}
  AuthFn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: tests.support.fake_lambdas.authorizer
  Items:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Static:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /v1/items/special
            Method: get
        One:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /v1/items/{id}
            Method: ANY
        Rest:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /v1/{proxy+}
            Method: ANY
        Open:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /open
            Method: ANY
            Auth:
              Authorizer: NONE
        Crash:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /crash
            Method: GET
            Auth:
              Authorizer: NONE
"""


@pytest.fixture
def config(tmp_path: Path) -> Any:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    return parse_api(load_template(path))


@pytest.fixture
def gateway(config: Any) -> Any:
    fake_lambdas.authorizer_calls.clear()
    gateway = ApiGateway(config, stage="test", clock=lambda: now[0])
    yield gateway
    gateway.close()


now = [1000.0]


def call(gateway: ApiGateway, method: str, path: str, token: str | None = "allow", **kw: Any):
    headers = [("Authorization", f"Bearer {token}")] if token else []
    return gateway.handle(HttpRequest(method=method, path=path, headers=headers, **kw))


def test_short_tags_and_parameters_resolve(config: Any) -> None:
    assert config.authorizer.function == "AuthFn"
    assert config.authorizer.cache_ttl_s == 60
    assert {r.resource for r in config.routes} >= {"/v1/items/{id}", "/v1/{proxy+}"}
    open_route = next(r for r in config.routes if r.resource == "/open")
    assert open_route.authorized is False


def test_parameter_override_wins(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    assert parse_api(load_template(path), {"Ttl": 0}).authorizer.cache_ttl_s == 0


def test_template_without_api_is_rejected() -> None:
    with pytest.raises(TemplateError):
        parse_api({"Resources": {}})


@pytest.mark.parametrize(
    ("resource", "path", "params"),
    [
        ("/v1/items/{id}", "/v1/items/42", {"id": "42"}),
        ("/v1/{proxy+}", "/v1/a/b/c", {"proxy": "a/b/c"}),
        ("/health", "/health", {}),
    ],
)
def test_resource_patterns(resource: str, path: str, params: dict[str, str]) -> None:
    pattern, names = compile_resource(resource)
    match = pattern.match(path)
    assert match is not None
    assert {n: match.group(n) for n in names} == params
    assert pattern.match(path + "/extra") is None or resource.endswith("+}")


def test_most_specific_resource_wins(gateway: ApiGateway) -> None:
    assert gateway.match("GET", "/v1/items/special")[0].resource == "/v1/items/special"
    assert gateway.match("GET", "/v1/items/7")[0].resource == "/v1/items/{id}"
    assert gateway.match("GET", "/v1/other/7")[0].resource == "/v1/{proxy+}"
    # The static resource has only GET: another method is API Gateway's "missing token".
    assert gateway.match("POST", "/v1/items/special") is None


def test_proxy_event_shape(gateway: ApiGateway) -> None:
    response = call(
        gateway,
        "POST",
        "/v1/items/42",
        query=[("a", "1"), ("a", "2"), ("b", "")],
        body=b'{"x": 1}',
        source_ip="10.1.2.3",
    )
    assert response.status_code == 200
    payload = response.json()
    event = payload["event"]
    assert payload["function"] == "Items"
    assert event["resource"] == "/v1/items/{id}"
    assert event["path"] == "/v1/items/42"
    assert event["httpMethod"] == "POST"
    assert event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"a": "2", "b": ""}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": [""]}
    assert event["body"] == '{"x": 1}'
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["identity"]["sourceIp"] == "10.1.2.3"
    assert context["stage"] == "test"
    assert context["requestId"]
    assert context["authorizer"] == {"principalId": "device-1", "device_id": "device-1"}
    assert ("X-Multi", "a") in response.headers and ("X-Multi", "b") in response.headers


def test_binary_body_is_base64(gateway: ApiGateway) -> None:
    event = call(gateway, "PUT", "/v1/items/1", body=b"\xff\xfe").json()["event"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\xfe"


def test_public_route_skips_authorizer(gateway: ApiGateway) -> None:
    response = call(gateway, "GET", "/open", token=None)
    assert response.status_code == 200
    assert response.json()["event"]["requestContext"]["authorizer"] is None
    assert fake_lambdas.authorizer_calls == []


def test_missing_header_is_401_without_invoking_authorizer(gateway: ApiGateway) -> None:
    response = call(gateway, "GET", "/v1/items/1", token=None)
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token"}
    assert fake_lambdas.authorizer_calls == []


@pytest.mark.parametrize(
    ("token", "status"),
    [(fake_lambdas.REJECT, 401), (fake_lambdas.DENY, 403), (fake_lambdas.CRASH, 503)],
)
def test_authorizer_outcomes(gateway: ApiGateway, token: str, status: int) -> None:
    response = call(gateway, "GET", "/v1/items/1", token=token)
    assert response.status_code == status


def test_authorizer_failure_carries_configured_header(gateway: ApiGateway) -> None:
    response = call(gateway, "GET", "/v1/items/1", token=fake_lambdas.CRASH)
    assert ("Retry-After", "5") in response.headers


def test_malformed_authorizer_answer_is_500(gateway: ApiGateway) -> None:
    assert call(gateway, "GET", "/v1/items/1", token=fake_lambdas.MALFORMED).status_code == 500


def test_authorizer_cache_honours_ttl(gateway: ApiGateway) -> None:
    now[0] = 1000.0
    assert call(gateway, "GET", "/v1/items/1").status_code == 200
    # A different route within the TTL reuses the cached (wildcard) policy.
    assert call(gateway, "DELETE", "/v1/other").status_code == 200
    assert fake_lambdas.authorizer_calls == ["allow"]
    now[0] = 1061.0
    assert call(gateway, "GET", "/v1/items/1").status_code == 200
    assert fake_lambdas.authorizer_calls == ["allow", "allow"]


def test_unknown_path_uses_configured_gateway_response(gateway: ApiGateway) -> None:
    response = call(gateway, "GET", "/nowhere")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_function_crash_is_502(gateway: ApiGateway) -> None:
    response = call(gateway, "GET", "/crash", token=None)
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}
