"""The authorizer's reads and writes of a device's token state. Core SQL only: the authorizer
must not pay for importing the ORM."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Row, text

# `last_seen_at` is written only when older than this: with a cache TTL of minutes the authorizer
# writes once per cache period, and a TTL of 0 (dev) does not turn every request into a write.
LAST_SEEN_RESOLUTION_S = 60

_LOOKUP = text(
    "SELECT token_hash, token_generation, revoked_at IS NOT NULL AS revoked,"
    " coalesce(last_seen_at < now() - make_interval(secs => :resolution), true) AS stale"
    " FROM devices WHERE id = :device_id"
)
_TOUCH = text("UPDATE devices SET last_seen_at = now() WHERE id = :device_id")


def lookup(connection: Connection, device_id: uuid.UUID) -> Row[Any] | None:
    """The device's token hash, generation, revocation and whether `last_seen_at` is stale."""
    params = {"device_id": device_id, "resolution": LAST_SEEN_RESOLUTION_S}
    return connection.execute(_LOOKUP, params).first()


def touch(connection: Connection, device_id: uuid.UUID) -> None:
    connection.execute(_TOUCH, {"device_id": device_id})
