"""Wire round trips per request, counted at the driver (BEGIN, COMMIT and the freshness check
included): reads 1 (the freshness check pipelined with the query, no transaction around them;
the sync feed and the export pipeline their five lists too), writes at most 4 (the BEGIN travels
with the freshness check). No statement costs more than one round trip and none
is prepared on the server. A count is deterministic, so it is asserted here; timings
live in bench/."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from tests.support.api import MANUAL_GOAL, Device
from tests.support.catalog import load_catalog
from tests.support.driver_counter import DriverCounts, count_driver

READ_BUDGET = 1
WRITE_BUDGET = 4

CALCULATE = {
    "gender": "female",
    "birth_date": "1990-05-17",
    "height_cm": 168,
    "current_weight_kg": 64.5,
    "activity_level": "light",
    "weight_goal_type": "maintain",
}

# (function, method, path, body); {names} are filled from the scenario's ids.
ROUTES: list[tuple[str, str, str, Any]] = [
    ("AuthFunction", "GET", "/v1/devices/me", None),
    ("ProductsFunction", "GET", "/v1/products", None),
    ("ProductsFunction", "POST", "/v1/products", {"id": "{new}", "name": "Rice"}),
    ("ProductsFunction", "POST", "/v1/products", {"id": "{product}", "name": "Oats"}),  # replay
    ("ProductsFunction", "GET", "/v1/products/{product}", None),
    ("ProductsFunction", "PATCH", "/v1/products/{product}", {"name": "Rolled oats"}),
    ("ProductsFunction", "DELETE", "/v1/products/{product}", None),
    ("ProductsFunction", "GET", "/v1/products/check-name?name=Oats", None),
    ("ProductsFunction", "GET", "/v1/products/search?q=oat", None),
    ("ProductsFunction", "GET", "/v1/products/{product}/portions", None),
    ("ProductsFunction", "POST", "/v1/products/{product}/portions",
     {"id": "{new}", "label": "cup", "base_amount": 1, "base_unit": "cup", "calories": 300}),
    ("ProductsFunction", "POST", "/v1/products/{product}/portions",
     {"label": "bowl", "base_amount": 60, "base_unit": "g", "calories": 230, "is_default": True}),
    ("ProductsFunction", "GET", "/v1/portions/{portion}", None),
    ("ProductsFunction", "PATCH", "/v1/portions/{portion}", {"calories": 390}),
    ("ProductsFunction", "PATCH", "/v1/portions/{second_portion}", {"is_default": True}),
    ("ProductsFunction", "DELETE", "/v1/portions/{second_portion}", None),
    ("ProductsFunction", "GET", "/v1/catalog/products?search=apple", None),
    ("ProductsFunction", "GET", "/v1/catalog/products/{catalog}", None),
    ("ProductsFunction", "GET", "/v1/catalog/products/barcode/5000000000001", None),
    ("EntriesFunction", "GET", "/v1/food-entries?day=2026-03-15", None),
    ("EntriesFunction", "POST", "/v1/food-entries",
     {"id": "{new}", "product_id": "{product}", "portion_id": "{portion}", "day": "2026-03-15",
      "meal_type": "lunch", "amount": 50, "unit": "g"}),
    ("EntriesFunction", "GET", "/v1/food-entries/{entry}", None),
    ("EntriesFunction", "PATCH", "/v1/food-entries/{entry}", {"amount": 75, "unit": "kg"}),
    ("EntriesFunction", "DELETE", "/v1/food-entries/{entry}", None),
    ("EntriesFunction", "DELETE", "/v1/data/reset", None),
    ("EntriesFunction", "GET", "/v1/stats/day/2026-03-15", None),
    ("EntriesFunction", "GET", "/v1/stats/daily?from=2026-03-01&to=2026-03-31", None),
    ("GoalsFunction", "POST", "/v1/goals/calculate", CALCULATE),
    ("GoalsFunction", "POST", "/v1/goals/calculated", {**CALCULATE, "id": "{new}"}),
    ("GoalsFunction", "POST", "/v1/goals/manual", {**MANUAL_GOAL, "id": "{new}"}),
    ("GoalsFunction", "POST", "/v1/goals/manual", {**MANUAL_GOAL, "id": "{goal}"}),  # replay
    ("GoalsFunction", "GET", "/v1/goals/current", None),
    ("GoalsFunction", "GET", "/v1/goals/{goal}", None),
    ("GoalsFunction", "PATCH", "/v1/goals/{goal}", {"daily_calories_kcal": 1800}),
    ("GoalsFunction", "DELETE", "/v1/goals/{goal}", None),
    ("WeightsFunction", "GET", "/v1/body-weights", None),
    ("WeightsFunction", "POST", "/v1/body-weights",
     {"id": "{new}", "day": "2026-03-16", "weight_kg": 70}),
    ("WeightsFunction", "POST", "/v1/body-weights", {"day": "2026-03-15", "weight_kg": 75.5}),
    ("WeightsFunction", "GET", "/v1/body-weights/{weight}", None),
    ("WeightsFunction", "PATCH", "/v1/body-weights/{weight}", {"weight_kg": 75}),
    ("WeightsFunction", "DELETE", "/v1/body-weights/{weight}", None),
    ("WeightsFunction", "GET", "/v1/stats/weight?from=2026-03-01&to=2026-03-31", None),
    ("SyncFunction", "GET", "/v1/sync/since", None),
    ("SyncFunction", "GET", "/v1/sync/since?limit=1", None),
    ("SyncFunction", "GET", "/v1/data/export", None),
    ("AuthFunction", "DELETE", "/v1/devices/me", None),
]  # fmt: skip


@pytest.fixture
def scenario(device: Device, engine: Engine, tmp_path: Path) -> dict[str, str]:
    """One of everything: a product with two portions, an entry, a goal, a weight, a catalog."""
    load_catalog(engine, tmp_path / "catalog.jsonl")
    product = device.product("Oats")
    portion = device.portion(product["id"])
    second = device.portion(product["id"], label="cup", base_amount=1, base_unit="cup")
    entry = device.entry(product["id"], portion["id"])
    goal = device.post("/v1/goals/manual", MANUAL_GOAL).json()
    weight = device.post("/v1/body-weights", {"day": "2026-03-15", "weight_kg": 75.5}).json()
    catalog = device.get("/v1/catalog/products?search=apple").json()[0]
    return {
        "product": product["id"], "portion": portion["id"], "second_portion": second["id"],
        "entry": entry["id"], "goal": goal["id"], "weight": weight["id"], "catalog": catalog["id"],
    }  # fmt: skip


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("function", "method", "path", "body"), ROUTES)
def test_statement_budget(
    device: Device, scenario: dict[str, str], function: str, method: str, path: str, body: Any
) -> None:
    ids = {**scenario, "new": str(uuid.uuid4())}
    with count_driver(function) as counts:
        response = device.client.request(
            method, _fill(path, ids), json=_fill(body, ids), headers=device.headers
        )
    assert response.status_code < 300, response.text
    if method == "GET":
        assert counts.round_trips <= READ_BUDGET, "\n".join(counts.statements)
        assert not [s for s in counts.statements if s.upper().startswith(("BEGIN", "COMMIT"))]
    else:
        assert counts.round_trips <= WRITE_BUDGET, "\n".join(counts.statements)
    _assert_one_round_trip_per_statement(counts)


def _assert_one_round_trip_per_statement(counts: DriverCounts) -> None:
    assert 1 <= counts.round_trips <= len(counts.statements)
    assert counts.prepared == 0


def test_registration_budget(client: TestClient) -> None:
    """One transaction (one commit) whose BEGIN shares the rate-limit statement's round trip."""
    client.post("/v1/devices/register", json={"device_id": str(uuid.uuid4())})  # connected
    with count_driver("AuthFunction") as counts:
        response = client.post("/v1/devices/register", json={"device_id": str(uuid.uuid4())})
    assert response.status_code == 200
    assert [s.split()[0].upper() for s in counts.statements] == [
        "BEGIN",
        "WITH",
        "INSERT",
        "COMMIT",
    ]
    assert counts.round_trips == 3
    _assert_one_round_trip_per_statement(counts)


@pytest.mark.parametrize("path", ["/v1/sync/since", "/v1/data/export"])
def test_sync_and_export_read_the_check_and_every_list_in_one_round_trip(
    device: Device, scenario: dict[str, str], path: str
) -> None:
    with count_driver("SyncFunction") as counts:
        response = device.get(path)
    assert response.status_code == 200
    lists = ("products", "portions", "food_entries", "goals", "body_weights")
    assert all(response.json()[name] for name in lists)  # every list had rows to send
    # The freshness check, the five lists (and, for the export, the device): one pipeline.
    assert len(counts.statements) == (6 if path.startswith("/v1/sync") else 7)
    assert counts.round_trips == 1
