"""A small catalog written in the loader's file format, for tests of search and the catalog API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from infra.catalog.seed import load_file


def portion(label: str, amount: float, unit: str, calories: float, **extra: Any) -> dict:
    return {"label": label, "base_amount": amount, "base_unit": unit, "calories": calories, **extra}


def product(source_id: str, display: str, portions: list[dict], **extra: Any) -> dict:
    return {
        "source": "test",
        "source_id": source_id,
        "name": extra.pop("name", display + ", raw"),
        "display_name": display,
        "portions": portions,
        **extra,
    }


SMALL_CATALOG = [
    product(
        "apple",
        "Apple",
        [
            portion("100 g", 100, "g", 52, protein=0.26, carbs=13.81, fat=0.17, is_default=True),
            portion("1 medium", 1, "pcs", 95, gram_weight=182),
        ],
        category="Fruits",
        barcode="5000000000001",
    ),
    product(
        "apple-juice",
        "Apple juice",
        [portion("100 ml", 100, "ml", 47.84, gram_weight=104, carbs=11.75)],
        category="Beverages",
    ),
    product("applesauce", "Applesauce cup", [portion("1 cup", 1, "pcs", 77, gram_weight=113)]),
    product("apricot", "Apricot", [portion("1 fruit", 1, "pcs", 17)], category="Fruits"),
    product("oats", "Big bag of oats", [portion("1 kg", 1, "kg", 3790)], brand="Apple Farms"),
    product("pineapple", "Pineapple", [portion("100 g", 100, "g", 50)], category="Fruits"),
    product("juice-100", "100% orange juice", [portion("100 ml", 100, "ml", 45)]),
    product("a-b", "a_b snack", [portion("1 bar", 1, "pcs", 200)]),
    product("tbsp", "Honey", [portion("1 tbsp", 1, "tbsp", 64)], category="Sweets"),
]


def write_catalog(path: Path, products: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(p) for p in products) + "\n", encoding="utf-8")
    return path


def load_catalog(engine: Engine, path: Path, products: list[dict] = SMALL_CATALOG) -> int:
    with engine.begin() as conn:
        return load_file(conn, write_catalog(path, products))
