"""Every route's OpenAPI operation lists every status it can answer, with the error body schema,
so a client generator or a fuzzer sees the real API (contract §1).

Derived from the route itself, in one place: a route that needs the authorizer's caller can be
refused by the authorizer or the freshness check (401, 403); a route with input can be invalid
(422) and with a body too large (413); a route with a path id or one that writes can miss (404) or
conflict (409); every `/v1` route can be throttled by API Gateway (429); every route that reaches
the database can find it unavailable (503). Registration has no caller but can be refused for a
revoked device (403), for want of proof on a stage that requires it (409) and rate limited (429).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from shared.web.dependencies import current_caller, presented_token

# Written out (not generated from models) so each response is self-contained: no references
# into a components section that a function's own document would lack.
ERROR_BODY = {
    "type": "object",
    "required": ["detail", "code"],
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
}
VALIDATION_ERROR_BODY = {
    "type": "object",
    "required": ["detail", "code"],
    "properties": {
        "detail": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "loc", "msg"],
                "properties": {
                    "type": {"type": "string"},
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                },
            },
        },
        "code": {"type": "string", "const": "VALIDATION_ERROR"},
    },
}

_DESCRIPTIONS = {
    401: "Token missing, invalid or replaced: register again",
    403: "Device revoked",
    404: "Not found (or another device's)",
    409: "Conflict",
    413: "Request body too large",
    422: "Validation error",
    429: "Too many requests (Retry-After)",
    503: "Database unavailable (Retry-After)",
}


def _uses(dependant: Dependant, call: Any) -> bool:
    return any(d.call is call or _uses(d, call) for d in dependant.dependencies)


def error_statuses(route: APIRoute) -> set[int]:
    dependant = route.dependant
    has_input = bool(dependant.path_params or dependant.query_params or dependant.body_params)
    writes = bool((route.methods or set()) & {"POST", "PATCH", "PUT", "DELETE"})
    statuses: set[int] = set()
    if _uses(dependant, current_caller):
        statuses |= {401, 403, 429, 503}
        if dependant.path_params or writes:
            statuses |= {404, 409} if writes else {404}
    elif _uses(dependant, presented_token):  # registration
        statuses |= {403, 409, 429, 503}
    if has_input:
        statuses.add(422)
    if dependant.body_params:
        statuses.add(413)
    return statuses


def _document_replay(route: APIRoute) -> None:
    """A create (201) answers 200 with the stored row when it is an idempotent replay."""
    model = route.response_model
    if route.status_code != 201 or not isinstance(model, type):
        return
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    route.responses[200] = {
        "description": "Replay of a create: the stored row",
        "content": {"application/json": {"schema": schema}},
    }


def document_error_statuses(router: APIRouter) -> None:
    """Add the error statuses (and a create's replay) to each of the router's routes, before
    it is included."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        _document_replay(route)
        for status in error_statuses(route):
            schema = VALIDATION_ERROR_BODY if status == 422 else ERROR_BODY
            route.responses[status] = {
                "description": _DESCRIPTIONS[status],
                "content": {"application/json": {"schema": schema}},
            }
