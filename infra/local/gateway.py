"""An in-process API Gateway REST API: routing, the TOKEN authorizer with its cache, gateway
responses, and Lambda-proxy invocation of the real handlers.

Each function runs in its own pool of "sandbox" threads, each with its own event loop (Mangum needs
one, and the caller's loop must stay free), importing its handler module on first use.
"""

from __future__ import annotations

import asyncio
import base64
import fnmatch
import importlib
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from infra.local.events import (
    LambdaContext,
    method_arn,
    proxy_event,
    token_authorizer_event,
)
from infra.local.template import ApiConfig, GatewayResponse, Route

# API Gateway's built-in responses, used where the template configures none.
_DEFAULT_RESPONSES = {
    "UNAUTHORIZED": GatewayResponse(401, '{"message":"Unauthorized"}'),
    "ACCESS_DENIED": GatewayResponse(
        403, '{"message":"User is not authorized to access this resource with an explicit deny"}'
    ),
    "MISSING_AUTHENTICATION_TOKEN": GatewayResponse(
        403, '{"message":"Missing Authentication Token"}'
    ),
    "AUTHORIZER_FAILURE": GatewayResponse(500, '{"message":null}'),
    "AUTHORIZER_CONFIGURATION_ERROR": GatewayResponse(500, '{"message":null}'),
}
_INTEGRATION_FAILURE = b'{"message": "Internal server error"}'


@dataclass
class HttpRequest:
    method: str
    path: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    query: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    source_ip: str = "127.0.0.1"

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass
class HttpResponse:
    status_code: int
    headers: list[tuple[str, str]]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class _CachedPolicy:
    expires_at: float
    principal_id: str
    statements: list[dict[str, Any]]
    context: dict[str, Any]


class _Sandbox:
    """A function's warm containers: worker threads with an event loop each, one module import."""

    def __init__(self, handler_path: str, function: str, size: int):
        self._handler_path = handler_path
        self._function = function
        self._handler: Callable[[dict[str, Any], Any], Any] | None = None
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(
            max_workers=size, thread_name_prefix=function, initializer=self._new_loop
        )

    @staticmethod
    def _new_loop() -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())

    def _resolve(self) -> Callable[[dict[str, Any], Any], Any]:
        with self._lock:
            if self._handler is None:
                module_name, attribute = self._handler_path.rsplit(".", 1)
                self._handler = getattr(importlib.import_module(module_name), attribute)
            return self._handler

    def invoke(self, event: dict[str, Any]) -> Any:
        def run() -> Any:
            return self._resolve()(event, LambdaContext(function_name=self._function))

        return self._pool.submit(run).result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)


class AuthorizerDenied(Exception):
    """The authorizer answered with a policy that does not allow this method."""


def _policy_allows(statements: list[dict[str, Any]], arn: str) -> bool:
    """IAM evaluation for one ARN: an explicit Deny wins, otherwise an Allow is needed."""

    def matches(statement: dict[str, Any]) -> bool:
        actions = statement.get("Action", [])
        resources = statement.get("Resource", [])
        actions = [actions] if isinstance(actions, str) else actions
        resources = [resources] if isinstance(resources, str) else resources
        action_ok = any(fnmatch.fnmatchcase("execute-api:Invoke", a) for a in actions)
        return action_ok and any(fnmatch.fnmatchcase(arn, r) for r in resources)

    effects = [s.get("Effect") for s in statements if matches(s)]
    return "Deny" not in effects and "Allow" in effects


