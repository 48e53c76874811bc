"""Helpers for API tests: register devices and build authorized headers."""

from __future__ import annotations

import uuid

from starlette.testclient import TestClient


def register(client: TestClient, device_id: uuid.UUID | None = None) -> tuple[uuid.UUID, str]:
    device_id = device_id or uuid.uuid4()
    response = client.post("/v1/devices/register", json={"device_id": str(device_id)})
    assert response.status_code == 200, response.text
    return device_id, response.json()["device_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
