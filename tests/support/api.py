"""Helpers for API tests: devices with their own authorized client, and SQL statement counting."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from shared.auth.tokens import format_token, hash_secret, new_secret
from shared.runtime.settings import get_settings
from tests.support.driver_counter import count_driver

# A manual goal the tests create (contract §5): 2000 kcal split 30/40/30, 2.5 l of water.
MANUAL_GOAL = {
    "daily_calories_kcal": 2000,
    "protein_percent": 30,
    "carbs_percent": 40,
    "fat_percent": 30,
    "water_ml": 2500,
}


def register(client: TestClient, device_id: uuid.UUID | None = None) -> tuple[uuid.UUID, str]:
    device_id = device_id or uuid.uuid4()
    response = client.post("/v1/devices/register", json={"device_id": str(device_id)})
    assert response.status_code == 200, response.text
    return device_id, response.json()["device_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Device:
    """A registered device: every request carries its token."""

    def __init__(self, client: TestClient, credentials: tuple[uuid.UUID, str] | None = None):
        self.client = client
        self.id, self.token = credentials or register(client)
        self.headers = bearer(self.token)

    def get(self, path: str, **kw: Any):
        return self.client.get(path, headers=self.headers, **kw)

    def post(self, path: str, json: Any = None, **kw: Any):
        return self.client.post(path, json=json, headers=self.headers, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any):
        return self.client.patch(path, json=json, headers=self.headers, **kw)

    def delete(self, path: str, **kw: Any):
        return self.client.delete(path, headers=self.headers, **kw)

    def product(self, name: str = "Oats", **fields: Any) -> dict[str, Any]:
        response = self.post("/v1/products", {"name": name, **fields})
        assert response.status_code == 201, response.text
        return response.json()

    def entry(self, product_id: str, portion_id: str, **fields: Any) -> dict[str, Any]:
        body = {
            "product_id": product_id,
            "portion_id": portion_id,
            "day": "2026-03-15",
            "meal_type": "lunch",
            "amount": 50,
            "unit": "g",
            **fields,
        }
        response = self.post("/v1/food-entries", body)
        assert response.status_code == 201, response.text
        return response.json()

    def portion(self, product_id: str, **fields: Any) -> dict[str, Any]:
        body = {"label": "100 g", "base_amount": 100, "base_unit": "g", "calories": 380, **fields}
        response = self.post(f"/v1/products/{product_id}/portions", body)
        assert response.status_code == 201, response.text
        return response.json()


@contextmanager
def count_statements(function: str) -> Iterator[list[str]]:
    """The statements `function` sends to PostgreSQL inside the block, counted at the driver
    (BEGIN, COMMIT and the freshness check included; the authorizer's lookup is not)."""
    with count_driver(function) as counts:
        yield counts.statements


def is_freshness_check(statement: str) -> bool:
    """The first statement of a read (a SELECT) or of a write (the change-sequence UPDATE, right
    after the transaction's BEGIN, in the same round trip)."""
    return statement.startswith(
        ("SELECT revoked_at IS NOT NULL", "UPDATE devices SET change_seq = change_seq + 1")
    )


def queries_after_freshness(statements: list[str]) -> list[str]:
    """The statements after the freshness check, which must come first (a read route sends no
    BEGIN or COMMIT around them)."""
    assert statements, "no statement was sent"
    assert is_freshness_check(statements[0]), statements[0]
    return statements[1:]


def seeded_device(client: TestClient, engine: Engine) -> Device:
    """A device written straight into the database (no registration, so no rate limit), for
    tests that need many devices."""
    device_id, secret = uuid.uuid4(), new_secret()
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO devices (id, token_hash) VALUES (:d, :h)"),
            {"d": device_id, "h": hash_secret(secret, get_settings().bcrypt_rounds)},
        )
    return Device(client, (device_id, format_token(device_id, secret)))
