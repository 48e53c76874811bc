"""Device registration and the device's own record."""

from __future__ import annotations

import uuid

from pydantic import BaseModel

from shared.schemas.common import RequestModel, Timestamp


class RegisterRequest(RequestModel):
    device_id: uuid.UUID


class RegisterResponse(BaseModel):
    device_id: uuid.UUID
    device_token: str


class DeviceOut(BaseModel):
    device_id: uuid.UUID
    created_at: Timestamp
    last_seen_at: Timestamp | None
    # The last re-registration of this device: one the person did not make means that someone
    # else held the device id (docs/security.md).
    last_rekeyed_at: Timestamp | None
