"""Token freshness: the authorizer's cached decision is re-checked by every request's first
statement, so a replaced token is 401 and a revoked device 403 at once, whatever the cache TTL.

The authorizer puts the token generation it verified into its context beside `device_id`; this
statement compares it with the stored one. It costs no round trip of its own: a read's check
travels in one pipeline with the request's first query, a write's with the transaction's BEGIN
(`shared.db.pipeline`). For writes it also bumps the device's change sequence, which locks the
device row until commit (as `FOR NO KEY UPDATE` would) and numbers the request's writes in commit
order for sync (migration 0004). The lock serialises one device's writes: a create that must
retire a row (goals) or keep one default (portions) reads after the lock and cannot race another
write of the same device, and an erasure or re-registration waits for the write in flight.
Core SQL only: no ORM import.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from shared.db.pipeline import begin_with, deferred
from shared.domain.errors import DeviceRevokedError, InvalidTokenError

if TYPE_CHECKING:  # a type only: db/ never imports auth/ at run time (pyproject.toml)
    from shared.auth.identity import AuthorizedDevice

# A read's check rides along with the request's first query (`shared.db.pipeline.deferred`).
_READ_CHECK = (
    "SELECT revoked_at IS NOT NULL AS revoked, token_generation FROM devices"
    " WHERE id = %(device_id)s"
)
# The same check for a write, which also takes the row lock (an UPDATE of non-key columns locks
# like FOR NO KEY UPDATE) and opens the request's change sequence number for sync. It is the
# transaction's first statement and travels with its BEGIN (`shared.db.pipeline.begin_with`).
_WRITE_CHECK = (
    "UPDATE devices SET change_seq = change_seq + 1 WHERE id = %(device_id)s"
    " RETURNING revoked_at IS NOT NULL AS revoked, token_generation"
)


def _verify(caller: AuthorizedDevice, row: tuple[Any, ...] | None) -> None:
    """401 unless the caller's token is the device's current one; 403 if the device is revoked."""
    if row is None:
        raise InvalidTokenError()
    revoked, generation = row
    if revoked:
        raise DeviceRevokedError()
    if generation != caller.generation:
        raise InvalidTokenError()


def check_write(connection: Connection, caller: AuthorizedDevice) -> None:
    """Open the write's transaction with the check (and the device lock) in one round trip."""
    _verify(caller, begin_with(connection, _WRITE_CHECK, {"device_id": caller.device_id}))


@contextmanager
def checking_read(connection: Connection, caller: AuthorizedDevice) -> Iterator[None]:
    """Check a read in the same round trip as its first query; the query's rows are not used
    before the check has passed (it raises from that query's execution)."""
    statement = (_READ_CHECK, {"device_id": caller.device_id})
    with deferred(connection, statement, partial(_verify, caller)):
        yield
