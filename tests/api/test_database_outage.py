"""The database goes away under the running API (a proxy in front of PostgreSQL drops every
connection), or drops exactly at COMMIT: requests answer 503 with Retry-After (never 401 or 500),
service recovers without a restart, and multi-row operations are all-or-nothing."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from infra.local.asgi import create_asgi_app
from infra.local.gateway import ApiGateway
from infra.local.template import api_config
from shared.db.engine import build_engine
from shared.runtime.settings import get_settings
from tests.support.api import MANUAL_GOAL, Device
from tests.support.db_proxy import DatabaseProxy
from tests.support.engines import use_engine

TABLES = ("devices", "products", "product_portions", "food_entries", "user_goals", "body_weights")


@pytest.fixture
def proxy(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[DatabaseProxy]:
    """Every function and the authorizer reach the database through the proxy."""
    directory = Path(tempfile.mkdtemp(prefix="pgp", dir="/tmp"))  # a short Unix socket path
    proxy = DatabaseProxy(database_url, directory)
    engine = build_engine(replace(get_settings(), database_url=proxy.url, db_socket_timeout_s=5))
    use_engine(monkeypatch, engine)
    yield proxy
    proxy.close()
    engine.dispose()


def _client(ttl: int) -> tuple[TestClient, ApiGateway]:
    gateway = ApiGateway(api_config(), authorizer_cache_ttl_s=ttl)
    return TestClient(create_asgi_app(gateway)), gateway


def _snapshot(engine: Engine, device: Device) -> dict[str, list[tuple]]:
    """Every row of the device, every column, in a stable order."""
    with engine.connect() as conn:
        rows = {
            table: [
                tuple(r)
                for r in conn.execute(
                    text(
                        f"SELECT * FROM {table} WHERE "  # noqa: S608 (constant table names)
                        + ("id" if table == "devices" else "device_id")
                        + " = :d ORDER BY id"
                    ),
                    {"d": device.id},
                )
            ]
            for table in TABLES
        }
    return rows


@pytest.mark.usefixtures("clean_db")
def test_requests_during_an_outage_are_503_and_service_recovers(proxy: DatabaseProxy) -> None:
    client, gateway = _client(ttl=0)  # the authorizer, too, meets the outage
    try:
        device = Device(client)
        product = device.product("Oats")
        calls: list[Callable[[], object]] = [
            lambda: device.get("/v1/products"),
            lambda: device.post("/v1/products", {"name": "Rice"}),
            lambda: device.get(f"/v1/products/{product['id']}/portions"),
            lambda: device.get("/v1/goals/current"),
            lambda: device.post("/v1/body-weights", {"day": "2026-03-15", "weight_kg": 70}),
            lambda: device.get("/v1/sync/since"),
            lambda: device.get("/v1/devices/me"),
        ]
        seen: list[tuple[str, int, str | None]] = []
        stop = threading.Event()

        def hammer() -> None:
            while not stop.is_set():
                for call in calls:
                    response = call()
                    phase = "down" if proxy.down else "up"
                    seen.append((phase, response.status_code, response.headers.get("retry-after")))

        workers = [threading.Thread(target=hammer) for _ in range(3)]
        for worker in workers:
            worker.start()
        threading.Event().wait(0.5)
        proxy.cut()  # requests are in flight when their connections drop
        threading.Event().wait(1.5)
        down = [s for s in seen if s[0] == "down"]
        proxy.restore()
        threading.Event().wait(0.5)
        stop.set()
        for worker in workers:
            worker.join(30)
        assert all(status < 500 or status == 503 for _, status, _ in seen), sorted(set(seen))
        assert all(status not in (401, 403) for _, status, _ in seen)
        outage = [s for s in down if s[1] == 503]
        assert len(outage) >= 3
        assert all(retry_after for _, _, retry_after in outage)
        assert device.get("/v1/products").status_code == 200  # no restart needed
        assert device.post("/v1/products", {"name": "After"}).status_code == 201
    finally:
        gateway.close()


@pytest.mark.usefixtures("clean_db")
def test_multi_row_operations_are_all_or_nothing(proxy: DatabaseProxy, engine: Engine) -> None:
    client, gateway = _client(ttl=300)  # the cached decision keeps the authorizer out of it
    try:
        device = Device(client)
        product = device.product("Oats")
        first = device.portion(product["id"])
        second = device.portion(product["id"], label="cup", base_amount=1, base_unit="cup")
        device.entry(product["id"], first["id"])
        device.entry(product["id"], second["id"], unit="cup", amount=1)
        device.post("/v1/goals/manual", MANUAL_GOAL)
        operations = [
            ("default switch", lambda: device.patch(f"/v1/portions/{second['id']}",
                                                    {"is_default": True})),
            ("goal replacement", lambda: device.post("/v1/goals/manual", MANUAL_GOAL)),
            ("data reset", lambda: device.delete("/v1/data/reset")),
            ("product delete", lambda: device.delete(f"/v1/products/{product['id']}")),
            ("device erasure", lambda: device.delete("/v1/devices/me")),
        ]  # fmt: skip
        for name, operation in operations:
            before = _snapshot(engine, device)
            with proxy.cutting_commits():
                response = operation()
            assert response.status_code == 503, (name, response.text)
            assert response.headers["retry-after"]
            assert _snapshot(engine, device) == before, f"{name} was half-written"
            done = operation()
            assert done.status_code < 300, (name, done.text)
            assert _snapshot(engine, device) != before, f"{name} changed nothing"
        assert proxy.commits_cut == len(operations)
    finally:
        gateway.close()
