"""Food entries through the emulator (contract §4): create, replay, list, patch, delete, reset."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.support.api import Device


@pytest.fixture
def oats(device: Device) -> dict[str, Any]:
    """A product with a gram default portion and a cup portion."""
    product = device.product("Oats")
    grams = device.portion(product["id"], label="100 g", base_amount=100, base_unit="g")
    cup = device.portion(product["id"], label="cup", base_amount=1, base_unit="cup", calories=300)
    return {"product": product["id"], "grams": grams["id"], "cup": cup["id"]}


def body(oats: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "product_id": oats["product"],
        "portion_id": oats["grams"],
        "day": "2026-03-15",
        "meal_type": "breakfast",
        "amount": 50,
        "unit": "g",
        **fields,
    }


def test_create_returns_the_entry(device: Device, oats: dict) -> None:
    response = device.post("/v1/food-entries", body(oats, amount="0.5", unit="kg"))
    assert response.status_code == 201
    entry = response.json()
    assert set(entry) == {
        "id", "product_id", "portion_id", "day", "meal_type", "amount", "unit", "created_at",
        "updated_at",
    }  # fmt: skip
    assert entry["amount"] == "0.500" and entry["unit"] == "kg" and entry["day"] == "2026-03-15"


def test_replay_is_200_and_foreign_or_deleted_ids_are_409(
    device: Device, other_device: Device, oats: dict
) -> None:
    entry_id = str(uuid.uuid4())
    first = device.post("/v1/food-entries", body(oats, id=entry_id))
    assert first.status_code == 201 and first.json()["id"] == entry_id
    replay = device.post("/v1/food-entries", body(oats, id=entry_id, amount=999))
    assert replay.status_code == 200 and replay.json() == first.json()
    assert other_device.post("/v1/food-entries", body(oats, id=entry_id)).status_code == 409
    device.delete(f"/v1/food-entries/{entry_id}")
    assert device.post("/v1/food-entries", body(oats, id=entry_id)).status_code == 409


def test_create_needs_a_live_product_and_portion_of_this_device(
    device: Device, other_device: Device, oats: dict
) -> None:
    theirs = other_device.product()
    their_portion = other_device.portion(theirs["id"])
    other = device.product("Other")
    other_portion = device.portion(other["id"])
    for fields in (
        {"product_id": theirs["id"], "portion_id": their_portion["id"]},
        {"portion_id": their_portion["id"]},
        {"portion_id": other_portion["id"]},  # a portion of another product
        {"product_id": str(uuid.uuid4())},
        {"portion_id": str(uuid.uuid4())},
    ):
        response = device.post("/v1/food-entries", body(oats, **fields))
        assert response.status_code == 404, fields
    device.delete(f"/v1/portions/{oats['cup']}")
    assert device.post("/v1/food-entries", body(oats, portion_id=oats["cup"])).status_code == 404
    device.delete(f"/v1/products/{oats['product']}")
    assert device.post("/v1/food-entries", body(oats)).status_code == 404


@pytest.mark.parametrize("unit", ["ml", "cup", "pcs", "serving"])
def test_unit_that_cannot_convert_is_422(device: Device, oats: dict, unit: str) -> None:
    response = device.post("/v1/food-entries", body(oats, unit=unit))
    assert response.status_code == 422
    payload = response.json()
    assert payload["code"] == "VALIDATION_ERROR"
    assert payload["detail"][0]["loc"] == ["body", "unit"]
    assert device.get("/v1/food-entries").json() == []


def test_volume_and_count_units(device: Device, oats: dict) -> None:
    tbsp = device.post("/v1/food-entries", body(oats, portion_id=oats["cup"], unit="tbsp"))
    assert tbsp.status_code == 201
    juice = device.product("Juice")
    piece = device.portion(juice["id"], base_amount=1, base_unit="pcs")
    ok = body(oats, product_id=juice["id"], portion_id=piece["id"], unit="pcs")
    assert device.post("/v1/food-entries", ok).status_code == 201
    assert device.post("/v1/food-entries", {**ok, "unit": "serving"}).status_code == 422


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("day", "15/03/2026"),
        ("day", "2026-02-30"),
        ("meal_type", "brunch"),
        ("amount", 0),
        ("amount", -3),
        ("amount", "NaN"),
        ("amount", 1e10),
        ("unit", "oz"),
        ("product_id", "x"),
        ("portion_id", None),
    ],
)
def test_invalid_fields_are_422(device: Device, oats: dict, field: str, value: object) -> None:
    response = device.post("/v1/food-entries", body(oats, **{field: value}))
    assert response.status_code == 422, response.text


def test_list_filters_and_orders(device: Device, other_device: Device, oats: dict) -> None:
    made = {}
    for day in ("2026-03-14", "2026-03-15", "2026-03-16"):
        for meal in ("breakfast", "dinner"):
            made[(day, meal)] = device.post(
                "/v1/food-entries", body(oats, day=day, meal_type=meal)
            ).json()["id"]
    gone = device.post("/v1/food-entries", body(oats)).json()["id"]
    device.delete(f"/v1/food-entries/{gone}")
    theirs = other_device.product()
    other_device.entry(theirs["id"], other_device.portion(theirs["id"])["id"])

    def ids(**params: Any) -> list[str]:
        response = device.get("/v1/food-entries", params=params)
        assert response.status_code == 200
        return [e["id"] for e in response.json()]

    everything = ids()
    assert everything == [
        made[("2026-03-16", "dinner")],
        made[("2026-03-16", "breakfast")],
        made[("2026-03-15", "dinner")],
        made[("2026-03-15", "breakfast")],
        made[("2026-03-14", "dinner")],
        made[("2026-03-14", "breakfast")],
    ]
    assert ids(day="2026-03-15") == everything[2:4]
    assert ids(date="2026-03-15") == everything[2:4]
    assert ids(**{"from": "2026-03-15"}) == everything[:4]
    assert ids(to="2026-03-15") == everything[2:]
    assert ids(**{"from": "2026-03-15", "to": "2026-03-15", "day": "2026-03-14"}) == []
    assert ids(limit=2, offset=1) == everything[1:3]
    assert device.get("/v1/food-entries", params={"day": "yesterday"}).status_code == 422


def test_get_patch_delete_are_device_scoped(
    device: Device, other_device: Device, oats: dict
) -> None:
    entry = device.entry(oats["product"], oats["grams"])
    path = f"/v1/food-entries/{entry['id']}"
    assert other_device.get(path).status_code == 404
    assert other_device.patch(path, {"amount": 1}).status_code == 404
    assert other_device.delete(path).status_code == 404
    assert device.get(path).json() == entry
    assert device.get(f"/v1/food-entries/{uuid.uuid4()}").status_code == 404


def test_patch_rules(device: Device, oats: dict) -> None:
    entry = device.entry(oats["product"], oats["grams"])
    path = f"/v1/food-entries/{entry['id']}"
    same = device.patch(path, {"amount": "50.000", "unit": "g", "day": "2020-01-01"})
    assert same.status_code == 200 and same.json() == entry
    moved = device.patch(path, {"portion_id": oats["cup"], "unit": "ml", "meal_type": "snacks"})
    assert moved.status_code == 200
    assert (moved.json()["portion_id"], moved.json()["unit"]) == (oats["cup"], "ml")
    assert moved.json()["day"] == entry["day"]
    assert moved.json()["updated_at"] > entry["updated_at"]
    assert device.patch(path, {"unit": "g"}).status_code == 422
    assert device.patch(path, {"portion_id": oats["grams"]}).status_code == 422
    assert device.patch(path, {"portion_id": str(uuid.uuid4())}).status_code == 404
    for field in ("portion_id", "meal_type", "amount", "unit"):
        assert device.patch(path, {field: None}).status_code == 422
    assert device.get(path).json() == moved.json()


def test_patch_unit_checks_against_a_deleted_portion_too(device: Device, oats: dict) -> None:
    entry = device.entry(oats["product"], oats["cup"], unit="ml")
    device.delete(f"/v1/portions/{oats['cup']}")
    path = f"/v1/food-entries/{entry['id']}"
    assert device.patch(path, {"unit": "tbsp"}).status_code == 200
    assert device.patch(path, {"unit": "g"}).status_code == 422


def test_delete_is_repeatable(device: Device, oats: dict) -> None:
    entry = device.entry(oats["product"], oats["grams"])
    path = f"/v1/food-entries/{entry['id']}"
    assert device.delete(path).status_code == 204
    assert device.delete(path).status_code == 204
    assert device.get(path).status_code == 404
    assert device.delete(f"/v1/food-entries/{uuid.uuid4()}").status_code == 404


def test_reset_soft_deletes_only_this_devices_entries(
    device: Device, other_device: Device, oats: dict
) -> None:
    for _ in range(3):
        device.entry(oats["product"], oats["grams"])
    theirs = other_device.product()
    other_device.entry(theirs["id"], other_device.portion(theirs["id"])["id"])
    assert device.delete("/v1/data/reset").status_code == 204
    assert device.delete("/v1/data/reset").status_code == 204
    assert device.get("/v1/food-entries").json() == []
    assert device.get("/v1/products").json() != []
    assert len(other_device.get("/v1/food-entries").json()) == 1
