"""Device registration, the device's own record, and erasure."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from shared.auth.tokens import format_token, hash_secret, new_secret
from shared.db.pipeline import Statement
from shared.domain.errors import DeviceRevokedError, InvalidTokenError, RateLimitedError
from shared.repositories import devices, rate_limits
from shared.runtime.observability import metrics
from shared.runtime.settings import Settings
from shared.schemas.devices import DeviceOut, RegisterResponse


def registration_hit(source_ip: str, settings: Settings) -> Statement:
    """The rate-limit statement that opens a registration's transaction."""
    return rate_limits.hit(
        f"register:{source_ip}",
        limit=settings.register_rate_limit,
        window_s=settings.register_rate_window_s,
    )


def register(
    session: Session, hit_row: tuple[Any, ...] | None, device_id: uuid.UUID, settings: Settings
) -> RegisterResponse:
    """Create the device, or re-key an existing one (its data stay); a revoked device is 403.
    `hit_row` is the answer of `registration_hit`, which opened the transaction."""
    if (retry_after := rate_limits.retry_after(hit_row)) is not None:
        metrics.add_metric(name="RegistrationRateLimited", unit="Count", value=1)
        raise RateLimitedError(retry_after)
    secret = new_secret()
    if not devices.upsert_token(session, device_id, hash_secret(secret, settings.bcrypt_rounds)):
        raise DeviceRevokedError()
    metrics.add_metric(name="DeviceRegistered", unit="Count", value=1)
    return RegisterResponse(device_id=device_id, device_token=format_token(device_id, secret))


def describe(session: Session, device_id: uuid.UUID) -> DeviceOut:
    device = devices.get(session, device_id)
    if device is None:
        raise InvalidTokenError()
    if device.revoked_at is not None:
        raise DeviceRevokedError()
    return DeviceOut(
        device_id=device.id, created_at=device.created_at, last_seen_at=device.last_seen_at
    )


def erase(session: Session, device_id: uuid.UUID) -> None:
    """Revoke the device and delete everything it owns. Its token answers 403 from now on (the
    caller's freshness check has just proved the device live)."""
    devices.revoke_and_erase(session, device_id)
    metrics.add_metric(name="DeviceErased", unit="Count", value=1)
