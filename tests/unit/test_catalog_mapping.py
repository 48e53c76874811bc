"""The mapping from source records to catalog records, and its quality gates, on the real samples
(`tests/support/catalog_data.py`) and on edits of them."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from shared.domain.catalog_mapping import CatalogRecord, Rejection, map_fdc, map_off
from shared.dump_import.readers import open_records
from tests.support.catalog_data import (
    OFF_CSV,
    OFF_JSONL,
    OFF_PARQUET,
    fdc_api_food,
    foundation_foods,
    off_product,
    off_products,
)

BOVETTI = "0000101209159"


def accepted(outcome: CatalogRecord | Rejection) -> CatalogRecord:
    assert isinstance(outcome, CatalogRecord), outcome
    return outcome


def with_nutriments(product: dict[str, Any], **nutriments: Any) -> dict[str, Any]:
    edited = copy.deepcopy(product)
    edited["nutriments"] = {k.replace("__", "-"): v for k, v in nutriments.items()}
    return edited


def test_off_energy_is_the_kcal_value_not_the_mislabelled_kj_one() -> None:
    """Bovetti's `energy_100g` is 2582 (kJ) while its `energy_unit` says kcal: 617 kcal."""
    record = accepted(map_off(off_product(BOVETTI)))
    default = record.portions[0]
    assert (default.label, default.is_default, default.calories) == ("100 g", True, Decimal(617))
    assert (default.protein, default.carbs, default.fat) == (8, 36, 48)
    assert record.barcode == BOVETTI and record.brand == "Bovetti"
    assert record.category == "Cocoa and hazelnuts spreads"


@pytest.mark.parametrize(
    ("nutriments", "kcal"),
    [
        ({"energy__kcal_100g": 100, "energy_100g": 9999}, Decimal("100.000")),
        ({"energy__kj_100g": 418.4, "energy_100g": 9999}, Decimal("100.000")),
        ({"energy_100g": "836.8"}, Decimal("200.000")),
        ({"energy__kcal_100g": 0}, Decimal("0.000")),  # water: an explicit 0 is valid
    ],
)
def test_off_energy_fallbacks(nutriments: dict[str, Any], kcal: Decimal) -> None:
    record = accepted(map_off(with_nutriments(off_product(BOVETTI), **nutriments)))
    assert record.portions[0].calories == kcal
    assert record.portions[0].protein is None  # a missing macro stays unknown, never 0


def test_off_newer_nutrition_schema() -> None:
    product = copy.deepcopy(off_product(BOVETTI))
    product.pop("nutriments")
    product["schema_version"] = 1003
    product["nutrition"] = {
        "aggregated_set": {
            "per": "100ml",
            "preparation": "as_sold",
            "nutrients": {"energy-kcal": {"value": 42, "unit": "kcal"}, "fat": {"value": 1}},
        }
    }
    default = accepted(map_off(product)).portions[0]
    assert (default.label, default.base_unit, default.calories, default.fat) == (
        "100 ml",
        "ml",
        42,
        1,
    )


@pytest.mark.parametrize(
    ("nutriments", "reason"),
    [
        ({}, Rejection.NO_ENERGY),
        ({"energy__kcal_100g": 901}, Rejection.KCAL_OUT_OF_RANGE),
        ({"energy__kcal_100g": -1}, Rejection.KCAL_OUT_OF_RANGE),
        ({"energy__kcal_100g": 100, "fat_100g": -0.5}, Rejection.NEGATIVE_MACRO),
        (
            {
                "energy__kcal_100g": 400,
                "fat_100g": 40,
                "proteins_100g": 30,
                "carbohydrates_100g": 33,
            },
            Rejection.MACROS_OVER_100,
        ),
    ],
)
def test_off_quality_gates(nutriments: dict[str, Any], reason: Rejection) -> None:
    assert map_off(with_nutriments(off_product(BOVETTI), **nutriments)) is reason


def test_macros_within_the_rounding_tolerance_pass() -> None:
    nutriments = {"energy__kcal_100g": 400, "fat_100g": 40, "proteins_100g": 30}
    record = map_off(with_nutriments(off_product(BOVETTI), carbohydrates_100g=32, **nutriments))
    assert isinstance(record, CatalogRecord)


def test_off_names_fall_back_and_are_cleaned() -> None:
    product = copy.deepcopy(off_product(BOVETTI))
    assert accepted(map_off(product)).name.startswith("Véritable pâte à tartiner")
    product["product_name_en"] = "  Dark\x00 chocolate\n hazelnut   spread "
    assert accepted(map_off(product)).display_name == "Dark chocolate hazelnut spread"
    product.pop("product_name_en")
    product["product_name"] = ""
    assert accepted(map_off(product)).name.startswith("Véritable")  # product_name_fr
    for key in [k for k in product if k.startswith("product_name")]:
        product.pop(key)
    assert map_off(product) is Rejection.NO_NAME


