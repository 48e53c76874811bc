"""Streaming readers for the published catalog dumps, chosen by content (then by name):

- `off-jsonl`: Open Food Facts `openfoodfacts-products.jsonl[.gz]`, a product document a line;
- `off-csv`: `en.openfoodfacts.org.products.csv[.gz]` (tab-separated, unquoted), rows as documents;
- `off-parquet`: `food.parquet` (Hugging Face `openfoodfacts/product-database`), rows as documents;
- `fdc-json`: FDC bulk JSON, `{"SRLegacyFoods" | "FoundationFoods" | "SurveyFoods" |
  "BrandedFoods": [...]}`, each food object;
- `fdc-csv`: a folder (or its `food.csv`) of the FDC CSV set, foods assembled in the JSON shape.

Memory stays bounded by a record (and a Parquet row batch) whatever the file size, except for the
FDC CSV set: its nutrients and portions live in other files than its foods, so the reader keeps
the few nutrients the catalog uses for every food in memory (about 200 bytes a food; the 2 million
Branded foods need the JSON file instead). Every record carries its number in the file (line for
line formats, element for the others) for the rejects file.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import orjson

from shared.domain.catalog_mapping import (
    FDC_NUTRIENTS_READ,
    OFF_NUTRIMENTS_READ,
    SOURCE_OFF,
    SOURCE_USDA,
)

FORMATS = ("off-jsonl", "off-csv", "off-parquet", "fdc-json", "fdc-csv")
FDC_JSON_KEYS = ("SRLegacyFoods", "FoundationFoods", "SurveyFoods", "BrandedFoods")
_GZIP_MAGIC = b"\x1f\x8b"
_PARQUET_MAGIC = b"PAR1"
_CHUNK = 1 << 20


class CatalogFileError(Exception):
    """The file cannot be read as a catalog dump (missing, unknown format, unreadable)."""


@dataclass(frozen=True)
class SourceRecord:
    """One record of a dump: its number in the file and its document (None when malformed)."""

    number: int
    document: dict[str, Any] | None


class RecordStream:
    """The records of one dump, with how far into the file the reader is (for a progress bar)."""

    def __init__(
        self,
        path: Path,
        file_format: str,
        records: Callable[[Callable[[int], None]], Iterator[SourceRecord]],
    ) -> None:
        self.path = path
        self.format = file_format
        self.source = SOURCE_USDA if file_format.startswith("fdc") else SOURCE_OFF
        self.total_bytes = _size(path)
        self.bytes_read = 0
        self._records = records

    def _advance(self, position: int) -> None:
        self.bytes_read = position

    def __iter__(self) -> Iterator[SourceRecord]:
        return self._records(self._advance)


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.glob("*.csv"))
    return path.stat().st_size


def _head(path: Path, count: int = 4096) -> bytes:
    """The first bytes of the file's content (decompressed when gzip)."""
    with path.open("rb") as raw:
        start = raw.read(count)
    if start.startswith(_GZIP_MAGIC):
        with gzip.open(path, "rb") as unzipped:
            return unzipped.read(count)
    return start


def detect_format(path: Path) -> str:
    """The dump's format from its content (its name only breaks ties); CatalogFileError when
    it is none of `FORMATS`."""
    if not path.exists():
        raise CatalogFileError(f"{path}: no such file or folder")
    if path.is_dir() or path.name == "food.csv":
        folder = path if path.is_dir() else path.parent
        if (folder / "food.csv").is_file() and (folder / "food_nutrient.csv").is_file():
            return "fdc-csv"
        raise CatalogFileError(f"{path}: an FDC CSV folder needs food.csv and food_nutrient.csv")
    with path.open("rb") as raw:
        if raw.read(4) == _PARQUET_MAGIC:
            return "off-parquet"
    head = _head(path).lstrip()
    if head.startswith(b"{"):
        key = head[1:].lstrip()
        if any(key.startswith(f'"{name}"'.encode()) for name in FDC_JSON_KEYS):
            return "fdc-json"
        return "off-jsonl"
    if head.startswith(b"code\t"):
        return "off-csv"
    raise CatalogFileError(f"{path}: not a catalog dump this importer reads ({', '.join(FORMATS)})")


