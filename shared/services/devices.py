"""Device registration, re-keying, the device's own record, and erasure.

A device id is a key (docs/security.md): registering an existing id re-keys that device. Each
re-keying is a security event (a log line with the device's reference, a metric, and
`last_rekeyed_at` on the device); one without the current token as proof is throttled per device
and, on a stage that requires proof, refused.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from shared.auth.device_ref import device_ref
from shared.auth.tokens import ParsedToken, format_token, hash_secret, new_secret, secret_matches
from shared.db.pipeline import Statement
from shared.domain.errors import (
    DeviceRevokedError,
    InvalidTokenError,
    RateLimitedError,
    RekeyProofRequiredError,
)
from shared.repositories import devices, rate_limits
from shared.runtime.observability import logger, metrics
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
    session: Session,
    hit_row: tuple[Any, ...] | None,
    device_id: uuid.UUID,
    proof: ParsedToken | None,
    settings: Settings,
) -> RegisterResponse:
    """Create the device, or re-key an existing one (its data stay); a revoked device is 403.
    `hit_row` is the answer of `registration_hit`, which opened the transaction; `proof` is the
    token the request carried, if any."""
    if (retry_after := rate_limits.retry_after(hit_row)) is not None:
        metrics.add_metric(name="RegistrationRateLimited", unit="Count", value=1)
        raise RateLimitedError(retry_after)
    secret = new_secret()
    token_hash = hash_secret(secret, settings.bcrypt_rounds)
    if devices.create(session, device_id, token_hash):
        metrics.add_metric(name="DeviceRegistered", unit="Count", value=1)
    else:
        _rekey(session, device_id, token_hash, proof, settings)
    return RegisterResponse(device_id=device_id, device_token=format_token(device_id, secret))


def _rekey(
    session: Session,
    device_id: uuid.UUID,
    token_hash: str,
    proof: ParsedToken | None,
    settings: Settings,
) -> None:
    state = devices.lock_token_state(session, device_id)
    if state.revoked:
        raise DeviceRevokedError()
    proven = (
        proof is not None
        and proof.device_id == device_id
        and secret_matches(proof.secret, state.token_hash, rounds=settings.bcrypt_rounds)
    )
    ref = device_ref(device_id)
    if not proven:
        if settings.rekey_proof == "required":
            metrics.add_metric(name="RekeyWithoutProofRefused", unit="Count", value=1)
            raise RekeyProofRequiredError()
        wait_s = rate_limits.check_in(
            session,
            f"rekey:{ref}",
            limit=settings.rekey_rate_limit,
            window_s=settings.rekey_rate_window_s,
        )
        if wait_s is not None:
            metrics.add_metric(name="RekeyRateLimited", unit="Count", value=1)
            raise RateLimitedError(wait_s)
    devices.rekey(session, device_id, token_hash)
    event = "DeviceRekeyedWithProof" if proven else "DeviceRekeyedWithoutProof"
    metrics.add_metric(name=event, unit="Count", value=1)
    logger.warning("Device re-keyed", extra={"security_event": event, "device_ref": ref})


def describe(session: Session, device_id: uuid.UUID) -> DeviceOut:
    device = devices.get(session, device_id)
    if device is None:
        raise InvalidTokenError()
    if device.revoked_at is not None:
        raise DeviceRevokedError()
    return DeviceOut(
        device_id=device.id,
        created_at=device.created_at,
        last_seen_at=device.last_seen_at,
        last_rekeyed_at=device.last_rekeyed_at,
    )


def erase(session: Session, device_id: uuid.UUID) -> None:
    """Revoke the device and delete everything it owns. Its token answers 403 from now on (the
    caller's freshness check has just proved the device live)."""
    devices.revoke_and_erase(session, device_id)
    metrics.add_metric(name="DeviceErased", unit="Count", value=1)
