"""Token freshness: the authorizer's cached decision is re-checked by every request's first
statement, so a replaced token is 401 and a revoked device 403 at once, whatever the cache TTL.

The authorizer puts the token generation it verified into its context beside `device_id`; this
statement compares it with the stored one. It is also the request's first use of its pooled
connection, so it takes the place of the pool's pre-ping (see `shared.db`): freshness costs no
round trip of its own. For writes it also bumps the device's change sequence, which locks the
device row until commit (as `FOR NO KEY UPDATE` would) and numbers the request's writes in commit
order for sync (migration 0004). The lock serialises one device's writes: a create that must
retire a row (goals) or keep one default (portions) reads after the lock and cannot race another
write of the same device, and an erasure or re-registration waits for the write in flight.
Core SQL only: no ORM import.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, text

from shared.db import begin_with
from shared.errors import DeviceRevokedError, InvalidTokenError

_READ_CHECK = text(
    "SELECT revoked_at IS NOT NULL AS revoked, token_generation FROM devices WHERE id = :device_id"
)
# The same check for a write, which also takes the row lock (an UPDATE of non-key columns locks
# like FOR NO KEY UPDATE) and opens the request's change sequence number for sync. It is the
# transaction's first statement and travels with its BEGIN (`shared.db.begin_with`).
_WRITE_CHECK = (
    "UPDATE devices SET change_seq = change_seq + 1 WHERE id = %(device_id)s"
    " RETURNING revoked_at IS NOT NULL AS revoked, token_generation"
)


@dataclass(frozen=True)
class AuthorizedDevice:
    """Who the authorizer let in: the device and the token generation it verified."""

    device_id: uuid.UUID
    generation: int


def check(connection: Connection, caller: AuthorizedDevice, *, lock: bool) -> None:
    """401 unless the caller's token is the device's current one; 403 if the device is revoked.
    With `lock`, this opens the write's transaction (on an autocommit connection)."""
    params = {"device_id": caller.device_id}
    if lock:
        row = begin_with(connection, _WRITE_CHECK, params)
    else:
        row = connection.execute(_READ_CHECK, params).first()
    if row is None:
        raise InvalidTokenError()
    revoked, generation = row
    if revoked:
        raise DeviceRevokedError()
    if generation != caller.generation:
        raise InvalidTokenError()
