"""The catalog routes (contract §8) and product search across user products and the catalog."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from shared.search import tiers
from shared.search.tiers import MAX_SEARCH_OFFSET
from tests.support.api import Device, count_statements, queries_after_freshness
from tests.support.catalog import load_catalog


@pytest.fixture
def catalog(engine: Engine, tmp_path: Path, client) -> None:
    load_catalog(engine, tmp_path / "catalog.jsonl")


def search(device: Device, q: str, **params) -> list[dict]:
    response = device.get("/v1/products/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.usefixtures("catalog")
def test_search_orders_prefix_matches_first_and_user_before_catalog(device: Device) -> None:
    device.product("apple pie")
    device.product("Apple")
    device.product("Toffee apple")
    results = search(device, "apple")
    assert [
        (r["source"], r["name"] if r["source"] == "user" else r["display_name"]) for r in results
    ] == [
        ("user", "Apple"),
        ("user", "apple pie"),
        ("user", "Toffee apple"),
        ("catalog", "Apple"),  # exact name
        ("catalog", "Apple juice"),  # generic foods starting with the query, shorter first
        ("catalog", "Applesauce cup"),
        ("catalog", "Big bag of oats"),  # a word of its brand starts with the query
        ("catalog", "Pineapple"),  # substring
    ]
    assert [r["name"] for r in search(device, "apple", limit=2)] == ["Apple", "apple pie"]


@pytest.mark.usefixtures("catalog")
def test_search_items_have_every_key(device: Device) -> None:
    device.product("Apple")
    user, catalog_item = search(device, "apple", limit=2)
    keys = {
        "id", "name", "source", "calories_per_100g", "protein_per_100g", "carbs_per_100g",
        "fat_per_100g", "catalog_id", "display_name", "brand",
    }  # fmt: skip
    assert set(user) == keys and set(catalog_item) == keys
    assert user["calories_per_100g"] is None and user["catalog_id"] is None
    assert catalog_item["catalog_id"] == catalog_item["id"]
    assert catalog_item["display_name"] == "Apple"


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize(
    ("q", "calories", "carbs"),
    [
        ("Apple", 52.0, 13.81),  # 100 g default: as is
        ("Apple juice", 47.84, 11.75),  # ml: per 100 ml
        ("Applesauce", 68.14, None),  # pcs with gram weight 113: 77 * 100 / 113
        ("Apricot", None, None),  # pcs without gram weight: cannot be converted
        ("Big bag", 379.0, None),  # 1 kg: 3790 / 10
        ("Honey", 426.67, None),  # 1 tbsp = 15 ml: 64 * 100 / 15
    ],
)
def test_catalog_per_100_values_respect_the_unit(
    device: Device, q: str, calories: float | None, carbs: float | None
) -> None:
    item = search(device, q, limit=1)[0]
    assert item["calories_per_100g"] == calories
    assert item["carbs_per_100g"] == carbs


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize(
    ("q", "expected"),
    [("0% o", ["100% orange juice"]), ("e%e", []), ("a_b s", ["a_b snack"]), ("e_j", [])],
)
def test_search_wildcards_are_literal(device: Device, q: str, expected: list[str]) -> None:
    assert [r["display_name"] for r in search(device, q)] == expected


def test_search_backslash_is_literal(device: Device) -> None:
    device.product("back\\slash")
    device.product("backslash")
    assert [r["name"] for r in search(device, "\\")] == ["back\\slash"]


def test_search_skips_deleted_and_foreign_products(device: Device, other_device: Device) -> None:
    gone = device.product("Oat milk")
    device.delete(f"/v1/products/{gone['id']}")
    other_device.product("Oat bran")
    device.product("Oat cakes")
    assert [r["name"] for r in search(device, "oat")] == ["Oat cakes"]


def test_search_default_limit_is_35(device: Device) -> None:
    for n in range(40):
        device.product(f"Item {n:02d}")
    assert len(search(device, "item")) == 35


@pytest.mark.parametrize(
    "params", [{"q": ""}, {"q": "x" * 201}, {"q": "a", "limit": 0}, {"q": "a", "limit": 61}, {}]
)
def test_search_validates_its_query(device: Device, params: dict) -> None:
    assert device.get("/v1/products/search", params=params).status_code == 422


@pytest.mark.usefixtures("catalog")
def test_search_is_one_statement(device: Device) -> None:
    device.product("Apple")
    with count_statements("ProductsFunction") as statements:
        assert len(search(device, "apple")) > 3
    assert len(queries_after_freshness(statements)) == 1


@pytest.mark.usefixtures("catalog")
def test_catalog_list_default_order_paging_and_default_portion(device: Device) -> None:
    with count_statements("ProductsFunction") as statements:
        items = device.get("/v1/catalog/products").json()
    assert len(queries_after_freshness(statements)) == 1
    names = [i["display_name"] for i in items]
    assert names == sorted(names)
    apple = next(i for i in items if i["display_name"] == "Apple")
    assert set(apple) == {
        "id", "source", "source_id", "name", "display_name", "brand", "barcode", "category",
        "default_portion",
    }  # fmt: skip
    assert apple["default_portion"]["label"] == "100 g"
    assert apple["default_portion"]["calories"] == "52.000"
    assert apple["default_portion"]["gram_weight"] is None
    page = device.get("/v1/catalog/products", params={"limit": 2, "offset": 1}).json()
    assert [i["display_name"] for i in page] == names[1:3]


@pytest.mark.usefixtures("catalog")
def test_catalog_search_ranks_like_product_search(device: Device) -> None:
    def found(term: str) -> list[str]:
        response = device.get("/v1/catalog/products", params={"search": term})
        assert response.status_code == 200
        return [i["display_name"] for i in response.json()]

    # "apples" starts a word of one product; so few match that the closest catalog word,
    # "apple", adds its products after it.
    assert found("apples")[:2] == ["Applesauce cup", "Apple"]
    assert found("fruits") == []  # the category does not match
    assert found("  APPLE ")[0] == "Apple"  # exact, whatever the case and the spaces around
    # Two letters match starts of names and words (generic foods first, shorter names first).
    assert found("ap") == ["Apple", "Apricot", "Apple juice", "Applesauce cup", "Big bag of oats"]
    page = device.get("/v1/catalog/products", params={"search": "ap", "limit": 2, "offset": 2})
    assert [i["display_name"] for i in page.json()] == ["Apple juice", "Applesauce cup"]


@pytest.mark.usefixtures("catalog")
def test_catalog_item_and_barcode_routes(device: Device) -> None:
    listing = device.get("/v1/catalog/products", params={"search": "Apple juice"}).json()
    juice = listing[0]
    detail = device.get(f"/v1/catalog/products/{juice['id']}").json()
    assert detail["display_name"] == "Apple juice"
    assert [p["label"] for p in detail["portions"]] == ["100 ml"]
    assert detail["default_portion"] == detail["portions"][0]
    by_barcode = device.get("/v1/catalog/products/barcode/5000000000001")
    assert by_barcode.status_code == 200
    assert by_barcode.json()["display_name"] == "Apple"
    assert [p["is_default"] for p in by_barcode.json()["portions"]] == [True, False]
    assert device.get("/v1/catalog/products/barcode/0000").status_code == 404
    unknown = device.get("/v1/catalog/products/00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 404


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 201}, {"offset": -1}])
def test_catalog_list_validates_paging(device: Device, params: dict) -> None:
    assert device.get("/v1/catalog/products", params=params).status_code == 422


def test_catalog_needs_a_token(client) -> None:
    assert client.get("/v1/catalog/products").status_code == 401


@pytest.mark.usefixtures("catalog")
def test_search_pages_are_bounded(device: Device, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each relevance tier gathers `limit + offset` rows: a search page may start at most at
    MAX_SEARCH_OFFSET (a 422 beyond), so the deepest page's tiers gather at most 1000 rows."""
    windows: list[int] = []
    parameters = tiers.parameters

    def recorded(query: str, window: int):
        windows.append(window)
        return parameters(query, window)

    monkeypatch.setattr(tiers, "parameters", recorded)
    deepest = {"search": "apple", "limit": 200, "offset": MAX_SEARCH_OFFSET}
    assert device.get("/v1/catalog/products", params=deepest).status_code == 200
    assert windows == [MAX_SEARCH_OFFSET + 200] and windows[0] <= 1000
    beyond = device.get("/v1/catalog/products", params={**deepest, "offset": MAX_SEARCH_OFFSET + 1})
    assert beyond.status_code == 422
    assert beyond.json()["detail"][0]["loc"] == ["query", "offset"]
    # Listing by name pages by the index, at any depth.
    listing = {"limit": 200, "offset": MAX_SEARCH_OFFSET + 1}
    assert device.get("/v1/catalog/products", params=listing).status_code == 200
    described = device.get("/openapi.json").json()
    parameters = described["paths"]["/v1/catalog/products"]["get"]["parameters"]
    [offset] = [p for p in parameters if p["name"] == "offset"]
    assert f"at most {MAX_SEARCH_OFFSET}" in offset["description"]
