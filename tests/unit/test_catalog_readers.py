"""The dump readers on the real samples: format detection by content, the same products from the
JSONL and Parquet exports, the CSV export's rows, FDC bulk JSON streamed element by element, and an
FDC CSV set (written here in the documented layout, with the real `nutrient.csv`)."""

from __future__ import annotations

import gzip
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from shared.domain.catalog_mapping import map_fdc, map_off
from shared.dump_import.batches import map_batch
from shared.dump_import.readers import CatalogFileError, detect_format, open_records
from tests.support.catalog_data import (
    FDC_FOUNDATION,
    FDC_NUTRIENTS,
    OFF_CSV,
    OFF_JSONL,
    OFF_PARQUET,
    fdc_api_food,
)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (OFF_JSONL, "off-jsonl"),
        (OFF_PARQUET, "off-parquet"),
        (OFF_CSV, "off-csv"),
        (FDC_FOUNDATION, "fdc-json"),
    ],
)
def test_format_is_detected_by_content(path: Path, expected: str, tmp_path: Path) -> None:
    assert detect_format(path) == expected
    renamed = tmp_path / "dump.bin"  # a name that says nothing
    shutil.copy(path, renamed)
    assert detect_format(renamed) == expected


def test_unreadable_inputs_are_refused_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(CatalogFileError, match="no such file"):
        detect_format(tmp_path / "missing.jsonl")
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    with pytest.raises(CatalogFileError, match="not a catalog dump"):
        detect_format(text)
    with pytest.raises(CatalogFileError, match=r"food_nutrient\.csv"):
        detect_format(tmp_path)


def outcomes(path: Path) -> tuple[dict[str, object], Counter[str]]:
    stream = open_records(path)
    accepted, rejected = map_batch(stream, map_off if stream.source == "off" else map_fdc)
    assert stream.bytes_read == stream.total_bytes  # the progress reached the end
    return {r.source_id: r for r in accepted}, Counter(str(r.reason) for r in rejected)


def test_jsonl_and_parquet_exports_give_the_same_products() -> None:
    from_jsonl, jsonl_rejections = outcomes(OFF_JSONL)
    from_parquet, parquet_rejections = outcomes(OFF_PARQUET)
    assert len(from_jsonl) == 932 and from_jsonl.keys() == from_parquet.keys()
    assert jsonl_rejections == parquet_rejections
    for code, record in from_jsonl.items():
        other = from_parquet[code]
        assert (other.name, other.barcode, other.brand) == (
            record.name,
            record.barcode,
            record.brand,
        )
        assert other.portions[0].calories == record.portions[0].calories


def test_csv_export_rows() -> None:
    accepted, rejections = outcomes(OFF_CSV)
    assert len(accepted) + sum(rejections.values()) == 1000
    assert rejections["malformed"] == 0
    chips = accepted["0000000004530"]  # "Banana Chips Sweetened (Whole)", 536 kcal
    assert chips.name == "Banana Chips Sweetened (Whole)" and chips.barcode == "00004530"
    assert chips.portions[0].calories == 536
    assert chips.portions[1].label == "28 g (1 ONZ)" and chips.portions[1].gram_weight == 28


def test_a_malformed_line_is_a_rejection_not_the_end(tmp_path: Path) -> None:
    with gzip.open(OFF_JSONL, "rt") as source:
        lines = [next(source) for _ in range(3)]
    dump = tmp_path / "three.jsonl"
    dump.write_text(lines[0] + '{"code": "123", broken\n' + "\n" + lines[1] + "[1, 2]\n" + lines[2])
    stream = open_records(dump)
    numbers = [(r.number, r.document is None) for r in stream]
    assert numbers == [(1, False), (2, True), (4, False), (5, True), (6, False)]


def test_fdc_json_is_streamed_element_by_element(tmp_path: Path) -> None:
    """A bulk file much larger than the reader's buffer, elements split across reads."""
    foods = json.loads(FDC_FOUNDATION.read_text())["FoundationFoods"]
    many = [dict(food, fdcId=food["fdcId"] * 1000 + i) for i in range(40) for food in foods]
    dump = tmp_path / "FoodData_Central_foundation_food_json.json.gz"
    with gzip.open(dump, "wt") as out:
        json.dump({"FoundationFoods": many}, out, indent=4)
    accepted, rejections = outcomes(dump)
    assert len(accepted) == 360 and not rejections
    assert accepted[str(321358 * 1000 + 39)].name == "Hummus, commercial"


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    lines = [",".join(f'"{v}"' for v in header)]
    lines += [",".join(f'"{"" if v is None else v}"' for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")


def test_fdc_csv_set(tmp_path: Path) -> None:
    """The CSV layout of an FDC download (values from the SR Legacy and Branded API samples)."""
    shutil.copy(FDC_NUTRIENTS, tmp_path / "nutrient.csv")
    write_csv(
        tmp_path / "food.csv",
        ["fdc_id", "data_type", "description", "food_category_id", "publication_date"],
        [
            [169901, "sr_legacy_food", "Cheese, american cheddar, imitation", 1, "2019-04-01"],
            [426798, "branded_food", "ABBA-ZABA, SNACK SIZE BITES CANDY", "", "2019-04-01"],
            [999999, "sr_legacy_food", "Mystery food without energy", 1, "2019-04-01"],
        ],
    )
    write_csv(
        tmp_path / "food_nutrient.csv",
        ["id", "fdc_id", "nutrient_id", "amount", "data_points"],
        [
            [1, 169901, 1008, 239, ""],
            [2, 169901, 1003, 16.7, ""],
            [3, 169901, 1004, 14.0, ""],
            [4, 169901, 1005, 11.6, ""],
            [5, 169901, 1079, 0, ""],
            [6, 426798, 1008, 400, ""],
            [7, 999999, 1003, 1, ""],
        ],
    )
    write_csv(
        tmp_path / "food_portion.csv",
        [
            "id",
            "fdc_id",
            "seq_num",
            "amount",
            "measure_unit_id",
            "portion_description",
            "modifier",
            "gram_weight",
        ],
        [[85635, 169901, 1, "1.0", 9999, "", "slice", "21.0"]],
    )
    write_csv(tmp_path / "measure_unit.csv", ["id", "name"], [[9999, "undetermined"]])
    write_csv(
        tmp_path / "food_category.csv",
        ["id", "code", "description"],
        [[1, "0100", "Dairy and Egg Products"]],
    )
    candy = fdc_api_food("branded_food")
    write_csv(
        tmp_path / "branded_food.csv",
        [
            "fdc_id",
            "brand_owner",
            "gtin_upc",
            "serving_size",
            "serving_size_unit",
            "household_serving_fulltext",
            "branded_food_category",
        ],
        [[426798, candy["brandOwner"], candy["gtinUpc"], "40.0", "g", "10 PIECES", "Candy"]],
    )
    assert detect_format(tmp_path) == detect_format(tmp_path / "food.csv") == "fdc-csv"
    accepted, rejections = outcomes(tmp_path)
    assert rejections == {"no_energy": 1}
    cheese, bar = accepted["169901"], accepted["426798"]
    assert cheese.category == "Dairy and Egg Products"
    assert [p.label for p in cheese.portions] == ["100 g", "1 slice (21 g)"]
    assert (bar.barcode, bar.brand, bar.portions[1].calories) == (
        "0070602609000",
        candy["brandOwner"],
        160,
    )
