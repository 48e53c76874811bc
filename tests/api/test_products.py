"""Products through the emulator (contract §1, §3): create, replay, dedup, read, patch, delete."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import Engine, text

from shared.db.units_of_work import transaction_opened_by
from shared.domain.errors import DeviceRevokedError
from shared.schemas.products import ProductCreate
from shared.services import products as service
from tests.support.api import Device, count_statements, queries_after_freshness

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def test_create_returns_the_product(device: Device) -> None:
    response = device.post("/v1/products", {"name": "  Rolled oats  ", "unknown": 1})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name", "barcode", "created_at", "updated_at"}
    assert body["name"] == "Rolled oats"
    assert body["barcode"] is None
    assert uuid.UUID(body["id"])
    assert TIMESTAMP.match(body["created_at"]) and body["created_at"] == body["updated_at"]


def test_client_id_is_used_and_a_replay_returns_the_same_row_with_200(device: Device) -> None:
    product_id = str(uuid.uuid4())
    first = device.post("/v1/products", {"id": product_id, "name": "Oats"})
    assert first.status_code == 201
    assert first.json()["id"] == product_id
    replay = device.post("/v1/products", {"id": product_id, "name": "Something else"})
    assert replay.status_code == 200
    assert replay.json() == first.json()


def test_id_of_another_devices_product_is_409(device: Device, other_device: Device) -> None:
    theirs = other_device.product("Theirs")
    response = device.post("/v1/products", {"id": theirs["id"], "name": "Mine"})
    assert response.status_code == 409
    assert response.json()["code"] == "CONFLICT"
    assert other_device.get(f"/v1/products/{theirs['id']}").json()["name"] == "Theirs"


def test_id_of_a_deleted_product_is_409(device: Device) -> None:
    product = device.product()
    assert device.delete(f"/v1/products/{product['id']}").status_code == 204
    response = device.post("/v1/products", {"id": product["id"], "name": "Oats"})
    assert response.status_code == 409


def test_barcode_returns_the_live_product_that_has_it(device: Device, other_device: Device) -> None:
    first = device.product("Oats", barcode="5901234123457")
    again = device.post("/v1/products", {"name": "Other name", "barcode": "5901234123457"})
    assert again.status_code == 201
    assert again.json() == first
    theirs = other_device.product("Oats", barcode="5901234123457")
    assert theirs["id"] != first["id"]
    device.delete(f"/v1/products/{first['id']}")
    fresh = device.product("Oats again", barcode="5901234123457")
    assert fresh["id"] != first["id"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 201},
        {"name": None},
        {"name": 12},
        {"name": "ok", "barcode": ""},
        {"name": "ok", "barcode": "1" * 65},
        {"name": "ok", "id": "not-a-uuid"},
    ],
)
def test_invalid_create_bodies_are_422(device: Device, body: dict) -> None:
    response = device.post("/v1/products", body)
    assert response.status_code == 422
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert isinstance(response.json()["detail"], list)


def test_list_is_ordered_by_name_and_skips_deleted(device: Device, other_device: Device) -> None:
    for name in ("banana", "Apple", "cherry", "Date"):
        device.product(name)
    gone = device.product("Avocado")
    device.delete(f"/v1/products/{gone['id']}")
    other_device.product("Aardvark bar")
    names = [p["name"] for p in device.get("/v1/products").json()]
    assert names == ["Apple", "banana", "cherry", "Date"]
    page = device.get("/v1/products", params={"limit": 2, "offset": 1}).json()
    assert [p["name"] for p in page] == ["banana", "cherry"]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"offset": -1}, {"limit": "x"}])
def test_list_rejects_bad_paging(device: Device, params: dict) -> None:
    assert device.get("/v1/products", params=params).status_code == 422


def test_list_is_one_statement(device: Device) -> None:
    for name in ("a", "b", "c"):
        device.product(name)
    with count_statements("ProductsFunction") as statements:
        assert len(device.get("/v1/products").json()) == 3
    assert len(queries_after_freshness(statements)) == 1


def test_get_and_its_404s(device: Device, other_device: Device) -> None:
    product = device.product()
    assert device.get(f"/v1/products/{product['id']}").json() == product
    theirs = other_device.product()
    assert device.get(f"/v1/products/{theirs['id']}").status_code == 404
    assert device.get(f"/v1/products/{uuid.uuid4()}").status_code == 404
    device.delete(f"/v1/products/{product['id']}")
    missing = device.get(f"/v1/products/{product['id']}")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Product not found", "code": "NOT_FOUND"}
    assert device.get("/v1/products/not-a-uuid").status_code == 422


def test_patch_changes_fields_and_bumps_updated_at(device: Device) -> None:
    product = device.product("Oats", barcode="5901234123457")
    patched = device.patch(f"/v1/products/{product['id']}", {"name": " Porridge oats "})
    assert patched.status_code == 200
    body = patched.json()
    assert body["name"] == "Porridge oats"
    assert body["barcode"] == "5901234123457"
    assert body["updated_at"] > product["updated_at"]
    assert body["created_at"] == product["created_at"]


def test_patch_that_changes_nothing_keeps_updated_at(device: Device) -> None:
    product = device.product("Oats", barcode="123")
    for body in ({}, {"name": "Oats"}, {"barcode": "123"}, {"name": " Oats "}):
        response = device.patch(f"/v1/products/{product['id']}", body)
        assert response.status_code == 200
        assert response.json()["updated_at"] == product["updated_at"]


def test_patch_null_clears_barcode_but_not_name(device: Device) -> None:
    product = device.product("Oats", barcode="123")
    cleared = device.patch(f"/v1/products/{product['id']}", {"barcode": None})
    assert cleared.json()["barcode"] is None
    refused = device.patch(f"/v1/products/{product['id']}", {"name": None})
    assert refused.status_code == 422
    assert device.get(f"/v1/products/{product['id']}").json()["name"] == "Oats"


def test_patch_to_a_barcode_another_live_product_has_is_409(device: Device) -> None:
    device.product("A", barcode="070602609000")
    b = device.product("B", barcode="5901234123457")
    response = device.patch(f"/v1/products/{b['id']}", {"barcode": "0070602609000"})
    assert response.status_code == 409
    assert device.get(f"/v1/products/{b['id']}").json()["barcode"] == "5901234123457"


def test_patch_404s(device: Device, other_device: Device) -> None:
    theirs = other_device.product()
    assert device.patch(f"/v1/products/{theirs['id']}", {"name": "x"}).status_code == 404
    assert other_device.get(f"/v1/products/{theirs['id']}").json()["name"] == "Oats"
    mine = device.product()
    device.delete(f"/v1/products/{mine['id']}")
    assert device.patch(f"/v1/products/{mine['id']}", {"name": "x"}).status_code == 404


def test_delete_is_repeatable_and_404s_for_others(device: Device, other_device: Device) -> None:
    product = device.product()
    assert device.delete(f"/v1/products/{product['id']}").status_code == 204
    assert device.delete(f"/v1/products/{product['id']}").status_code == 204
    assert device.delete(f"/v1/products/{uuid.uuid4()}").status_code == 404
    theirs = other_device.product()
    assert device.delete(f"/v1/products/{theirs['id']}").status_code == 404
    assert other_device.get(f"/v1/products/{theirs['id']}").status_code == 200


def test_delete_soft_deletes_portions_and_keeps_entries(device: Device, engine: Engine) -> None:
    product = device.product()
    portion = device.portion(product["id"])
    entry = device.entry(product["id"], portion["id"])
    device.delete(f"/v1/products/{product['id']}")
    assert device.get(f"/v1/portions/{portion['id']}").status_code == 404
    with engine.connect() as conn:
        deleted = conn.execute(
            text("SELECT deleted_at IS NOT NULL FROM product_portions WHERE id = :id"),
            {"id": portion["id"]},
        ).scalar_one()
    assert deleted is True
    assert device.get(f"/v1/food-entries/{entry['id']}").json() == entry


def test_check_name(device: Device, other_device: Device) -> None:
    def available(name: str, who: Device = device) -> bool:
        response = who.get("/v1/products/check-name", params={"name": name})
        assert response.status_code == 200
        return response.json()["available"]

    assert available("Oats")
    product = device.product("Oats")
    assert not available("oats")
    assert not available("  OATS ")
    assert available("Oats", other_device)
    device.delete(f"/v1/products/{product['id']}")
    assert available("Oats")
    assert device.get("/v1/products/check-name").status_code == 422


def test_unauthenticated_product_routes_are_401(device: Device) -> None:
    assert device.client.get("/v1/products").status_code == 401
    assert device.client.post("/v1/products", json={"name": "x"}).status_code == 401


def test_wrong_method_is_405(device: Device) -> None:
    assert device.client.put("/v1/products", headers=device.headers, json={}).status_code == 405


def test_write_after_erasure_within_the_cache_period_is_refused(device: Device) -> None:
    """The device dependency trusts the authorizer; the insert guard keeps erased devices empty."""
    assert device.delete("/v1/devices/me").status_code == 204
    with pytest.raises(DeviceRevokedError), transaction_opened_by(("SELECT 1", {})) as (session, _):
        service.create(session, device.id, ProductCreate(name="Ghost"))


def test_barcodes_are_stored_in_normal_form_and_match_across_platforms(device: Device) -> None:
    """Android reports a UPC-A as 12 digits, iOS as 13 with a leading 0: one product."""
    android = device.product("Abba-Zaba", barcode="0706-0260 9000")
    assert android["barcode"] == "0070602609000"
    ios = device.post("/v1/products", {"name": "Other name", "barcode": "0070602609000"})
    assert ios.json()["id"] == android["id"]
    patched = device.patch(f"/v1/products/{android['id']}", {"barcode": "00000013029"})
    assert patched.json()["barcode"] == "00013029"


@pytest.mark.parametrize("barcode", ["abc", "12\u00e945", "0000", "+4006381333931", "1.5"])
def test_a_barcode_that_is_not_digits_is_refused_and_not_stored(
    device: Device, barcode: str
) -> None:
    created = device.post("/v1/products", {"name": "Bad code", "barcode": barcode})
    assert created.status_code == 422
    assert created.json()["detail"][0]["loc"] == ["body", "barcode"]
    product = device.product("Good code", barcode="5901234123457")
    patched = device.patch(f"/v1/products/{product['id']}", {"barcode": barcode})
    assert patched.status_code == 422
    assert device.get(f"/v1/products/{product['id']}").json()["barcode"] == "5901234123457"
    assert [p["name"] for p in device.get("/v1/products").json()] == ["Good code"]


def test_names_are_at_most_200_characters_as_sent(device: Device) -> None:
    """The document says maxLength 200: a longer name is refused even if trimming shortens it."""
    padded = "  " + "n" * 199 + "  "
    refused = device.post("/v1/products", {"name": padded})
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "name"]
    exact = device.post("/v1/products", {"name": " " + "n" * 199})
    assert exact.status_code == 201 and exact.json()["name"] == "n" * 199
    blank = device.post("/v1/products", {"name": "\u00a0\t "})
    assert blank.status_code == 422
    assert device.get("/v1/products/check-name", params={"name": "x" * 201}).status_code == 422
