"""Token verification for the authorizer: parse, one indexed lookup by device id, one bcrypt check.

No ORM import (the authorizer stays light): a cache miss costs one SELECT, one bcrypt check and,
at most once a minute per device, one UPDATE of `last_seen_at`
(`shared.repositories.device_tokens`).
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

from sqlalchemy import Connection

from shared.auth.tokens import ParsedToken, secret_matches
from shared.repositories import device_tokens


class Verdict(enum.Enum):
    ALLOW = "allow"
    REVOKED = "revoked"
    INVALID = "invalid"


@dataclass(frozen=True)
class Verification:
    verdict: Verdict
    device_id: uuid.UUID | None = None
    # The token generation that was verified (ALLOW only); functions compare it with the stored
    # one on every request, so a token replaced while its decision is cached dies at once.
    generation: int | None = None


def verify_token(
    connection: Connection, parsed: ParsedToken, *, bcrypt_rounds: int
) -> Verification:
    """Decide what a well-formed token is worth (parse it first: malformed ones need no query)."""
    row = device_tokens.lookup(connection, parsed.device_id)
    token_hash = row.token_hash if row is not None else None
    matched = secret_matches(parsed.secret, token_hash, rounds=bcrypt_rounds)
    # Only a caller who holds the secret learns that a device is revoked: to anyone else it is
    # as unknown as a device id never registered.
    if not matched or row is None:  # no row has no hash, so never matched
        return Verification(Verdict.INVALID)
    if row.revoked:
        return Verification(Verdict.REVOKED, parsed.device_id)
    if row.stale:
        device_tokens.touch(connection, parsed.device_id)
    return Verification(Verdict.ALLOW, parsed.device_id, row.token_generation)
