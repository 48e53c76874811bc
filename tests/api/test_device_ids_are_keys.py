"""A device id is a key (issue 32, finding 1): the app's recovery path (register its id again,
without a token, after a 401) keeps working, and what an id is worth shrinks. Every re-keying of
an existing device is a security event the device can see; one without the current token is
throttled per device id (from any address) and refused where the stage requires proof; the id
stays out of the export and of logs; a revoked device is told apart only by its secret's holder."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from infra.local.gateway import ApiGateway, HttpRequest
from shared.auth.device_ref import device_ref
from shared.runtime.settings import get_settings
from tests.support.api import Device, bearer, register


def _register(gateway: ApiGateway, device_id: uuid.UUID, ip: str, token: str | None = None):
    headers = [("Content-Type", "application/json")]
    if token is not None:
        headers.append(("Authorization", f"Bearer {token}"))
    body = json.dumps({"device_id": str(device_id)}).encode()
    return gateway.handle(
        HttpRequest("POST", "/v1/devices/register", headers=headers, body=body, source_ip=ip)
    )


@pytest.fixture
def proof_required(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("REKEY_PROOF", "required")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("REKEY_PROOF")
    get_settings.cache_clear()


def test_the_apps_recovery_path_works_and_the_device_sees_the_rekeying(client: TestClient) -> None:
    device_id, token = register(client)
    before = client.get("/v1/devices/me", headers=bearer(token)).json()
    assert before["last_rekeyed_at"] is None
    _, new_token = register(client, device_id)  # no token: what the app sends after a 401
    assert client.get("/v1/devices/me", headers=bearer(token)).status_code == 401
    after = client.get("/v1/devices/me", headers=bearer(new_token)).json()
    assert after["last_rekeyed_at"] is not None
    assert after["created_at"] == before["created_at"]


@pytest.mark.usefixtures("clean_db")
def test_rekeying_without_proof_is_throttled_per_device_from_any_address(
    gateway: ApiGateway,
) -> None:
    limit = get_settings().rekey_rate_limit
    device_id = uuid.uuid4()
    token = _register(gateway, device_id, "192.0.2.1").json()["device_token"]
    for n in range(limit):
        answer = _register(gateway, device_id, f"192.0.2.{10 + n}")
        assert answer.status_code == 200
        token = answer.json()["device_token"]
    limited = _register(gateway, device_id, "192.0.2.99")
    assert limited.status_code == 429, limited.body
    assert limited.json()["code"] == "RATE_LIMITED"
    retry_after = int(dict((k.lower(), v) for k, v in limited.headers)["retry-after"])
    assert 1 <= retry_after <= get_settings().rekey_rate_window_s
    # A wrong or foreign token is no proof: still throttled.
    stranger = _register(gateway, uuid.uuid4(), "192.0.2.98").json()["device_token"]
    assert _register(gateway, device_id, "192.0.2.99", stranger).status_code == 429
    assert _register(gateway, device_id, "192.0.2.99", "not-a-token").status_code == 429
    # Other devices, from the same address, are not held up.
    assert _register(gateway, uuid.uuid4(), "192.0.2.99").status_code == 200
    # The device's own current token is proof: the re-keying is not counted or refused.
    proven = _register(gateway, device_id, "192.0.2.99", token)
    assert proven.status_code == 200
    assert (
        _register(gateway, device_id, "192.0.2.99", proven.json()["device_token"]).status_code
        == 200
    )


@pytest.mark.usefixtures("proof_required")
def test_a_stage_that_requires_proof_refuses_rekeying_without_the_token(client: TestClient) -> None:
    device_id, token = register(client)
    refused = client.post("/v1/devices/register", json={"device_id": str(device_id)})
    assert refused.status_code == 409
    assert refused.json()["code"] == "REKEY_PROOF_REQUIRED"
    assert str(device_id) not in refused.text
    assert client.get("/v1/devices/me", headers=bearer(token)).status_code == 200  # unchanged
    proven = client.post(
        "/v1/devices/register", json={"device_id": str(device_id)}, headers=bearer(token)
    )
    assert proven.status_code == 200
    assert client.get("/v1/devices/me", headers=bearer(token)).status_code == 401
    assert register(client)[1]  # a new device needs no proof


def test_each_rekeying_is_a_security_event_with_the_devices_reference(
    client: TestClient, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.INFO)
    device_id, _ = register(client)
    capfd.readouterr()
    _, token = register(client, device_id)
    client.post("/v1/devices/register", json={"device_id": str(device_id)}, headers=bearer(token))
    output = capfd.readouterr().out + "".join(f"{r.__dict__}" for r in caplog.records)
    events = [r for r in caplog.records if r.getMessage() == "Device re-keyed"]
    assert [(r.security_event, r.device_ref) for r in events] == [
        ("DeviceRekeyedWithoutProof", device_ref(device_id)),
        ("DeviceRekeyedWithProof", device_ref(device_id)),
    ]
    assert '"DeviceRekeyedWithoutProof":[1.0]' in output.replace(" ", "")
    assert str(device_id) not in output and device_id.hex not in output


def test_the_export_does_not_carry_the_device_id(device: Device) -> None:
    device.product("Oats")
    export = device.get("/v1/data/export")
    assert export.status_code == 200
    assert "device_id" not in export.json()["device"]
    assert str(device.id) not in export.text


def test_a_revoked_device_is_403_only_to_the_holder_of_its_secret(client: TestClient) -> None:
    device_id, token = register(client)
    assert client.delete("/v1/devices/me", headers=bearer(token)).status_code == 204
    assert client.get("/v1/products", headers=bearer(token)).status_code == 403
    guessed = f"{device_id}.{'A' * 43}"
    for path in ("/v1/products", "/v1/devices/me"):
        answer = client.get(path, headers=bearer(guessed))
        assert answer.status_code == 401
        assert answer.json()["code"] == "INVALID_TOKEN"
    unknown = client.get("/v1/products", headers=bearer(f"{uuid.uuid4()}.{'A' * 43}"))
    assert unknown.json() == client.get("/v1/products", headers=bearer(guessed)).json()


def test_device_references_are_keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    device_id = uuid.uuid4()
    local = device_ref(device_id)
    assert local == device_ref(device_id) and local.startswith("dev_") and len(local) == 20
    monkeypatch.setenv("DEVICE_REF_KEY", "another stage's key")
    get_settings.cache_clear()
    try:
        assert device_ref(device_id) != local
    finally:
        monkeypatch.delenv("DEVICE_REF_KEY")
        get_settings.cache_clear()
