"""Barcode scans through the API after importing the real Open Food Facts sample: every product is
found by its 13-digit code and, for UPC-A codes, by the 12-digit form Android reports, with a
default portion; an 8-digit UPC-E finds its UPC-A; one code held by two sources answers one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from shared.db.engine import driver_connection
from shared.domain.barcodes import has_valid_check_digit
from shared.dump_import.importer import run_import
from shared.dump_import.readers import open_records
from tests.support.api import Device
from tests.support.catalog_data import OFF_JSONL, fdc_api_food


def import_dump(database_url: str, path: Path) -> None:
    with driver_connection(database_url) as connection:
        run_import(connection, open_records(path))


@pytest.fixture
def imported(device: Device, database_url: str, engine: Engine) -> dict[str, Any]:
    import_dump(database_url, OFF_JSONL)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT source_id, id FROM catalog_products")).all()
    return {r.source_id: str(r.id) for r in rows}


def scan(device: Device, code: str) -> dict[str, Any]:
    response = device.get(f"/v1/catalog/products/barcode/{code}")
    assert response.status_code == 200, code
    return response.json()


def test_every_imported_product_answers_its_scan(device: Device, imported: dict[str, str]) -> None:
    upc_a = 0
    for code, product_id in imported.items():
        found = scan(device, code)
        assert found["id"] == product_id
        assert found["default_portion"] is not None and found["portions"][0]["is_default"]
        if len(code) == 13 and code.startswith("0") and has_valid_check_digit(code[1:]):
            upc_a += 1
            assert scan(device, code[1:])["id"] == product_id  # Android's 12-digit form
    assert len(imported) == 932 and upc_a > 700  # most of the sample is sold in the US


def test_unknown_or_invalid_codes_are_404(device: Device, imported: dict[str, str]) -> None:
    for code in ("4006381333931", "abc", "0000"):
        response = device.get(f"/v1/catalog/products/barcode/{code}")
        assert response.status_code == 404
        assert response.json()["code"] == "NOT_FOUND"


def test_an_eight_digit_upc_e_finds_its_upc_a(device: Device, engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO catalog_products (id, source, source_id, name, display_name, barcode)"
                " VALUES (gen_random_uuid(), 'off', 'x', 'Gum', 'Gum', '0012345000065')"
            )
        )
    assert scan(device, "01234565")["display_name"] == "Gum"  # UPC-E of 012345000065


def test_one_code_in_two_sources_answers_the_open_food_facts_record(
    device: Device, database_url: str, tmp_path: Path
) -> None:
    """USDA Branded ABBA-ZABA (gtinUpc 070602609000) and an OFF product with the same code."""
    branded = fdc_api_food("branded_food")
    bulk = tmp_path / "branded.json"
    bulk.write_text(json.dumps({"BrandedFoods": [branded]}))
    import_dump(database_url, bulk)
    assert scan(device, "070602609000")["source"] == "usda"
    off = {"code": "0070602609000", "product_name": "Abba-Zaba bites",
           "nutriments": {"energy-kcal_100g": 400}}  # fmt: skip
    dump = tmp_path / "off.jsonl"
    dump.write_text(json.dumps(off) + "\n")
    import_dump(database_url, dump)
    found = scan(device, "0070602609000")
    assert (found["source"], found["name"]) == ("off", "Abba-Zaba bites")
