"""FastAPI dependencies that read what API Gateway put into the Lambda event.

They are `async def` although they never await: FastAPI runs a plain `def` dependency in a worker
thread, a thread hop (and, per invocation, a new thread) for reading two dictionary keys."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from shared.auth.identity import AuthorizedDevice
from shared.auth.tokens import ParsedToken, bearer_token, parse_token
from shared.domain.errors import InvalidTokenError


def lambda_event(request: Request) -> dict[str, Any]:
    """The API Gateway proxy event Mangum received (empty outside Lambda)."""
    return request.scope.get("aws.event") or {}


async def source_ip(request: Request) -> str:
    """The caller's address as API Gateway saw it; never taken from X-Forwarded-For."""
    identity = (lambda_event(request).get("requestContext") or {}).get("identity") or {}
    return str(identity.get("sourceIp") or "unknown")


def authorized_device(event: dict[str, Any]) -> AuthorizedDevice | None:
    """The device and token generation the authorizer put into the event, if it did."""
    context = (event.get("requestContext") or {}).get("authorizer") or {}
    try:
        return AuthorizedDevice(
            uuid.UUID(str(context["device_id"])), int(str(context["token_generation"]))
        )
    except (KeyError, ValueError):
        return None


async def current_caller(request: Request) -> AuthorizedDevice:
    """The device and token generation the authorizer vouched for (re-checked against the
    database by the request's first statement). Without that context (a misrouted or direct
    invocation, or a decision cached before generations existed) the request is refused with
    401, as defence in depth: the app registers again once."""
    caller = authorized_device(lambda_event(request))
    if caller is None:
        raise InvalidTokenError()
    return caller


async def presented_token(
    authorization: Annotated[
        str | None,
        Header(
            description="Optional on registration: the device's current token as proof that"
            " the caller holds it (docs/security.md). Missing or unusable is no proof."
        ),
    ] = None,
) -> ParsedToken | None:
    """The token a registration carries as proof that the caller holds the device (optional:
    a missing or malformed one is no proof, never a 401, which would make the app loop)."""
    try:
        return parse_token(bearer_token(authorization))
    except InvalidTokenError:
        return None


Caller = Annotated[AuthorizedDevice, Depends(current_caller)]
PresentedToken = Annotated[ParsedToken | None, Depends(presented_token)]
SourceIp = Annotated[str, Depends(source_ip)]
