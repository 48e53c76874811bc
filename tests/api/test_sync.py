"""Sync and export through the emulator (contract §7): per-list positions, tombstones, every
write path in the feed, malformed cursors, statement counts, export."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.support.api import MANUAL_GOAL, Device, count_statements, queries_after_freshness
from tests.support.sync import LISTS, pass_through


def sync(device: Device, cursor: str | None = None, limit: int | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if cursor is not None:
        params["cursor"] = cursor
    if limit is not None:
        params["limit"] = limit
    response = device.get("/v1/sync/since", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def ids(page: dict[str, Any], name: str) -> list[str]:
    return [item["id"] for item in page[name]]


def test_a_fresh_device_syncs_nothing_and_an_idle_cursor_stays_idle(device: Device) -> None:
    first = sync(device)
    assert first["has_more"] is False
    assert all(first[name] == [] for name in LISTS)
    again = sync(device, first["cursor"])
    assert again == first
    assert first["cursor"].startswith("v1.")


def test_every_resource_comes_in_its_own_representation(device: Device) -> None:
    product = device.product("Oats")
    portion = device.portion(product["id"])
    entry = device.entry(product["id"], portion["id"])
    goal = device.post("/v1/goals/manual", MANUAL_GOAL).json()
    weight = device.post("/v1/body-weights", {"day": "2026-03-15", "weight_kg": 80}).json()
    page = sync(device)
    for name, row in (
        ("products", product),
        ("portions", portion),
        ("food_entries", entry),
        ("goals", goal),
        ("body_weights", weight),
    ):
        assert page[name] == [{**row, "deleted_at": None}], name
    idle = sync(device, page["cursor"])
    assert all(idle[name] == [] for name in LISTS)


def test_tombstones_and_updates_come_after_the_cursor(device: Device) -> None:
    product = device.product("Oats")
    keep = device.product("Rice")
    cursor = sync(device)["cursor"]
    device.delete(f"/v1/products/{product['id']}")
    renamed = device.patch(f"/v1/products/{keep['id']}", {"name": "Brown rice"}).json()
    page = sync(device, cursor)
    by_id = {item["id"]: item for item in page["products"]}
    assert set(by_id) == {product["id"], keep["id"]}
    assert by_id[product["id"]]["deleted_at"] is not None
    assert by_id[keep["id"]] == {**renamed, "deleted_at": None}


def test_a_list_cut_at_the_limit_never_costs_another_its_rows(device: Device) -> None:
    products = [device.product(f"p{n}")["id"] for n in range(5)]
    weight = device.post("/v1/body-weights", {"day": "2026-03-15", "weight_kg": 80}).json()
    first = sync(device, limit=2)
    assert first["has_more"] is True
    assert len(first["products"]) == 2 and ids(first, "body_weights") == [weight["id"]]
    second = sync(device, first["cursor"], limit=2)
    assert second["has_more"] is True and second["body_weights"] == []
    third = sync(device, second["cursor"], limit=2)
    assert third["has_more"] is False
    delivered = ids(first, "products") + ids(second, "products") + ids(third, "products")
    assert sorted(delivered) == sorted(products)


def test_every_write_path_moves_its_rows_into_the_feed(device: Device) -> None:
    product = device.product("Oats")
    first = device.portion(product["id"], label="100 g")
    second = device.portion(product["id"], label="cup")
    entry = device.entry(product["id"], first["id"])
    old_goal = device.post("/v1/goals/manual", MANUAL_GOAL).json()
    cursor = sync(device)["cursor"]

    device.patch(f"/v1/portions/{second['id']}", {"is_default": True})  # default switch
    switched = sync(device, cursor)
    assert sorted(ids(switched, "portions")) == sorted([first["id"], second["id"]])
    assert {p["id"]: p["is_default"] for p in switched["portions"]} == {
        first["id"]: False,
        second["id"]: True,
    }

    new_goal = device.post("/v1/goals/calculated", {
        "gender": "male", "birth_date": "1990-01-01", "height_cm": 180, "current_weight_kg": 80,
        "activity_level": "moderate", "weight_goal_type": "maintain",
    }).json()  # fmt: skip
    replaced = sync(device, switched["cursor"])
    goals = {g["id"]: g for g in replaced["goals"]}
    assert goals[old_goal["id"]]["deleted_at"] is not None
    assert goals[new_goal["id"]]["deleted_at"] is None

    assert device.delete("/v1/data/reset").status_code == 204
    reset = sync(device, replaced["cursor"])
    assert ids(reset, "food_entries") == [entry["id"]]
    assert reset["food_entries"][0]["deleted_at"] is not None

    device.delete(f"/v1/products/{product['id']}")  # cascades to its portions
    cascaded = sync(device, reset["cursor"])
    assert ids(cascaded, "products") == [product["id"]]
    assert sorted(ids(cascaded, "portions")) == sorted([first["id"], second["id"]])
    assert all(p["deleted_at"] is not None for p in cascaded["portions"])


def test_a_no_op_patch_is_not_a_change(device: Device) -> None:
    product = device.product("Oats")
    cursor = sync(device)["cursor"]
    device.patch(f"/v1/products/{product['id']}", {"name": "Oats"})
    assert sync(device, cursor)["products"] == []


def _cursor_of(raw: bytes, version: str = "v1") -> str:
    return f"{version}." + base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "v2.e30",  # another version
        "v1.%%%",
        "v1." + "A" * 2000,
        _cursor_of(b"[]"),
        _cursor_of(b'{"nope": [1, "x"]}'),
        _cursor_of(b'{"products": [1]}'),
        _cursor_of(b'{"products": [-1, "00000000-0000-0000-0000-000000000000"]}'),
        _cursor_of(b'{"products": [true, "00000000-0000-0000-0000-000000000000"]}'),
        _cursor_of(b'{"products": [1, "not-a-uuid"]}'),
        _cursor_of(b"\xff\xfe"),
    ],
)
def test_a_malformed_cursor_is_422_with_a_reason(device: Device, cursor: str) -> None:
    response = device.get("/v1/sync/since", params={"cursor": cursor})
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize("limit", [0, 501, "x"])
def test_limit_range(device: Device, limit: object) -> None:
    assert device.get("/v1/sync/since", params={"limit": limit}).status_code == 422


def test_a_page_is_one_statement_per_list(device: Device) -> None:
    device.product("Oats")
    with count_statements("SyncFunction") as statements:
        sync(device)
    assert len(queries_after_freshness(statements)) == len(LISTS)


def test_another_devices_rows_never_appear(device: Device, other_device: Device) -> None:
    other_device.product("Theirs")
    other_device.post("/v1/body-weights", {"day": "2026-03-15", "weight_kg": 60})
    assert pass_through(device, limit=3)[0] == {name: {} for name in LISTS}


def test_export_has_every_live_row_and_no_tombstone(device: Device) -> None:
    product = device.product("Oats")
    gone = device.product("Gone")
    portion = device.portion(product["id"])
    entry = device.entry(product["id"], portion["id"])
    goal = device.post("/v1/goals/manual", MANUAL_GOAL).json()
    weight = device.post("/v1/body-weights", {"day": "2026-03-15", "weight_kg": 80}).json()
    device.delete(f"/v1/products/{gone['id']}")
    response = device.get("/v1/data/export")
    assert response.status_code == 200
    body = response.json()
    assert list(body["device"]) == ["created_at"]
    assert body["exported_at"].endswith("Z")
    assert body["products"] == [product]
    assert body["portions"] == [portion]
    assert body["food_entries"] == [entry]
    assert body["goals"] == [goal]
    assert body["body_weights"] == [weight]


def test_export_of_ten_thousand_entries(device: Device, engine) -> None:
    from sqlalchemy import text

    product = device.product("Oats")
    portion = device.portion(product["id"])
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO food_entries (device_id, product_id, portion_id, day, meal_type,"
                " amount, unit) SELECT :d, :p, :q, date '2025-01-01' + mod(g, 365), 'lunch', 50,"
                " 'g' FROM generate_series(1, 10000) AS g"
            ),
            {"d": device.id, "p": product["id"], "q": portion["id"]},
        )
    body = device.get("/v1/data/export").json()
    assert len(body["food_entries"]) == 10000
    assert len({e["id"] for e in body["food_entries"]}) == 10000
