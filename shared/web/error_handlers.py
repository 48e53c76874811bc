"""The one place that turns errors into `{"detail", "code"}` JSON responses: each domain error's
status, code, headers and (for rejected values) location are decided here, nowhere else.

Nothing here echoes an exception's text unless it is a `DomainError` (whose messages are written to
be shown): database errors and bugs answer a fixed message, so no SQL, token or trace leaks.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.db.engine import is_database_unavailable, unavailable_error
from shared.domain.errors import (
    ConflictError,
    DeviceRevokedError,
    DomainError,
    InvalidTokenError,
    InvalidValueError,
    NotFoundError,
    RateLimitedError,
    RekeyProofRequiredError,
    ServiceUnavailableError,
)
from shared.runtime.observability import logger

_HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "INVALID_TOKEN",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


def error_response(
    status_code: int, detail: object, code: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"detail": detail, "code": code}, status_code=status_code, headers=headers)


# Status and code of each domain error; the first class in the error's MRO found here wins.
_DOMAIN_STATUSES: dict[type[DomainError], tuple[int, str]] = {
    NotFoundError: (404, "NOT_FOUND"),
    RekeyProofRequiredError: (409, "REKEY_PROOF_REQUIRED"),
    ConflictError: (409, "CONFLICT"),
    InvalidValueError: (422, "VALIDATION_ERROR"),
    InvalidTokenError: (401, "INVALID_TOKEN"),
    DeviceRevokedError: (403, "DEVICE_REVOKED"),
    RateLimitedError: (429, "RATE_LIMITED"),
    ServiceUnavailableError: (503, "SERVICE_UNAVAILABLE"),
    DomainError: (500, "INTERNAL_ERROR"),
}


def _value_location(request: Request, field: str | None) -> list[str]:
    """Where a rejected value was: a query parameter the request carries, else the body."""
    if field is None:
        return ["body"]
    return ["query", field] if field in request.query_params else ["body", field]


def domain_error_response(request: Request, exc: DomainError) -> JSONResponse:
    """The JSON answer for a domain error. A rejected value answers in the same list form as
    FastAPI's validation errors, so clients parse one shape."""
    status, code = next(_DOMAIN_STATUSES[c] for c in type(exc).__mro__ if c in _DOMAIN_STATUSES)
    detail: object = exc.detail
    if isinstance(exc, InvalidValueError):
        location = _value_location(request, exc.field)
        detail = [{"type": "value_error", "loc": location, "msg": exc.detail}]
    headers = None
    if isinstance(exc, RateLimitedError | ServiceUnavailableError):
        headers = {"Retry-After": str(exc.retry_after_s)}
    return error_response(status, detail, code, headers)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return domain_error_response(request, exc)


# A refused value is echoed back (`input`) only this far: a 60 KB name came back whole.
ECHOED_INPUT_CHARS = 100


def _bounded_input(problem: dict[str, Any]) -> dict[str, Any]:
    """A validation error item whose `input` is at most ECHOED_INPUT_CHARS characters of text,
    or left out when it is a longer object or list."""
    if "input" not in problem:
        return problem
    echoed = problem["input"]
    if isinstance(echoed, str):
        if len(echoed) > ECHOED_INPUT_CHARS:
            return {**problem, "input": echoed[:ECHOED_INPUT_CHARS] + "…"}
        return problem
    if len(json.dumps(jsonable_encoder(echoed), default=str)) > ECHOED_INPUT_CHARS:
        return {key: value for key, value in problem.items() if key != "input"}
    return problem


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [_bounded_input(problem) for problem in exc.errors()]
    return error_response(422, jsonable_encoder(problems), "VALIDATION_ERROR")


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
    return error_response(exc.status_code, exc.detail, code, dict(exc.headers or {}))


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    if is_database_unavailable(exc):
        return domain_error_response(request, unavailable_error(exc))
    return await _unexpected_error(request, exc)


async def _unexpected_error(_: Request, exc: Exception) -> JSONResponse:
    logger.exception("Unhandled error", extra={"error_type": type(exc).__name__})
    return error_response(500, "Internal server error", "INTERNAL_ERROR")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)
