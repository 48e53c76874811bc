"""A full run of the API (every route, errors included) writes no token, secret, bcrypt hash or
device id to any log line or output, no error body carries the device id, and no response body
carries SQL or a traceback."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

import pytest
from sqlalchemy import Engine, text
from starlette.testclient import TestClient

import shared.db.engine
from shared.auth.device_ref import device_ref
from shared.db.engine import build_engine
from shared.runtime.settings import get_settings
from tests.api.test_statement_budgets import ROUTES, _fill, scenario  # noqa: F401 (fixture)
from tests.support.api import Device, bearer

LEAKS = re.compile(r"Traceback|SELECT |INSERT |UPDATE |DELETE FROM|sqlalchemy|pg8000|psycopg")


def test_no_secret_in_any_log_line_and_no_sql_in_any_body(
    client: TestClient,
    device: Device,
    engine: Engine,
    scenario: dict[str, str],  # noqa: F811
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    bodies: list[str] = []
    error_bodies: list[str] = []

    def call(method: str, path: str, body: Any = None, token: str | None = device.token) -> None:
        headers = bearer(token) if token else {}
        response = client.request(method, path, json=body, headers=headers)
        bodies.append(response.text)
        if response.status_code >= 400:
            error_bodies.append(response.text)

    ids = {**scenario, "new": str(uuid.uuid4())}
    for _, method, path, body in ROUTES[:-1]:  # all but the erasure, which comes last
        call(method, _fill(path, ids), _fill(body, ids))
    # Errors: bad and foreign ids, invalid input, hostile input, wrong and missing tokens.
    call("GET", f"/v1/products/{uuid.uuid4()}")
    call("POST", "/v1/food-entries", {"product_id": "x"})
    call("POST", "/v1/products", {"name": "a\u0000b"})
    call("PATCH", f"/v1/goals/{ids['goal']}", {"protein_percent": 99})
    call("GET", "/v1/products", token=f"{device.id}.{'A' * 43}")
    call("GET", "/v1/products", token="garbage")
    call("GET", "/v1/products", token=None)
    other = client.post("/v1/devices/register", json={"device_id": str(device.id)}).json()
    call("GET", "/v1/products")  # the replaced token: 401
    call("GET", "/v1/products", token=other["device_token"])
    with engine.connect() as conn:
        hashes = [h for (h,) in conn.execute(text("SELECT token_hash FROM devices")) if h]
    unreachable = build_engine(
        get_settings().__class__(database_url="postgresql://x@/none?host=/nonexistent")
    )
    with monkeypatch.context() as patched:
        patched.setattr(shared.db.engine, "get_engine", lambda: unreachable)
        call("GET", "/v1/products", token=other["device_token"])  # 503
    call("DELETE", "/v1/devices/me", token=other["device_token"])
    call("GET", "/v1/products", token=other["device_token"])  # revoked: 403

    captured = capfd.readouterr()
    output = "\n".join(
        [captured.out, captured.err, *(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)]
    )
    # The capture sees the functions' and the authorizer's own log lines.
    assert "Database unavailable" in output and "Token rejected" in output
    secrets = [device.token, other["device_token"], *hashes]
    secrets += [token.split(".", 1)[1] for token in (device.token, other["device_token"])]
    for secret in secrets:
        assert secret not in output
        assert all(secret not in body for body in bodies)
    assert not [body for body in bodies if LEAKS.search(body)]
    # A device id is a key (issue 32): logs carry its keyed reference, error bodies nothing.
    assert device_ref(device.id) in output
    for form in (str(device.id), device.id.hex):
        assert form not in output
        assert all(form not in body for body in error_bodies)
