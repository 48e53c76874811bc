"""Routes of the auth function: health, registration, the device's own record.

The routes are `async def` and call the database synchronously, on purpose:
`shared/web/app_factory.py` says why (measured).
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from shared.db.engine import retry_on_stale_connection
from shared.db.units_of_work import reading, transaction_opened_by, writing
from shared.runtime.settings import get_settings
from shared.schemas.devices import DeviceOut, RegisterRequest, RegisterResponse
from shared.services import devices
from shared.web.dependencies import Caller, PresentedToken, SourceIp

health_router = APIRouter(tags=["health"])
devices_router = APIRouter(prefix="/v1", tags=["devices"])


@health_router.get("/health")
async def health() -> dict[str, bool]:
    """Liveness only: it never touches the database, so it stays cheap and always answers."""
    return {"ok": True}


@devices_router.post("/devices/register", response_model=RegisterResponse)
@devices_router.post("/auth/register", response_model=RegisterResponse)
async def register(body: RegisterRequest, ip: SourceIp, proof: PresentedToken) -> RegisterResponse:
    """Create the device or give it a fresh token (the old one stops working). Re-registering an
    existing device may carry its current token as `Authorization: Bearer`: with it the re-keying
    is not throttled per device, and on a stage that requires proof it is needed (else 409)."""

    def register_once() -> RegisterResponse:
        settings = get_settings()
        hit = devices.registration_hit(ip, settings)
        with transaction_opened_by(hit) as (session, hit_row):
            return devices.register(session, hit_row, body.device_id, proof, settings)

    # Safe to repeat after a dead connection: nothing was committed, and the token it would have
    # returned never reached the client.
    return retry_on_stale_connection(register_once)


@devices_router.get("/devices/me", response_model=DeviceOut)
async def me(caller: Caller) -> DeviceOut:
    with reading(caller) as session:
        return devices.describe(session, caller.device_id)


@devices_router.delete("/devices/me", status_code=204)
async def erase_me(caller: Caller) -> Response:
    """Revoke this device and permanently erase all of its data."""
    with writing(caller) as session:
        devices.erase(session, caller.device_id)
    return Response(status_code=204)
