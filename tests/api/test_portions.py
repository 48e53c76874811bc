"""Portions through the emulator (contract §3): one live default per product, always."""

from __future__ import annotations

import random
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.api import Device, count_statements, queries_after_freshness


def defaults(device: Device, product_id: str) -> list[str]:
    portions = device.get(f"/v1/products/{product_id}/portions").json()
    return [p["id"] for p in portions if p["is_default"]]


def test_create_returns_decimals_as_strings_with_column_scale(device: Device) -> None:
    product = device.product()
    body = {"label": "1 cup", "base_amount": "80", "base_unit": "g", "calories": 300.5}
    portion = device.portion(product["id"], **body, protein=13.33333, carbs=None)
    assert portion["base_amount"] == "80.000"
    assert portion["calories"] == "300.500"
    assert portion["protein"] == "13.333"
    assert portion["carbs"] is None and portion["fat"] is None
    assert portion["product_id"] == product["id"]
    assert set(portion) == {
        "id", "product_id", "label", "base_amount", "base_unit", "calories", "protein", "carbs",
        "fat", "is_default", "created_at", "updated_at",
    }  # fmt: skip


def test_first_portion_is_default_whatever_it_says(device: Device) -> None:
    product = device.product()
    first = device.portion(product["id"], is_default=False)
    assert first["is_default"] is True
    second = device.portion(product["id"], label="slice")
    assert second["is_default"] is False
    assert defaults(device, product["id"]) == [first["id"]]


def test_creating_a_default_moves_the_default(device: Device) -> None:
    product = device.product()
    first = device.portion(product["id"])
    second = device.portion(product["id"], label="cup", is_default=True)
    assert second["is_default"] is True
    assert defaults(device, product["id"]) == [second["id"]]
    old = device.get(f"/v1/portions/{first['id']}").json()
    assert old["is_default"] is False and old["updated_at"] > first["updated_at"]


def test_switching_default_repeatedly_in_random_orders(device: Device) -> None:
    product = device.product()
    ids = sorted(str(uuid.uuid4()) for _ in range(5))
    random.Random(7).shuffle(ids)
    for n, portion_id in enumerate(ids):
        device.portion(product["id"], id=portion_id, label=f"p{n}", is_default=n % 2 == 0)
        assert len(defaults(device, product["id"])) == 1
    chooser = random.Random(11)
    for _ in range(15):
        target = chooser.choice(ids)
        response = device.patch(f"/v1/portions/{target}", {"is_default": True})
        assert response.status_code == 200
        assert defaults(device, product["id"]) == [target]


def test_concurrent_default_switches_never_500(device: Device) -> None:
    product = device.product()
    ids = [device.portion(product["id"], label=f"p{n}")["id"] for n in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(
            pool.map(
                lambda pid: device.patch(f"/v1/portions/{pid}", {"is_default": True}).status_code,
                ids * 3,
            )
        )
    assert statuses == [200] * 12
    assert len(defaults(device, product["id"])) == 1


def test_unsetting_the_default_is_409(device: Device) -> None:
    product = device.product()
    first = device.portion(product["id"])
    second = device.portion(product["id"], label="cup")
    response = device.patch(f"/v1/portions/{first['id']}", {"is_default": False})
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Cannot unset default portion without selecting another default.",
        "code": "CONFLICT",
    }
    unchanged = device.patch(f"/v1/portions/{second['id']}", {"is_default": False})
    assert unchanged.status_code == 200
    assert unchanged.json()["updated_at"] == second["updated_at"]


def test_deleting_the_default_promotes_the_oldest_other(device: Device) -> None:
    product = device.product()
    first = device.portion(product["id"], label="a")
    second = device.portion(product["id"], label="b")
    third = device.portion(product["id"], label="c")
    assert device.delete(f"/v1/portions/{first['id']}").status_code == 204
    assert defaults(device, product["id"]) == [second["id"]]
    assert device.delete(f"/v1/portions/{third['id']}").status_code == 204
    assert defaults(device, product["id"]) == [second["id"]]
    only = device.delete(f"/v1/portions/{second['id']}")
    assert only.status_code == 409
    assert only.json()["detail"] == "Cannot delete the only default portion."
    assert device.delete(f"/v1/portions/{first['id']}").status_code == 204


def test_patch_null_clears_a_macro_and_refuses_required_fields(device: Device) -> None:
    product = device.product()
    portion = device.portion(product["id"], protein=10, fat=2)
    cleared = device.patch(f"/v1/portions/{portion['id']}", {"protein": None})
    assert cleared.status_code == 200
    assert cleared.json()["protein"] is None and cleared.json()["fat"] == "2.000"
    for field in ("label", "base_amount", "base_unit", "calories", "is_default"):
        response = device.patch(f"/v1/portions/{portion['id']}", {field: None})
        assert response.status_code == 422, field


def test_patch_without_changes_keeps_updated_at(device: Device) -> None:
    product = device.product()
    portion = device.portion(product["id"])
    same = device.patch(
        f"/v1/portions/{portion['id']}", {"calories": "380.000", "base_amount": 100}
    )
    assert same.json()["updated_at"] == portion["updated_at"]


