"""Device bearer tokens: `<device_id>.<secret>`, of which only a bcrypt hash of the secret is kept.

The secret carries 256 bits of entropy, so bcrypt's cost buys little against guessing; it is there
so that a leaked table does not hand out working tokens. Every authorizer cache miss pays one
check, so the cost is a setting (see README) rather than the highest the CPU allows.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from functools import cache

import bcrypt

from shared.domain.errors import InvalidTokenError

SECRET_BYTES = 32
# token_urlsafe(32): 43 characters of the URL-safe base64 alphabet, no padding.
_SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
_UUID_PATTERN = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_BEARER_PATTERN = re.compile(r"bearer[ ]+(\S+)[ ]*", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedToken:
    device_id: uuid.UUID
    secret: str

    def __repr__(self) -> str:
        return f"ParsedToken(device_id={self.device_id}, secret=***)"


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def format_token(device_id: uuid.UUID, secret: str) -> str:
    return f"{device_id}.{secret}"


def parse_token(token: str) -> ParsedToken:
    """Split and validate a token's shape; raise InvalidTokenError before any database work."""
    device_part, dot, secret = token.partition(".")
    if not dot or not _UUID_PATTERN.fullmatch(device_part) or not _SECRET_PATTERN.fullmatch(secret):
        raise InvalidTokenError()
    return ParsedToken(uuid.UUID(device_part), secret)


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header (scheme case-insensitive)."""
    match = _BEARER_PATTERN.fullmatch(authorization or "")
    if match is None:
        raise InvalidTokenError()
    return match.group(1)


def hash_secret(secret: str, rounds: int) -> str:
    return bcrypt.hashpw(secret.encode(), bcrypt.gensalt(rounds=rounds)).decode()


@cache
def _unmatchable_hash(rounds: int) -> str:
    """A hash of a random secret nobody holds, at the configured cost, made on first need."""
    return hash_secret(new_secret(), rounds)


def secret_matches(secret: str, token_hash: str | None, *, rounds: int) -> bool:
    """One bcrypt check, also when there is no hash to compare with (unknown or revoked device),
    so the response time does not tell which device ids exist."""
    matched = bcrypt.checkpw(secret.encode(), (token_hash or _unmatchable_hash(rounds)).encode())
    return matched and token_hash is not None