def test_off_serving_becomes_a_portion_with_its_gram_weight() -> None:
    tea = accepted(map_off(off_product("0000105000042")))  # "1.61 ONZ (45 g)", 45 g
    serving = next(p for p in tea.portions if not p.is_default)
    assert serving.label == "1.61 ONZ (45 g)"
    assert (serving.base_amount, serving.base_unit, serving.gram_weight) == (1, "serving", 45)
    per_100 = tea.portions[0].calories
    assert serving.calories == (per_100 * Decimal("0.45")).quantize(Decimal("0.001"))


def test_every_accepted_off_sample_has_one_default_portion_first() -> None:
    records = [r for r in map(map_off, off_products()) if isinstance(r, CatalogRecord)]
    assert len(records) == 932
    for record in records:
        assert record.portions[0].is_default and record.portions[0].label in ("100 g", "100 ml")
        assert sum(p.is_default for p in record.portions) == 1
        assert len({p.label for p in record.portions}) == len(record.portions)


def test_fdc_kcal_choice_follows_1008_2048_2047_then_kj() -> None:
    hummus = foundation_foods()[0]
    assert accepted(map_fdc(hummus)).portions[0].calories == 229  # 1008

    def without(food: dict[str, Any], *ids: int) -> dict[str, Any]:
        edited = copy.deepcopy(food)
        edited["foodNutrients"] = [
            n for n in edited["foodNutrients"] if n["nutrient"]["id"] not in ids
        ]
        return edited

    assert accepted(map_fdc(without(hummus, 1008))).portions[0].calories == 229  # 2048
    assert accepted(map_fdc(without(hummus, 1008, 2048))).portions[0].calories == 243  # 2047
    kj_only = accepted(map_fdc(without(hummus, 1008, 2048, 2047)))
    assert kj_only.portions[0].calories == (Decimal(960) / Decimal("4.184")).quantize(
        Decimal("0.001")
    )
    assert map_fdc(without(hummus, 1008, 2048, 2047, 1062)) is Rejection.NO_ENERGY


def test_fdc_household_measures_and_names() -> None:
    cheese = accepted(map_fdc(fdc_api_food("standard_reference_legacy_food")))
    assert cheese.source == "usda" and cheese.source_id == "169901" and cheese.barcode is None
    assert [p.label for p in cheese.portions] == [
        "100 g",
        "1 slice (21 g)",
        "1 cubic inch (18 g)",
        "1 cup (224 g)",
    ]
    hummus = accepted(map_fdc(foundation_foods()[0]))
    assert hummus.portions[1].label == "1 tablespoon (33.9 g)"
    carrots = accepted(map_fdc(fdc_api_food("survey_food")))
    assert carrots.portions[1].label == "1 piece (4 g)" and carrots.category == "Carrots"


def test_fdc_branded_serving_matches_the_label() -> None:
    """400 kcal per 100 g and a 40 g serving: the label's 160 kcal per serving."""
    candy = accepted(map_fdc(fdc_api_food("branded_food")))
    assert candy.display_name == "Abba-zaba, snack size bites candy"
    assert candy.barcode == "0070602609000" and candy.brand == "Annabelle Candy Co., Inc."
    serving = candy.portions[1]
    assert (serving.label, serving.gram_weight, serving.calories) == ("10 pieces (40 g)", 40, 160)


def test_fdc_liquid_is_per_100_ml() -> None:
    water = accepted(map_fdc(fdc_api_food("liquid_food")))
    assert [(p.label, p.base_amount, p.base_unit) for p in water.portions] == [
        ("100 ml", 100, "ml"),
        ("1 bottle (500 ml)", 500, "ml"),
    ]
    assert water.portions[0].calories == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1_682_726_341, "2023-04-28T23:59:01+00:00"),
        (253_402_300_800, None),  # past 9999-12-31
        (0, None),
        (-5, None),
        (True, None),
        ("1682726341", None),  # the readers give integers (the CSV reader converts)
        (None, None),
    ],
)
def test_the_source_version_time_is_last_modified_t_when_it_is_a_time(
    value: Any, expected: str | None
) -> None:
    product = off_product("0000105000042")
    product["last_modified_t"] = value
    record = accepted(map_off(product))
    assert (record.modified_at and record.modified_at.isoformat()) == expected


@pytest.mark.parametrize("sample", [OFF_JSONL, OFF_CSV, OFF_PARQUET], ids=lambda p: p.name)
def test_every_sample_product_carries_its_version_time_in_every_format(sample: Path) -> None:
    documents = (r.document for r in open_records(sample) if r.document is not None)
    records = [r for r in map(map_off, documents) if isinstance(r, CatalogRecord)]
    assert len(records) > 600 and all(r.modified_at is not None for r in records)
