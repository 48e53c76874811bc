"""Device registration, tokens and the authorizer, through the emulator (contract §2)."""

from __future__ import annotations

import logging
import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, text
from starlette.testclient import TestClient

import shared.db.engine
from infra.local.asgi import create_asgi_app
from infra.local.gateway import ApiGateway, HttpRequest
from infra.local.template import api_config
from shared.db.engine import build_engine
from shared.runtime.settings import get_settings
from tests.support.api import bearer, register

INVALID = {"detail": "Invalid token", "code": "INVALID_TOKEN"}
REVOKED = {"detail": "Device revoked", "code": "DEVICE_REVOKED"}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def test_register_returns_a_token_for_the_device(client: TestClient) -> None:
    device_id = uuid.uuid4()
    response = client.post("/v1/devices/register", json={"device_id": str(device_id)})
    assert response.status_code == 200
    body = response.json()
    assert body["device_id"] == str(device_id)
    prefix, secret = body["device_token"].split(".")
    assert prefix == str(device_id)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", secret)


def test_original_register_route_is_the_same_operation(client: TestClient) -> None:
    device_id = uuid.uuid4()
    response = client.post("/v1/auth/register", json={"device_id": str(device_id), "x": 1})
    assert response.status_code == 200
    token = response.json()["device_token"]
    assert client.get("/v1/devices/me", headers=bearer(token)).json()["device_id"] == str(device_id)


def test_authorized_request_reaches_function_with_device_id(client: TestClient) -> None:
    device_id, token = register(client)
    response = client.get("/v1/devices/me", headers=bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert body["device_id"] == str(device_id)
    assert TIMESTAMP.match(body["created_at"])
    assert TIMESTAMP.match(body["last_seen_at"])


def test_bearer_scheme_is_case_insensitive(client: TestClient) -> None:
    _, token = register(client)
    response = client.get("/v1/devices/me", headers={"Authorization": f"bEaReR {token}"})
    assert response.status_code == 200


def test_missing_header_is_401_without_invoking_authorizer(
    client: TestClient, gateway: ApiGateway
) -> None:
    response = client.get("/v1/devices/me")
    assert response.status_code == 401
    assert response.json() == INVALID
    assert gateway.authorizer_invocations == 0


@pytest.mark.parametrize(
    "make_header",
    [
        lambda device, token: "Bearer garbage",
        lambda device, token: "Basic dXNlcjpwYXNz",
        lambda device, token: f"Bearer {device}.{'x' * 43}",
        lambda device, token: f"Bearer {uuid.uuid4()}.{token.split('.')[1]}",
        lambda device, token: f"Bearer {token}.extra",
    ],
    ids=["garbage", "not-bearer", "wrong-secret", "unknown-device", "extra-dot"],
)
def test_unusable_tokens_are_401(client: TestClient, make_header) -> None:
    device_id, token = register(client)
    response = client.get(
        "/v1/devices/me", headers={"Authorization": make_header(device_id, token)}
    )
    assert response.status_code == 401
    assert response.json() == INVALID


def test_reregistering_issues_a_fresh_token_and_kills_the_old(client: TestClient) -> None:
    device_id, old = register(client)
    created = client.get("/v1/devices/me", headers=bearer(old)).json()["created_at"]
    _, new = register(client, device_id)
    assert new != old
    assert client.get("/v1/devices/me", headers=bearer(old)).status_code == 401
    again = client.get("/v1/devices/me", headers=bearer(new))
    assert again.status_code == 200
    assert again.json()["created_at"] == created


def test_erased_device_is_403_and_cannot_register_again(client: TestClient) -> None:
    device_id, token = register(client)
    assert client.delete("/v1/devices/me", headers=bearer(token)).status_code == 204
    after = client.get("/v1/devices/me", headers=bearer(token))
    assert after.status_code == 403
    assert after.json() == REVOKED
    again = client.post("/v1/devices/register", json={"device_id": str(device_id)})
    assert again.status_code == 403
    assert again.json() == REVOKED


def _seed_rows(engine: Engine, device_id: uuid.UUID) -> None:
    with engine.begin() as conn:
        product = conn.execute(
            text("INSERT INTO products (device_id, name) VALUES (:d, 'Oats') RETURNING id"),
            {"d": device_id},
        ).scalar_one()
        portion = conn.execute(
            text(
                "INSERT INTO product_portions (device_id, product_id, label, base_amount,"
                " base_unit, calories, is_default) VALUES (:d, :p, '100 g', 100, 'g', 380, true)"
                " RETURNING id"
            ),
            {"d": device_id, "p": product},
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO food_entries (device_id, product_id, portion_id, day, meal_type,"
                " amount, unit) VALUES (:d, :p, :q, '2026-01-01', 'lunch', 50, 'g')"
            ),
            {"d": device_id, "p": product, "q": portion},
        )
        conn.execute(
            text(
                "INSERT INTO body_weights (device_id, day, weight_kg) VALUES (:d, '2026-01-01', 70)"
            ),
            {"d": device_id},
        )
        conn.execute(
            text(
                "INSERT INTO user_goals (device_id, goal_type, daily_calories_kcal,"
                " protein_percent, carbs_percent, fat_percent, protein_grams, carbs_grams,"
                " fat_grams, water_ml) VALUES (:d, 'manual', 2000, 30, 40, 30, 150, 200, 67, 2000)"
            ),
            {"d": device_id},
        )


def _owned_rows(engine: Engine, device_id: uuid.UUID) -> int:
    tables = ["products", "product_portions", "food_entries", "body_weights", "user_goals"]
    with engine.connect() as conn:
        return sum(
            conn.execute(
                text(f"SELECT count(*) FROM {t} WHERE device_id = :d"),  # noqa: S608 - constants
                {"d": device_id},
            ).scalar_one()
            for t in tables
        )


def test_erase_deletes_all_of_the_devices_data_and_nothing_else(
    client: TestClient, engine: Engine
) -> None:
    mine, token = register(client)
    theirs, _ = register(client)
    _seed_rows(engine, mine)
    _seed_rows(engine, theirs)
    assert _owned_rows(engine, mine) == 5
    assert client.delete("/v1/devices/me", headers=bearer(token)).status_code == 204
    assert _owned_rows(engine, mine) == 0
    assert _owned_rows(engine, theirs) == 5
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT token_hash, revoked_at FROM devices WHERE id = :d"), {"d": mine}
        ).one()
    # The hash stays, so that only the secret's holder is told the device is revoked.
    assert row.token_hash is not None and row.revoked_at is not None


