"""Synthetic Open Food Facts dumps of any size, in the JSONL shape, for the catalog benchmark and
the interrupted-import test: each product is one of the real sample's products (`tests/data/
catalog-samples`, see its PROVENANCE.md) with a new code, a name made of common food words, and the
fields the importer reads (nutriments, serving, brand, categories, scans) plus the usual
neighbours (countries, quantity, ingredients), without the sample's images and ingredient trees
(a real line averages 22 KB; these about 1.5 KB).

`python -m infra.catalog.synthetic OUT.jsonl[.gz] COUNT` writes one.
"""

from __future__ import annotations

import gzip
import random
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import orjson

from shared.domain.barcodes import gs1_check_digit
from tests.support.catalog_data import OFF_JSONL

SAMPLE_JSONL = OFF_JSONL
KEPT = (
    "lang",
    "brands",
    "categories",
    "categories_tags",
    "countries_tags",
    "serving_size",
    "serving_quantity",
    "quantity",
    "product_quantity",
    "product_quantity_unit",
    "nutrition_data_per",
    "nutriscore_grade",
    "nutriments",
)
QUALIFIERS = (
    "organic", "whole", "dark", "milk", "light", "greek", "crunchy", "smoked", "spicy", "sweet",
    "salted", "roasted", "fresh", "frozen", "classic", "mini", "extra", "creamy", "wholegrain",
    "vanilla",
)  # fmt: skip
FOODS = (
    "chocolate", "yogurt", "bread", "banana", "milk", "cheese", "rice", "pasta", "cereal",
    "juice", "cookies", "chips", "tea", "coffee", "butter", "ham", "chicken", "salmon", "soup",
    "granola", "crackers", "apple", "peanut butter", "hummus", "ice cream", "pizza", "beans",
    "oats", "honey", "almonds",
)  # fmt: skip
FORMS = ("bar", "spread", "drink", "snack", "bites", "mix", "slices", "sauce", "pack", "")


def templates(path: Path = SAMPLE_JSONL) -> list[dict[str, Any]]:
    """The real sample's products with energy, trimmed to the kept fields."""
    with gzip.open(path, "rb") as lines:
        products = [orjson.loads(line) for line in lines]
    return [
        {k: p[k] for k in KEPT if k in p}
        for p in products
        if (p.get("nutriments") or {}).get("energy-kcal_100g") is not None
    ]


def ean13(number: int) -> str:
    """A valid EAN-13 in GS1's restricted-circulation range 2xx (never a real product's)."""
    payload = f"2{number:011d}"
    return payload + str(gs1_check_digit(payload))


def products(count: int, seed: int = 20261205) -> Iterator[dict[str, Any]]:
    shapes = templates()
    chooser = random.Random(seed)  # noqa: S311 - test data, not secrets
    for number in range(count):
        product = dict(shapes[number % len(shapes)])
        words = [chooser.choice(QUALIFIERS), chooser.choice(FOODS), chooser.choice(FORMS)]
        code = ean13(number)
        product.update(
            code=code,
            _id=code,
            product_name=" ".join(w for w in words if w).capitalize(),
            unique_scans_n=chooser.choice((None, 1, 2, 5, 20, 150)),
            ingredients_text=", ".join(chooser.sample(FOODS, 4)),
        )
        yield product


def write(path: Path, count: int) -> None:
    with ExitStack() as files:
        target: IO[bytes] = files.enter_context(path.open("wb"))
        if path.suffix == ".gz":
            target = files.enter_context(gzip.GzipFile(fileobj=target, mode="wb", compresslevel=1))
        for product in products(count):
            target.write(orjson.dumps(product) + b"\n")


if __name__ == "__main__":
    write(Path(sys.argv[1]), int(sys.argv[2]))
