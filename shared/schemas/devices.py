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