def test_revocation_within_the_cache_period_is_403_not_500(clean_db: None) -> None:
    gateway = ApiGateway(api_config(), authorizer_cache_ttl_s=300)
    try:
        with TestClient(create_asgi_app(gateway)) as client:
            _, token = register(client)
            assert client.get("/v1/devices/me", headers=bearer(token)).status_code == 200
            assert client.delete("/v1/devices/me", headers=bearer(token)).status_code == 204
            # The cached Allow still lets the request through; the function refuses it.
            cached = client.get("/v1/devices/me", headers=bearer(token))
            assert cached.status_code == 403
            assert cached.json() == REVOKED
            assert gateway.authorizer_invocations == 1
    finally:
        gateway.close()


def test_last_seen_is_written_at_most_once_per_resolution(
    client: TestClient, engine: Engine
) -> None:
    device_id, token = register(client)
    with engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT last_seen_at FROM devices WHERE id = :d"), {"d": device_id}
            ).scalar_one()
            is None
        )
    first = client.get("/v1/devices/me", headers=bearer(token)).json()["last_seen_at"]
    second = client.get("/v1/devices/me", headers=bearer(token)).json()["last_seen_at"]
    assert first is not None
    assert second == first


def _register_from(gateway: ApiGateway, ip: str, device_id: uuid.UUID, forwarded: str = ""):
    headers = [("Content-Type", "application/json")]
    if forwarded:
        headers.append(("X-Forwarded-For", forwarded))
    return gateway.handle(
        HttpRequest(
            method="POST",
            path="/v1/devices/register",
            headers=headers,
            body=f'{{"device_id": "{device_id}"}}'.encode(),
            source_ip=ip,
        )
    )


