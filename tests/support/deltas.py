"""Delta files of the real shape for the refresh's tests: the OFF JSONL sample's own documents,
gzipped one a line under the names Open Food Facts gives its daily files."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import orjson

DAY = 86_400
# 2026-12-01T00:00:00Z: the first window of the tests' deltas.
FIRST_CHANGE = 1_796_083_200


def delta_name(day: int) -> str:
    """The name of the delta file of the `day`-th day after FIRST_CHANGE."""
    first = FIRST_CHANGE + day * DAY
    return f"openfoodfacts_products_{first}_{first + DAY - 1}.json.gz"


def write_delta(folder: Path, day: int, products: list[dict[str, Any]]) -> Path:
    path = folder / delta_name(day)
    with gzip.open(path, "wb") as out:
        for product in products:
            out.write(orjson.dumps(product) + b"\n")
    return path
