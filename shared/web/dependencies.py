"""FastAPI dependencies that read what API Gateway put into the Lambda event."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Request

from shared.errors import InvalidTokenError


def lambda_event(request: Request) -> dict[str, Any]:
    """The API Gateway proxy event Mangum received (empty outside Lambda)."""
    return request.scope.get("aws.event") or {}


def source_ip(request: Request) -> str:
    """The caller's address as API Gateway saw it; never taken from X-Forwarded-For."""
    identity = (lambda_event(request).get("requestContext") or {}).get("identity") or {}
    return str(identity.get("sourceIp") or "unknown")


def current_device_id(request: Request) -> uuid.UUID:
    """The device the authorizer vouched for. Without its context (a misrouted or direct
    invocation) the request is refused with 401, as defence in depth."""
    context = (lambda_event(request).get("requestContext") or {}).get("authorizer") or {}
    try:
        return uuid.UUID(str(context["device_id"]))
    except (KeyError, ValueError):
        raise InvalidTokenError() from None


DeviceId = Annotated[uuid.UUID, Depends(current_device_id)]
SourceIp = Annotated[str, Depends(source_ip)]
