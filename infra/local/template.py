"""Reads `template.yaml` (with CloudFormation short tags) into the routes the emulator serves."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from infra.local.database import REPO_ROOT

TEMPLATE_PATH = REPO_ROOT / "template.yaml"


class TemplateError(ValueError):
    """The template does not describe an API the emulator can serve."""


class CfnLoader(yaml.SafeLoader):
    """A YAML loader that turns `!Ref X` into `{"Ref": X}` and `!Sub s` into `{"Fn::Sub": s}`."""


def _construct_tag(loader: CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


CfnLoader.add_multi_constructor("!", _construct_tag)


def _function_of(arn: dict[str, Any]) -> str:
    """The function resource behind `!GetAtt F.Arn` or `!Ref F.Alias` (its published alias)."""
    if "Fn::GetAtt" in arn:
        return arn["Fn::GetAtt"][0]
    return arn["Ref"].removesuffix(".Alias")


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=CfnLoader)  # noqa: S506 - a SafeLoader subclass


@dataclass(frozen=True)
class Route:
    """One API Gateway method: a resource path and HTTP method wired to a function."""

    function: str
    handler: str
    resource: str
    method: str
    authorized: bool
    pattern: re.Pattern[str]
    param_names: tuple[str, ...]

    @property
    def specificity(self) -> tuple[int, int, int]:
        """API Gateway prefers literal segments over `{param}`, and `{param}` over `{proxy+}`."""
        segments = [s for s in self.resource.split("/") if s]
        literal = sum(1 for s in segments if not s.startswith("{"))
        greedy = sum(1 for s in segments if s.endswith("+}"))
        return (literal, len(segments) - greedy, -greedy)


@dataclass(frozen=True)
class GatewayResponse:
    """A configured gateway response; `status_code` None keeps the status of the error itself."""

    status_code: int | None
    body: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AuthorizerConfig:
    function: str
    handler: str
    identity_header: str
    cache_ttl_s: int


@dataclass(frozen=True)
class ApiConfig:
    routes: tuple[Route, ...]
    authorizer: AuthorizerConfig | None
    gateway_responses: dict[str, GatewayResponse]
    handlers: dict[str, str]


def compile_resource(resource: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """A regex for an API Gateway resource path; `{name}` is one segment, `{name+}` the rest."""
    parts: list[str] = []
    names: list[str] = []
    for segment in resource.strip("/").split("/"):
        greedy = re.fullmatch(r"\{(\w+)\+\}", segment)
        single = re.fullmatch(r"\{(\w+)\}", segment)
        if greedy:
            names.append(greedy.group(1))
            parts.append(f"(?P<{greedy.group(1)}>.+)")
        elif single:
            names.append(single.group(1))
            parts.append(f"(?P<{single.group(1)}>[^/]+)")
        else:
            parts.append(re.escape(segment))
    return re.compile("^/" + "/".join(parts) + "$"), tuple(names)


def _resolve(value: Any, parameters: dict[str, Any], overrides: dict[str, Any]) -> Any:
    """The value of a literal or of `!Ref Parameter` (override first, then the default)."""
    if isinstance(value, dict) and "Ref" in value:
        name = value["Ref"]
        if name in overrides:
            return overrides[name]
        if name in parameters and "Default" in parameters[name]:
            return parameters[name]["Default"]
        raise TemplateError(f"cannot resolve !Ref {name} locally")
    return value


def _static_header(value: str) -> str:
    """Gateway response header values are static strings written in single quotes."""
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == "'" else value


def _gateway_responses(api_props: dict[str, Any]) -> dict[str, GatewayResponse]:
    responses: dict[str, GatewayResponse] = {}
    for kind, spec in (api_props.get("GatewayResponses") or {}).items():
        templates = spec.get("ResponseTemplates") or {}
        headers = (spec.get("ResponseParameters") or {}).get("Headers") or {}
        responses[kind] = GatewayResponse(
            status_code=int(spec["StatusCode"]) if "StatusCode" in spec else None,
            body=templates.get("application/json", json.dumps({"message": kind})),
            headers={name: _static_header(str(v)) for name, v in headers.items()},
        )
    return responses


def parse_api(template: dict[str, Any], overrides: dict[str, Any] | None = None) -> ApiConfig:
    """Collect the REST API's routes, authorizer and gateway responses from a SAM template."""
    overrides = overrides or {}
    parameters = template.get("Parameters") or {}
    resources = template.get("Resources") or {}
    global_function = (template.get("Globals") or {}).get("Function") or {}
    apis = {k: r for k, r in resources.items() if r.get("Type") == "AWS::Serverless::Api"}
    if len(apis) != 1:
        raise TemplateError(f"expected exactly one AWS::Serverless::Api, found {len(apis)}")
    api_id, api = next(iter(apis.items()))
    api_props = api.get("Properties") or {}
    auth = api_props.get("Auth") or {}
    default_authorizer = auth.get("DefaultAuthorizer")

    handlers = {
        name: (r.get("Properties") or {}).get("Handler") or global_function.get("Handler")
        for name, r in resources.items()
        if r.get("Type") == "AWS::Serverless::Function"
    }

    authorizer = None
    if default_authorizer:
        spec = (auth.get("Authorizers") or {})[default_authorizer]
        function = _function_of(spec["FunctionArn"])
        identity = spec.get("Identity") or {}
        authorizer = AuthorizerConfig(
            function=function,
            handler=handlers[function],
            identity_header=identity.get("Header", "Authorization"),
            cache_ttl_s=int(_resolve(identity.get("ReauthorizeEvery", 300), parameters, overrides)),
        )

    routes: list[Route] = []
    for name, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in ((resource.get("Properties") or {}).get("Events") or {}).values():
            props = event.get("Properties") or {}
            if event.get("Type") != "Api" or props.get("RestApiId") != {"Ref": api_id}:
                continue
            event_auth = (props.get("Auth") or {}).get("Authorizer", default_authorizer)
            pattern, names = compile_resource(props["Path"])
            method = props["Method"].upper()
            routes.append(
                Route(
                    function=name,
                    handler=handlers[name],
                    resource=props["Path"],
                    method="ANY" if method in ("ANY", "X-AMAZON-APIGATEWAY-ANY-METHOD") else method,
                    authorized=bool(event_auth) and event_auth != "NONE",
                    pattern=pattern,
                    param_names=names,
                )
            )
    return ApiConfig(tuple(routes), authorizer, _gateway_responses(api_props), handlers)


@cache
def api_config() -> ApiConfig:
    """template.yaml's API, parsed once per process: the template is over a thousand lines and
    YAML parsing takes about a tenth of a second, which every test's gateway would pay again."""
    return parse_api(load_template())