def open_records(path: Path, file_format: str | None = None) -> RecordStream:
    """The records of the dump at `path`, in the given or detected format."""
    chosen = file_format or detect_format(path)
    readers = {
        "off-jsonl": _off_jsonl,
        "off-csv": _off_csv,
        "off-parquet": _off_parquet,
        "fdc-json": _fdc_json,
        "fdc-csv": _fdc_csv,
    }
    if chosen not in readers:
        raise CatalogFileError(f"unknown format {chosen!r}; one of {', '.join(FORMATS)}")
    reader = readers[chosen]
    return RecordStream(path, chosen, lambda advance: reader(path, advance))


def _binary(path: Path) -> tuple[IO[bytes], IO[bytes]]:
    """(the raw file, the content stream): progress is the raw file's position."""
    raw = path.open("rb")
    if raw.read(2) == _GZIP_MAGIC:
        raw.seek(0)
        return raw, cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb"))  # a binary stream
    raw.seek(0)
    return raw, raw


# --- Open Food Facts -------------------------------------------------------------------------


def _off_jsonl(path: Path, advance: Callable[[int], None]) -> Iterator[SourceRecord]:
    raw, content = _binary(path)
    with raw, content:
        for number, line in enumerate(content, start=1):
            if not line.strip():
                continue
            try:
                document = orjson.loads(line)
            except orjson.JSONDecodeError:
                document = None
            if number % 1000 == 0:
                advance(raw.tell())
            yield SourceRecord(number, document if isinstance(document, dict) else None)
        advance(raw.tell())


