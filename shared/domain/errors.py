"""Domain errors: what went wrong, in words safe to show, and nothing about HTTP.

Services, rules and the database layer raise these; `shared.web.error_handlers` is the one place
that gives each a status, a machine-readable code, headers and a location. Messages never contain
tokens, SQL or stack traces.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the API reports on purpose."""

    default_detail = "Internal server error"

    def __init__(self, detail: str | None = None):
        self.detail = detail or self.default_detail
        super().__init__(self.detail)


class NotFoundError(DomainError):
    default_detail = "Not found"


class ConflictError(DomainError):
    default_detail = "Conflict"


class InvalidValueError(DomainError):
    """A well-formed request whose values the rules reject. `field` names the input at fault
    (a body field or a query parameter), or is None when the fault is the combination."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field


class InvalidTokenError(DomainError):
    """The token is unusable: the app must register again. Nothing else may answer 401."""

    default_detail = "Invalid token"


class RekeyProofRequiredError(ConflictError):
    """Re-registering an existing device needs its current token on this stage."""

    default_detail = (
        "This device is already registered: send its current token to register it again"
    )


class DeviceRevokedError(DomainError):
    default_detail = "Device revoked"


class RateLimitedError(DomainError):
    default_detail = "Too many requests. Try again later."

    def __init__(self, retry_after_s: int):
        super().__init__()
        self.retry_after_s = max(1, retry_after_s)


class ServiceUnavailableError(DomainError):
    default_detail = "Service temporarily unavailable. Try again later."

    def __init__(self, retry_after_s: int):
        super().__init__()
        self.retry_after_s = retry_after_s
