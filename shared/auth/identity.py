"""The caller's identity: who the authorizer let in, as every request's handler receives it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class AuthorizedDevice:
    """Who the authorizer let in: the device and the token generation it verified (the
    freshness check compares it with the stored one, `shared.db.freshness`)."""

    device_id: uuid.UUID
    generation: int
