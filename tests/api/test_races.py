"""Races with real threads through the emulator: concurrent replays of one client id on every
create route, and concurrent PATCH + DELETE of one row. Each ends in a valid state (checked in
SQL) with no 500. (Registration, default switches, weights of one day and goal creates have
their own race tests beside their routes.)"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Engine, text

from infra.local.gateway import ApiGateway
from infra.local.template import api_config
from tests.support.api import MANUAL_GOAL, Device

THREADS = 8


@pytest.fixture
def gateway() -> Iterator[ApiGateway]:
    """Eight warm sandboxes per function, so eight requests are in flight at once."""
    gateway = ApiGateway(api_config(), authorizer_cache_ttl_s=0, sandboxes_per_function=THREADS)
    yield gateway
    gateway.close()


def _at_once(call: Callable[[int], Any], count: int = THREADS) -> list[Any]:
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(call, range(count)))


def _scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


@pytest.mark.parametrize(
    ("table", "path", "body"),
    [
        ("products", "/v1/products", lambda ids: {"name": "Oats"}),
        ("product_portions", "/v1/products/{product}/portions",
         lambda ids: {"label": "cup", "base_amount": 1, "base_unit": "cup", "calories": 300}),
        ("food_entries", "/v1/food-entries",
         lambda ids: {"product_id": ids["product"], "portion_id": ids["portion"],
                      "day": "2026-03-15", "meal_type": "lunch", "amount": 50, "unit": "g"}),
        ("user_goals", "/v1/goals/manual", lambda ids: MANUAL_GOAL),
        ("body_weights", "/v1/body-weights",
         lambda ids: {"day": "2026-03-20", "weight_kg": 70}),
    ],
)  # fmt: skip
def test_concurrent_replays_of_one_client_id(
    device: Device, engine: Engine, table: str, path: str, body: Callable[[dict], dict]
) -> None:
    product = device.product("Base")
    portion = device.portion(product["id"])
    ids = {"product": product["id"], "portion": portion["id"]}
    row_id = str(uuid.uuid4())
    payload = {**body(ids), "id": row_id}
    url = path.format(**ids)
    responses = _at_once(lambda _: device.post(url, payload))
    assert sorted(r.status_code for r in responses) == [200] * (THREADS - 1) + [201]
    assert {r.json()["id"] for r in responses} == {row_id}
    assert len({r.text for r in responses}) == 1  # every replay answers the stored row
    assert _scalar(engine, f"SELECT count(*) FROM {table} WHERE id = :i", i=row_id) == 1  # noqa: S608


@pytest.mark.parametrize(
    ("path", "patch"),
    [
        ("/v1/products/{product}", {"name": "Renamed"}),
        ("/v1/portions/{second}", {"calories": 123}),
        ("/v1/food-entries/{entry}", {"amount": 75}),
        ("/v1/goals/{goal}", {"water_ml": 1000}),
        ("/v1/body-weights/{weight}", {"weight_kg": 71}),
    ],
)
def test_concurrent_patch_and_delete_of_one_row(
    device: Device, engine: Engine, path: str, patch: dict
) -> None:
    product = device.product("Oats")
    first = device.portion(product["id"])
    second = device.portion(product["id"], label="cup", base_amount=1, base_unit="cup")
    entry = device.entry(product["id"], first["id"])
    goal = device.post("/v1/goals/manual", MANUAL_GOAL).json()
    weight = device.post("/v1/body-weights", {"day": "2026-03-15", "weight_kg": 70}).json()
    ids = {"product": product["id"], "second": second["id"], "entry": entry["id"],
           "goal": goal["id"], "weight": weight["id"]}  # fmt: skip
    url = path.format(**ids)

    def act(n: int):
        return device.delete(url) if n % 2 else device.patch(url, patch)

    statuses = [r.status_code for r in _at_once(act)]
    assert all(s in (200, 204, 404) for s in statuses), statuses
    assert 204 in statuses
    final = device.get(url)
    assert final.status_code == 404  # deleted in the end, whatever the order
    # Invariants still hold: one live default per product with live portions, one live goal.
    assert (
        _scalar(
            engine,
            "SELECT count(*) FROM (SELECT product_id FROM product_portions WHERE deleted_at IS NULL"
            " GROUP BY product_id HAVING count(*) FILTER (WHERE is_default) <> 1) AS broken",
        )
        == 0
    )
    assert _scalar(
        engine,
        "SELECT count(*) FROM user_goals WHERE device_id = :d AND deleted_at IS NULL",
        d=device.id,
    ) in (0, 1)
