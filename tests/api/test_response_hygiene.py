"""What a response must not do (issue 32's smaller findings): be cached anywhere between the
app and the API (it carries tokens and a diary), echo a whole oversized input back in a 422, or
read an integer query parameter from text that is not plainly one."""

from __future__ import annotations

import pytest

from tests.support.api import Device

# Every authenticated route family, registration, and an error.
ROUTES = [
    "/v1/devices/me",
    "/v1/products",
    "/v1/food-entries?day=2026-03-15",
    "/v1/stats/day/2026-03-15",
    "/v1/goals/current",
    "/v1/body-weights",
    "/v1/sync/since",
    "/v1/data/export",
    "/v1/products/00000000-0000-0000-0000-000000000000",
]


@pytest.mark.parametrize("path", ROUTES)
def test_authenticated_answers_are_not_stored(device: Device, path: str) -> None:
    assert device.get(path).headers["Cache-Control"] == "no-store"


def test_registration_is_not_stored(client) -> None:
    response = client.post(
        "/v1/devices/register", json={"device_id": "7b0c8a52-4c8e-4d5e-9a57-3f0f6c1e2a10"}
    )
    assert response.status_code == 200 and "device_token" in response.json()
    assert response.headers["Cache-Control"] == "no-store"


def test_a_validation_error_does_not_echo_a_long_input(device: Device) -> None:
    response = device.post("/v1/products", {"name": "x" * 60_000})
    assert response.status_code == 422
    assert len(response.content) < 1_000, len(response.content)
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "name"] and problem["input"].startswith("xxxx")


@pytest.mark.parametrize("written", ["1.0", "+5", "  5", "5 ", "0x5", "5e0", "\u0665", "1_0"])
@pytest.mark.parametrize("path", ["/v1/products", "/v1/food-entries", "/v1/sync/since"])
def test_integer_query_parameters_are_plain_digits(device: Device, path: str, written: str) -> None:
    response = device.get(path, params={"limit": written})
    assert response.status_code == 422, (written, response.text)
    assert response.json()["detail"][0]["loc"] == ["query", "limit"]


def test_plain_digits_are_read(device: Device) -> None:
    device.product("Oats")
    assert device.get("/v1/products", params={"limit": "1", "offset": "0"}).status_code == 200
    assert device.get("/v1/products", params={"offset": "01"}).status_code == 200