@pytest.mark.usefixtures("clean_db")
def test_eleventh_registration_from_one_ip_is_429(gateway: ApiGateway) -> None:
    for n in range(10):
        response = _register_from(gateway, "203.0.113.7", uuid.uuid4(), forwarded=f"10.0.0.{n}")
        assert response.status_code == 200
    limited = _register_from(gateway, "203.0.113.7", uuid.uuid4(), forwarded="10.9.9.9")
    assert limited.status_code == 429
    assert limited.json()["detail"] == "Too many requests. Try again later."
    retry_after = int(dict(limited.headers)["retry-after"])
    assert 1 <= retry_after <= 60
    assert _register_from(gateway, "203.0.113.8", uuid.uuid4()).status_code == 200


@pytest.mark.usefixtures("clean_db")
def test_concurrent_registrations_of_one_id(gateway: ApiGateway, engine: Engine) -> None:
    device_id = uuid.uuid4()
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(
            pool.map(lambda n: _register_from(gateway, f"198.51.100.{n}", device_id), range(8))
        )
    # One creates the device; re-keyings without proof queue on the device's row, so the
    # per-device limit holds exactly: the rest are 429, never 500.
    limit = get_settings().rekey_rate_limit
    assert sorted(r.status_code for r in responses) == [200] * (1 + limit) + [429] * (7 - limit)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM devices WHERE id = :d"), {"d": device_id})
        assert rows.scalar_one() == 1
    tokens = [r.json()["device_token"] for r in responses if r.status_code == 200]
    statuses = [
        gateway.handle(
            HttpRequest("GET", "/v1/devices/me", headers=[("Authorization", f"Bearer {t}")])
        ).status_code
        for t in tokens
    ]
    assert sorted(statuses) == [200] + [401] * limit


def test_register_validates_its_body(client: TestClient) -> None:
    for body in ({}, {"device_id": "not-a-uuid"}, {"device_id": None}):
        response = client.post("/v1/devices/register", json=body)
        assert response.status_code == 422
        assert response.json()["code"] == "VALIDATION_ERROR"
        assert isinstance(response.json()["detail"], list)
    broken = client.post(
        "/v1/devices/register", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 422


def test_wrong_method_on_register_is_405(client: TestClient) -> None:
    assert client.get("/v1/devices/register").status_code == 405


def test_database_outage_in_authorizer_is_503_not_401(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, token = register(client)
    unreachable = build_engine(
        get_settings().__class__(database_url="postgresql://x@/none?host=/nonexistent")
    )
    monkeypatch.setattr(shared.db.engine, "get_engine", lambda: unreachable)
    response = client.get("/v1/devices/me", headers=bearer(token))
    assert response.status_code == 503
    assert response.json()["code"] == "SERVICE_UNAVAILABLE"
    assert response.headers["retry-after"] == "5"


def test_tokens_and_hashes_never_reach_the_logs(
    client: TestClient, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    device_id, token = register(client)
    client.get("/v1/devices/me", headers=bearer(token))
    wrong = f"{device_id}.{'A' * 43}"
    client.get("/v1/devices/me", headers=bearer(wrong))
    client.get("/v1/devices/me", headers=bearer("garbage.token"))
    with engine.connect() as conn:
        token_hash = conn.execute(
            text("SELECT token_hash FROM devices WHERE id = :d"), {"d": device_id}
        ).scalar_one()
    # Every record with all of its attributes (message, extra fields, exception text).
    output = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "Token rejected" in output  # the logs were captured at all
    for secret in (token, token.split(".")[1], wrong.split(".")[1], "garbage.token", token_hash):
        assert secret not in output


def test_function_without_authorizer_context_is_401(clean_db: None) -> None:
    from functions.auth.handler import lambda_handler
    from infra.local.events import LambdaContext, proxy_event

    event = proxy_event("GET", "/v1/devices/me")
    result = lambda_handler(event, LambdaContext(function_name="AuthFunction"))
    assert result["statusCode"] == 401