def test_list_orders_default_first_then_label_and_is_one_statement(device: Device) -> None:
    product = device.product()
    device.portion(product["id"], label="zeta")
    device.portion(product["id"], label="Beta")
    default = device.portion(product["id"], label="middle", is_default=True)
    device.portion(product["id"], label="alpha")
    with count_statements("ProductsFunction") as statements:
        portions = device.get(f"/v1/products/{product['id']}/portions").json()
    assert [p["label"] for p in portions] == ["middle", "alpha", "Beta", "zeta"]
    assert portions[0]["id"] == default["id"]
    assert len(queries_after_freshness(statements)) == 1


def test_portions_of_missing_foreign_or_deleted_products_are_404(
    device: Device, other_device: Device
) -> None:
    theirs = other_device.product()
    mine = device.product()
    device.delete(f"/v1/products/{mine['id']}")
    for product_id in (theirs["id"], mine["id"], str(uuid.uuid4())):
        assert device.get(f"/v1/products/{product_id}/portions").status_code == 404
        body = {"label": "x", "base_amount": 1, "base_unit": "g", "calories": 1}
        assert device.post(f"/v1/products/{product_id}/portions", body).status_code == 404
    empty = device.product("Empty")
    assert device.get(f"/v1/products/{empty['id']}/portions").json() == []


def test_portion_routes_are_device_scoped(device: Device, other_device: Device) -> None:
    theirs = other_device.portion(other_device.product()["id"])
    path = f"/v1/portions/{theirs['id']}"
    assert device.get(path).status_code == 404
    assert device.patch(path, {"label": "mine now"}).status_code == 404
    assert device.delete(path).status_code == 404
    assert other_device.get(path).json()["label"] == "100 g"


def test_replay_and_id_collisions(device: Device, other_device: Device) -> None:
    product = device.product()
    portion_id = str(uuid.uuid4())
    first = device.portion(product["id"], id=portion_id)
    body = {"id": portion_id, "label": "x", "base_amount": 1, "base_unit": "g", "calories": 1}
    replay = device.post(f"/v1/products/{product['id']}/portions", body)
    assert replay.status_code == 200
    assert replay.json() == first
    theirs = other_device.portion(other_device.product()["id"])
    taken = device.post(f"/v1/products/{product['id']}/portions", {**body, "id": theirs["id"]})
    assert taken.status_code == 409
    extra = device.portion(product["id"], label="extra")
    device.delete(f"/v1/portions/{extra['id']}")
    deleted = device.post(f"/v1/products/{product['id']}/portions", {**body, "id": extra["id"]})
    assert deleted.status_code == 409


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("label", ""),
        ("label", "   "),
        ("label", "x" * 201),
        ("base_amount", 0),
        ("base_amount", -1),
        ("base_amount", "abc"),
        ("base_amount", "NaN"),
        ("base_amount", "Infinity"),
        ("base_amount", 1e12),
        ("base_amount", True),
        ("base_unit", "oz"),
        ("calories", -1),
        ("calories", "1e400"),
        ("protein", -0.5),
        ("carbs", "lots"),
        ("fat", -1),
        ("is_default", "maybe"),
        ("is_default", 0),  # the fuzzer's finding: a boolean is true or false, not 0 or "true"
        ("is_default", "true"),
    ],
)
def test_invalid_portion_fields_are_422(device: Device, field: str, value: object) -> None:
    product = device.product()
    body = {"label": "x", "base_amount": 1, "base_unit": "g", "calories": 1, field: value}
    response = device.post(f"/v1/products/{product['id']}/portions", body)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert device.get(f"/v1/products/{product['id']}/portions").json() == []


def test_base_unit_change_is_refused_while_entries_would_not_convert(device: Device) -> None:
    product = device.product()
    portion = device.portion(product["id"])
    device.entry(product["id"], portion["id"], unit="g")
    path = f"/v1/portions/{portion['id']}"
    assert device.patch(path, {"base_unit": "kg"}).status_code == 200
    for unit in ("ml", "pcs", "cup"):
        response = device.patch(path, {"base_unit": unit})
        assert response.status_code == 409, unit
    assert device.get(path).json()["base_unit"] == "kg"
    unused = device.portion(product["id"], label="unused")
    assert device.patch(f"/v1/portions/{unused['id']}", {"base_unit": "pcs"}).status_code == 200


def test_deleting_a_portion_used_by_entries_keeps_the_entries(device: Device) -> None:
    product = device.product()
    device.portion(product["id"], label="default")
    used = device.portion(product["id"], label="used")
    entry = device.entry(product["id"], used["id"])
    assert device.delete(f"/v1/portions/{used['id']}").status_code == 204
    assert device.get(f"/v1/food-entries/{entry['id']}").json() == entry


def test_concurrent_default_creates_never_500(device: Device) -> None:
    product = device.product()
    body = {"base_amount": 1, "base_unit": "pcs", "calories": 10, "is_default": True}
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(
            pool.map(
                lambda n: (
                    device.post(
                        f"/v1/products/{product['id']}/portions", {**body, "label": f"p{n}"}
                    ).status_code
                ),
                range(8),
            )
        )
    assert statuses == [201] * 8
    assert len(defaults(device, product["id"])) == 1
