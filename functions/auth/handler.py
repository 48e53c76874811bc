"""Lambda entry point of the auth function: health, registration, the device's own record."""

from __future__ import annotations

from fastapi import APIRouter, Response

from shared.schemas.devices import DeviceOut, RegisterRequest, RegisterResponse
from shared.services import devices
from shared.sessions import transaction
from shared.settings import get_settings
from shared.web.app_factory import create_app, create_lambda_handler
from shared.web.dependencies import DeviceId, SourceIp

health_router = APIRouter(tags=["health"])
devices_router = APIRouter(prefix="/v1", tags=["devices"])


@health_router.get("/health")
async def health() -> dict[str, bool]:
    """Liveness only: it never touches the database, so it stays cheap and always answers."""
    return {"ok": True}


@devices_router.post("/devices/register", response_model=RegisterResponse)
@devices_router.post("/auth/register", response_model=RegisterResponse)
async def register(body: RegisterRequest, ip: SourceIp) -> RegisterResponse:
    """Create the device or give it a fresh token (the old one stops working)."""
    with transaction() as session:
        return devices.register(session, body.device_id, ip, get_settings())


@devices_router.get("/devices/me", response_model=DeviceOut)
async def me(device_id: DeviceId) -> DeviceOut:
    with transaction() as session:
        return devices.describe(session, device_id)


@devices_router.delete("/devices/me", status_code=204)
async def erase_me(device_id: DeviceId) -> Response:
    """Revoke this device and permanently erase all of its data."""
    with transaction() as session:
        devices.erase(session, device_id)
    return Response(status_code=204)


app = create_app(health_router, devices_router, title="CountOnMe auth")
lambda_handler = create_lambda_handler(app)