def _off_csv_document(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row in the JSONL product document's shape (empty fields are absent)."""
    tags = row.get("categories_tags") or ""
    scans = row.get("unique_scans_n") or ""
    modified = row.get("last_modified_t") or ""
    return {
        "code": row.get("code"),
        "product_name": row.get("product_name") or None,
        "brands": row.get("brands") or None,
        "categories_tags": [t for t in tags.split(",") if t],
        "serving_size": row.get("serving_size") or None,
        "serving_quantity": row.get("serving_quantity") or None,
        "product_quantity_unit": row.get("product_quantity_unit") or None,
        "unique_scans_n": int(scans) if scans.isdigit() else None,
        "last_modified_t": int(modified) if modified.isdigit() else None,
        "nutriments": {k: row[k] for k in OFF_NUTRIMENTS_READ if row.get(k)},
    }


def _off_csv(path: Path, advance: Callable[[int], None]) -> Iterator[SourceRecord]:
    raw, content = _binary(path)
    with raw, content:
        text = io.TextIOWrapper(content, encoding="utf-8", errors="replace", newline="\n")
        header = text.readline().rstrip("\n").split("\t")
        for number, line in enumerate(text, start=2):
            fields = line.rstrip("\n").split("\t")
            if number % 1000 == 0:
                advance(raw.tell())
            if len(fields) != len(header):
                yield SourceRecord(number, None)
                continue
            yield SourceRecord(number, _off_csv_document(dict(zip(header, fields, strict=True))))
        advance(raw.tell())


_OFF_PARQUET_COLUMNS = (
    "code",
    "product_name",
    "lang",
    "brands",
    "categories_tags",
    "serving_size",
    "serving_quantity",
    "product_quantity_unit",
    "unique_scans_n",
    "last_modified_t",
    "nutriments",
)


def _off_parquet_document(row: dict[str, Any]) -> dict[str, Any]:
    """A Parquet row in the JSONL product document's shape: names per language become
    `product_name_<lang>` (`main` is `product_name`), nutriment items `<name>_100g` keys."""
    document = {k: v for k, v in row.items() if k not in ("product_name", "nutriments")}
    for entry in row.get("product_name") or ():
        key = "product_name" if entry["lang"] == "main" else f"product_name_{entry['lang']}"
        document[key] = entry["text"]
    document["nutriments"] = {
        f"{item['name']}_100g": item["100g"]
        for item in row.get("nutriments") or ()
        if item.get("100g") is not None
    }
    return document


def _off_parquet(path: Path, advance: Callable[[int], None]) -> Iterator[SourceRecord]:
    import pyarrow.parquet as pq  # only this format needs it (a large import)

    parquet = pq.ParquetFile(path)
    columns = [c for c in _OFF_PARQUET_COLUMNS if c in parquet.schema_arrow.names]
    number = 0
    total_rows = max(1, parquet.metadata.num_rows)
    for batch in parquet.iter_batches(batch_size=2000, columns=columns):
        for row in batch.to_pylist():
            number += 1
            yield SourceRecord(number, _off_parquet_document(row))
        advance(path.stat().st_size * number // total_rows)


# --- USDA FoodData Central -------------------------------------------------------------------


def _fdc_json(path: Path, advance: Callable[[int], None]) -> Iterator[SourceRecord]:
    """The elements of the one array in an FDC bulk JSON file, decoded one at a time from a
    sliding buffer (the files are up to several GB; a food is a few KB)."""
    raw, content = _binary(path)
    decoder = json.JSONDecoder()
    with raw, content:
        text = io.TextIOWrapper(content, encoding="utf-8")
        buffer = text.read(_CHUNK)
        start = buffer.find("[")
        if start < 0:
            raise CatalogFileError(f"{path}: no array of foods found")
        position, number, done = start + 1, 0, False
        while True:
            while position < len(buffer) and buffer[position] in " \t\r\n,":
                position += 1
            if position < len(buffer) and buffer[position] == "]":
                break
            try:
                food, end = decoder.raw_decode(buffer, position)
            except json.JSONDecodeError:
                more = text.read(_CHUNK)
                if not more:
                    if done:
                        raise CatalogFileError(f"{path}: ends inside a food") from None
                    done = True
                buffer = buffer[position:] + more
                position = 0
                continue
            number += 1
            position = end
            if position > _CHUNK:
                buffer, position = buffer[position:], 0
            if number % 200 == 0:
                advance(raw.tell())
            yield SourceRecord(number, food if isinstance(food, dict) else None)
        advance(raw.tell())


_FDC_DATA_TYPES = {
    "sr_legacy_food": "SR Legacy",
    "foundation_food": "Foundation",
    "survey_fndds_food": "Survey (FNDDS)",
    "branded_food": "Branded",
}


def _csv_rows(path: Path) -> Iterator[dict[str, str]]:
    if not path.is_file():
        return
    csv.field_size_limit(sys.maxsize)
    with path.open(newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def _fdc_csv(path: Path, advance: Callable[[int], None]) -> Iterator[SourceRecord]:
    folder = path if path.is_dir() else path.parent
    amounts: dict[str, dict[int, str]] = {}
    for row in _csv_rows(folder / "food_nutrient.csv"):
        nutrient = int(row["nutrient_id"]) if row["nutrient_id"].isdigit() else 0
        if nutrient in FDC_NUTRIENTS_READ:
            amounts.setdefault(row["fdc_id"], {})[nutrient] = row["amount"]
    units = {r["id"]: r["name"] for r in _csv_rows(folder / "measure_unit.csv")}
    categories = {r["id"]: r["description"] for r in _csv_rows(folder / "food_category.csv")}
    portions: dict[str, list[dict[str, Any]]] = {}
    for row in _csv_rows(folder / "food_portion.csv"):
        portions.setdefault(row["fdc_id"], []).append(
            {
                "sequenceNumber": int(row["seq_num"]) if row.get("seq_num", "").isdigit() else 0,
                "amount": row.get("amount"),
                "measureUnit": {"name": units.get(row.get("measure_unit_id", ""), "")},
                "modifier": row.get("modifier"),
                "portionDescription": row.get("portion_description") or None,
                "gramWeight": row.get("gram_weight"),
            }
        )
    branded = {r["fdc_id"]: r for r in _csv_rows(folder / "branded_food.csv")}
    for number, food in enumerate(_csv_rows(folder / "food.csv"), start=2):
        fdc_id = food.get("fdc_id", "")
        if not fdc_id.isdigit():
            yield SourceRecord(number, None)
            continue
        brand = branded.get(fdc_id, {})
        document: dict[str, Any] = {
            "fdcId": int(fdc_id),
            "description": food.get("description"),
            "dataType": _FDC_DATA_TYPES.get(food.get("data_type", ""), food.get("data_type")),
            "foodCategory": categories.get(food.get("food_category_id", "")),
            "foodNutrients": [
                {"nutrient": {"id": nutrient}, "amount": amount}
                for nutrient, amount in amounts.get(fdc_id, {}).items()
            ],
            "foodPortions": portions.get(fdc_id, []),
            "brandOwner": brand.get("brand_owner") or None,
            "brandName": brand.get("brand_name") or None,
            "gtinUpc": brand.get("gtin_upc") or None,
            "servingSize": brand.get("serving_size") or None,
            "servingSizeUnit": brand.get("serving_size_unit") or None,
            "householdServingFullText": brand.get("household_serving_fulltext") or None,
            "brandedFoodCategory": brand.get("branded_food_category") or None,
        }
        yield SourceRecord(number, document)
    advance(_size(folder))