class ApiGateway:
    """Serves an `ApiConfig` (parsed from template.yaml) by invoking the handlers in-process."""

    def __init__(
        self,
        config: ApiConfig,
        *,
        stage: str = "local",
        authorizer_cache_ttl_s: int | None = None,
        sandboxes_per_function: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.config = config
        self.stage = stage
        self.authorizer_invocations = 0
        self._ttl = (
            authorizer_cache_ttl_s
            if authorizer_cache_ttl_s is not None
            else (config.authorizer.cache_ttl_s if config.authorizer else 0)
        )
        self._clock = clock
        self._cache: dict[str, _CachedPolicy] = {}
        self._cache_lock = threading.Lock()
        self._sandboxes: dict[str, _Sandbox] = {}
        self._sandbox_size = sandboxes_per_function
        self._sandbox_lock = threading.Lock()

    # -- plumbing ---------------------------------------------------------------------------
    def sandbox(self, function: str) -> _Sandbox:
        with self._sandbox_lock:
            if function not in self._sandboxes:
                self._sandboxes[function] = _Sandbox(
                    self.config.handlers[function], function, self._sandbox_size
                )
            return self._sandboxes[function]

    def close(self) -> None:
        for sandbox in self._sandboxes.values():
            sandbox.close()

    def _gateway_response(self, kind: str) -> HttpResponse:
        """The template's response for `kind`, else its DEFAULT_4XX/5XX, else API Gateway's."""
        default = _DEFAULT_RESPONSES[kind]
        assert default.status_code is not None
        family = "DEFAULT_4XX" if default.status_code < 500 else "DEFAULT_5XX"
        responses = self.config.gateway_responses
        response = responses.get(kind) or responses.get(family) or default
        headers = [("Content-Type", "application/json"), *response.headers.items()]
        status = response.status_code or default.status_code
        return HttpResponse(status, headers, response.body.encode())

    # -- routing ----------------------------------------------------------------------------
    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route API Gateway would pick, or None (which it answers as a missing token)."""
        candidates = [(r, m) for r in self.config.routes if (m := r.pattern.match(path))]
        if not candidates:
            return None
        best = max(r.specificity for r, _ in candidates)
        on_resource = [(r, m) for r, m in candidates if r.specificity == best]
        chosen = next((c for c in on_resource if c[0].method == method), None) or next(
            (c for c in on_resource if c[0].method == "ANY"), None
        )
        if chosen is None:
            return None
        route, found = chosen
        return route, {name: found.group(name) for name in route.param_names}

    # -- authorizer -------------------------------------------------------------------------
    def _authorize(self, token: str, arn: str) -> _CachedPolicy:
        now = self._clock()
        with self._cache_lock:
            cached = self._cache.get(token)
        if cached is not None and cached.expires_at > now:
            return cached
        assert self.config.authorizer is not None
        self.authorizer_invocations += 1
        result = self.sandbox(self.config.authorizer.function).invoke(
            token_authorizer_event(token, arn)
        )
        policy = _CachedPolicy(
            expires_at=now + self._ttl,
            principal_id=str(result["principalId"]),
            statements=list(result["policyDocument"]["Statement"]),
            context=dict(result.get("context") or {}),
        )
        if self._ttl > 0:
            with self._cache_lock:
                self._cache[token] = policy
        return policy

    def _authorizer_outcome(
        self, request: HttpRequest
    ) -> tuple[dict[str, Any] | None, HttpResponse | None]:
        assert self.config.authorizer is not None
        token = request.header(self.config.authorizer.identity_header)
        if not token:
            return None, self._gateway_response("UNAUTHORIZED")
        arn = method_arn(self.stage, request.method, request.path)
        try:
            policy = self._authorize(token, arn)
        except (KeyError, TypeError):
            return None, self._gateway_response("AUTHORIZER_CONFIGURATION_ERROR")
        except Exception as exc:
            kind = "UNAUTHORIZED" if str(exc) == "Unauthorized" else "AUTHORIZER_FAILURE"
            return None, self._gateway_response(kind)
        if not _policy_allows(policy.statements, arn):
            return None, self._gateway_response("ACCESS_DENIED")
        return {"principalId": policy.principal_id, **policy.context}, None

    # -- the request ------------------------------------------------------------------------
    def handle(self, request: HttpRequest) -> HttpResponse:
        matched = self.match(request.method, request.path)
        if matched is None:
            return self._gateway_response("MISSING_AUTHENTICATION_TOKEN")
        route, path_parameters = matched
        authorizer_context: dict[str, Any] | None = None
        if route.authorized and self.config.authorizer is not None:
            authorizer_context, denied = self._authorizer_outcome(request)
            if denied is not None:
                return denied
        event = proxy_event(
            method=request.method,
            path=request.path,
            resource=route.resource,
            stage=self.stage,
            headers=request.headers,
            query=request.query,
            path_parameters=path_parameters,
            body=request.body,
            source_ip=request.source_ip,
            authorizer=authorizer_context,
        )
        try:
            result = self.sandbox(route.function).invoke(event)
            return _proxy_response(result)
        except Exception:
            return _integration_failure()


def _integration_failure() -> HttpResponse:
    """What API Gateway answers when the function fails or returns a malformed result."""
    return HttpResponse(502, [("Content-Type", "application/json")], _INTEGRATION_FAILURE)


def _proxy_response(result: dict[str, Any]) -> HttpResponse:
    """Translate a Lambda-proxy result; a malformed one is a 502, as in API Gateway."""
    status = int(result["statusCode"])
    headers: list[tuple[str, str]] = []
    multi = result.get("multiValueHeaders") or {}
    for name, values in multi.items():
        headers.extend((name, str(v)) for v in values)
    for name, value in (result.get("headers") or {}).items():
        if name not in multi:
            headers.append((name, str(value)))
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    return HttpResponse(status, headers, raw)
