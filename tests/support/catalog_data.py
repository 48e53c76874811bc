"""The real published samples in `tests/data/catalog-samples/` (see its PROVENANCE.md: where each
file comes from, its checksum and licence), and small helpers to read them."""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

CATALOG_DATA = Path(__file__).resolve().parents[1] / "data" / "catalog-samples"
OFF_JSONL = CATALOG_DATA / "off" / "openfoodfacts-products-min.jsonl.gz"
OFF_PARQUET = CATALOG_DATA / "off" / "openfoodfacts-min.parquet"
OFF_CSV = CATALOG_DATA / "off" / "en.openfoodfacts.org.products.head1000.csv.gz"
FDC_FOUNDATION = CATALOG_DATA / "fdc" / "foundation_food_json_first9.json"
FDC_NUTRIENTS = CATALOG_DATA / "fdc" / "nutrient.csv"
FDC_API = CATALOG_DATA / "fdc" / "api-v1-fixtures"


@cache
def _off_lines() -> tuple[str, ...]:
    with gzip.open(OFF_JSONL, "rt", encoding="utf-8") as lines:
        return tuple(lines)


def off_products() -> list[dict[str, Any]]:
    """The 1,000 products of the JSONL sample (fresh copies: tests may edit them)."""
    return [json.loads(line) for line in _off_lines()]


def off_product(code: str) -> dict[str, Any]:
    """One product of the JSONL sample by its code (a fresh copy)."""
    for line in _off_lines():
        if f'"{code}"' in line and (product := json.loads(line))["code"] == code:
            return product
    raise KeyError(code)


def fdc_api_food(name: str) -> dict[str, Any]:
    """One FDC API v1 food (`standard_reference_legacy_food`, `branded_food`, `liquid_food`,
    `survey_food`): the same object shape as one element of a bulk JSON file."""
    return json.loads((FDC_API / f"{name}_successful_response.json").read_text())


def foundation_foods() -> list[dict[str, Any]]:
    return json.loads(FDC_FOUNDATION.read_text())["FoundationFoods"]
