"""Token verification for the authorizer: parse, one indexed lookup by device id, one bcrypt check.

Core SQL only (no ORM import): a cache miss costs one SELECT, one bcrypt check and, at most once a
minute per device, one UPDATE of `last_seen_at`.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, text

from shared.auth.tokens import ParsedToken, secret_matches

# `last_seen_at` is written only when older than this: with a cache TTL of minutes the authorizer
# writes once per cache period, and a TTL of 0 (dev) does not turn every request into a write.
LAST_SEEN_RESOLUTION_S = 60

_LOOKUP = text(
    "SELECT token_hash, token_generation, revoked_at IS NOT NULL AS revoked,"
    " coalesce(last_seen_at < now() - make_interval(secs => :resolution), true) AS stale"
    " FROM devices WHERE id = :device_id"
)
_TOUCH = text("UPDATE devices SET last_seen_at = now() WHERE id = :device_id")


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
    params = {"device_id": parsed.device_id, "resolution": LAST_SEEN_RESOLUTION_S}
    row = connection.execute(_LOOKUP, params).first()
    token_hash = row.token_hash if row is not None else None
    matched = secret_matches(parsed.secret, token_hash, rounds=bcrypt_rounds)
    if row is not None and row.revoked:
        return Verification(Verdict.REVOKED, parsed.device_id)
    if not matched:
        return Verification(Verdict.INVALID)
    if row.stale:
        connection.execute(_TOUCH, {"device_id": parsed.device_id})
    return Verification(Verdict.ALLOW, parsed.device_id, row.token_generation)
