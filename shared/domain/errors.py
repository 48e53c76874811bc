"""Domain errors: each carries the HTTP status, the machine-readable code and a safe message.

Services raise these; `shared.web.error_handlers` is the one place that turns them into
`{"detail", "code"}` JSON. Messages never contain tokens, SQL or stack traces.
"""

from __future__ import annotations


class AppError(Exception):
    """Base of every error the API reports on purpose."""

    status_code = 500
    code = "INTERNAL_ERROR"
    default_detail = "Internal server error"

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None):
        self.detail = detail or self.default_detail
        self.headers = headers or {}
        super().__init__(self.detail)


class NotFoundError(AppError):
    status_code = 404
    code = "NOT_FOUND"
    default_detail = "Not found"


class ConflictError(AppError):
    status_code = 409
    code = "CONFLICT"
    default_detail = "Conflict"


class UnprocessableError(AppError):
    """A well-formed request whose values the domain rejects (422), reported in the same list
    form as FastAPI's validation errors so clients parse one shape."""

    status_code = 422
    code = "VALIDATION_ERROR"

    def __init__(self, location: tuple[str, ...], message: str):
        super().__init__(message)
        self.detail = [{"type": "value_error", "loc": list(location), "msg": message}]  # type: ignore[assignment]


class InvalidTokenError(AppError):
    """The token is unusable: the app must register again. Nothing else may answer 401."""

    status_code = 401
    code = "INVALID_TOKEN"
    default_detail = "Invalid token"


class DeviceRevokedError(AppError):
    status_code = 403
    code = "DEVICE_REVOKED"
    default_detail = "Device revoked"


class RateLimitedError(AppError):
    status_code = 429
    code = "RATE_LIMITED"
    default_detail = "Too many requests. Try again later."

    def __init__(self, retry_after_s: int):
        super().__init__(headers={"Retry-After": str(max(1, retry_after_s))})


class ServiceUnavailableError(AppError):
    status_code = 503
    code = "SERVICE_UNAVAILABLE"
    default_detail = "Service temporarily unavailable. Try again later."

    def __init__(self, retry_after_s: int):
        super().__init__(headers={"Retry-After": str(retry_after_s)})
