"""From a source record to a catalog record, or to a rejection with its reason. Pure: no I/O, no
database; the readers hand over records in each source's JSON shape (Open Food Facts' product
document, FoodData Central's food object), whatever file format they came in.

Values are per 100 g, or per 100 ml for products sold by volume:

- **Energy**, Open Food Facts: `energy-kcal_100g`, else `energy-kj_100g` / 4.184, else
  `energy_100g` / 4.184 (`energy_100g` is always kJ, whatever `energy_unit` says); products of
  the newer schema (`nutrition.aggregated_set`) are read from that set when it is per 100 g/ml
  as sold. FoodData Central: nutrient 1008 (kcal), else 2048 (Atwater specific), else 2047
  (Atwater general), else 1062 (kJ) / 4.184. An explicit 0 is valid (water, tea); none is not.
- **Macros**: protein, carbohydrates, fat (FDC 1003, 1005 or else 1050, 1004); a missing macro
  stays unknown (null), never 0.
- **Names**: OFF `product_name_en`, `product_name`, the product's own language, then any
  language; FDC `description`, shown in sentence case when the source shouts it in capitals.
- **Portions**: always a default `100 g` (or `100 ml`) portion, which the app needs to show a
  hit, then the source's serving or household measures with their gram weight.

Quality gates reject a record, counted by reason: no name, no energy, kcal outside 0..900 per
100 g, a negative macro, macros summing over 100 g per 100 g (plus `MACRO_TOLERANCE_G` for
rounding on labels). NUL characters are stripped from every text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypedDict

from shared.domain.barcodes import normalized_or_none
from shared.domain.catalog_widths import (
    BARCODE_WIDTH,
    BRAND_WIDTH,
    CATEGORY_WIDTH,
    NAME_WIDTH,
    PORTION_LABEL_WIDTH,
)

KJ_PER_KCAL = Decimal("4.184")
MAX_KCAL_PER_100 = Decimal(900)
MACRO_TOLERANCE_G = Decimal(2)
MAX_SERVING = Decimal(10000)
HUNDRED = Decimal(100)
_PLACES = Decimal("0.001")
_SPACES = re.compile(r"\s+")

SOURCE_OFF = "off"
SOURCE_USDA = "usda"


class Rejection(StrEnum):
    """Why a record did not become a catalog product (the report counts each)."""

    MALFORMED = "malformed"
    NO_NAME = "no_name"
    NO_ENERGY = "no_energy"
    KCAL_OUT_OF_RANGE = "kcal_out_of_range"
    NEGATIVE_MACRO = "negative_macro"
    MACROS_OVER_100 = "macros_over_100"


@dataclass(frozen=True)
class Portion:
    label: str
    base_amount: Decimal
    base_unit: str
    gram_weight: Decimal | None
    calories: Decimal
    protein: Decimal | None
    carbs: Decimal | None
    fat: Decimal | None
    is_default: bool = False


@dataclass(frozen=True)
class CatalogRecord:
    """One catalog product as it will be stored, with its portions (the first is the default)."""

    source: str
    source_id: str
    name: str
    display_name: str
    brand: str | None
    barcode: str | None
    category: str | None
    popularity: int
    portions: tuple[Portion, ...] = field(default_factory=tuple)
    # When the source last changed the product (Open Food Facts' `last_modified_t`), if it says:
    # the merge never replaces a product with an older version of it (`catalog_staging`).
    modified_at: datetime | None = None


@dataclass(frozen=True)
class Per100:
    """Energy and macros per 100 g (or 100 ml when `unit` is ml)."""

    kcal: Decimal
    protein: Decimal | None
    carbs: Decimal | None
    fat: Decimal | None
    unit: str = "g"


def clean_text(value: object, max_length: int) -> str | None:
    """Text without NULs and with runs of whitespace collapsed, cut to `max_length`; None when
    nothing is left (or the value is not text)."""
    if not isinstance(value, str):
        return None
    text = _SPACES.sub(" ", value.replace("\x00", "")).strip()
    return text[:max_length].rstrip() or None


def number(value: object) -> Decimal | None:
    """A finite decimal from a JSON number or numeric text (sources mix them), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        result = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    return result if result.is_finite() else None


def _q(value: Decimal) -> Decimal:
    return value.quantize(_PLACES, rounding=ROUND_HALF_UP)


def gate(values: Per100) -> Rejection | None:
    """The first quality gate `values` fails, if any."""
    if not Decimal(0) <= values.kcal <= MAX_KCAL_PER_100:
        return Rejection.KCAL_OUT_OF_RANGE
    macros = [m for m in (values.protein, values.carbs, values.fat) if m is not None]
    if any(m < 0 for m in macros):
        return Rejection.NEGATIVE_MACRO
    if sum(macros, Decimal(0)) > HUNDRED + MACRO_TOLERANCE_G:
        return Rejection.MACROS_OVER_100
    return None


class _Figures(TypedDict):
    calories: Decimal
    protein: Decimal | None
    carbs: Decimal | None
    fat: Decimal | None


def _scaled(values: Per100, factor: Decimal) -> _Figures:
    def scale(v: Decimal | None) -> Decimal | None:
        return None if v is None else _q(v * factor)

    return {
        "calories": _q(values.kcal * factor),
        "protein": scale(values.protein),
        "carbs": scale(values.carbs),
        "fat": scale(values.fat),
    }


def default_portion(values: Per100) -> Portion:
    label = f"100 {values.unit}"
    gram_weight = HUNDRED if values.unit == "g" else None
    return Portion(
        label, HUNDRED, values.unit, gram_weight, **_scaled(values, Decimal(1)), is_default=True
    )


def measure_portion(values: Per100, text: str | None, amount: Decimal, unit: str) -> Portion | None:
    """A serving or household measure of `amount` grams (or ml), labelled with `text` and the
    amount; None when the amount is not a plausible serving."""
    if not Decimal(0) < amount <= MAX_SERVING or unit not in ("g", "ml"):
        return None
    if unit != values.unit and unit == "ml":
        return None  # ml of a product measured per 100 g: no density to convert with
    amount = _q(amount)
    shown = f"{amount.normalize():f} {unit}"
    label = clean_text(
        f"{text} ({shown})" if text and shown not in text else text or shown, PORTION_LABEL_WIDTH
    )
    if label is None or label == f"100 {values.unit}":
        return None
    factor = amount / HUNDRED
    if unit == "g":
        return Portion(label, Decimal(1), "serving", amount, **_scaled(values, factor))
    return Portion(label, amount, "ml", None, **_scaled(values, factor))


def _unique_portions(portions: Sequence[Portion | None]) -> tuple[Portion, ...]:
    """Portions with distinct labels (the table's key), the first one of each label kept."""
    seen: dict[str, Portion] = {}
    for portion in portions:
        if portion is not None and portion.label not in seen:
            seen[portion.label] = portion
    return tuple(seen.values())


# --- Open Food Facts -------------------------------------------------------------------------


def _off_name(product: Mapping[str, Any]) -> str | None:
    keys = ["product_name_en", "product_name", f"product_name_{product.get('lang')}"]
    keys += sorted(k for k in product if k.startswith("product_name_") and len(k) <= 16)
    for key in keys:
        if (name := clean_text(product.get(key), NAME_WIDTH)) is not None:
            return name
    return None


def _off_brand(product: Mapping[str, Any]) -> str | None:
    brands = product.get("brands")
    if isinstance(brands, list):
        brands = ",".join(b for b in brands if isinstance(b, str))
    return clean_text(brands.split(",")[0], BRAND_WIDTH) if isinstance(brands, str) else None


def _off_category(product: Mapping[str, Any]) -> str | None:
    """The most specific English category tag, readable (`en:dark-chocolates` → Dark chocolates)."""
    tags = product.get("categories_tags")
    english = [t for t in tags if isinstance(t, str) and t.startswith("en:")] if tags else []
    if not english:
        return None
    words = english[-1][3:].replace("-", " ")
    return clean_text(words[:1].upper() + words[1:], CATEGORY_WIDTH)


def _off_unit(product: Mapping[str, Any]) -> str:
    aggregated = (product.get("nutrition") or {}).get("aggregated_set") or {}
    if aggregated.get("per") == "100ml" or product.get("product_quantity_unit") == "ml":
        return "ml"
    return "g"


# The `nutriments` keys `_off_per100` reads (the CSV reader and the projection keep these only).
OFF_NUTRIMENTS_READ = (
    "energy-kcal_100g",
    "energy-kj_100g",
    "energy_100g",
    "proteins_100g",
    "carbohydrates_100g",
    "fat_100g",
)


def _off_per100(product: Mapping[str, Any]) -> Per100 | None:
    unit = _off_unit(product)
    aggregated = (product.get("nutrition") or {}).get("aggregated_set")
    if isinstance(aggregated, dict) and aggregated.get("per") in ("100g", "100ml"):
        if aggregated.get("preparation", "as_sold") != "as_sold":
            return None
        nutrients = aggregated.get("nutrients") or {}

        def value(name: str) -> Decimal | None:
            entry = nutrients.get(name)
            return number(entry.get("value")) if isinstance(entry, dict) else None

        kcal = value("energy-kcal")
        if kcal is None and (kj := value("energy-kj")) is not None:
            kcal = kj / KJ_PER_KCAL
        protein, carbs, fat = value("proteins"), value("carbohydrates"), value("fat")
    else:
        nutriments = product.get("nutriments") or {}
        kcal = number(nutriments.get("energy-kcal_100g"))
        for kj_key in ("energy-kj_100g", "energy_100g"):
            if kcal is None and (kj := number(nutriments.get(kj_key))) is not None:
                kcal = kj / KJ_PER_KCAL
        protein = number(nutriments.get("proteins_100g"))
        carbs = number(nutriments.get("carbohydrates_100g"))
        fat = number(nutriments.get("fat_100g"))
    if kcal is None:
        return None
    return Per100(kcal, protein, carbs, fat, unit)


# The latest UNIX time a `last_modified_t` may say (9999-12-31): beyond it is not a time.
_LAST_TIME = 253_402_300_799


def _off_modified(product: Mapping[str, Any]) -> datetime | None:
    """`last_modified_t` (UNIX seconds) as a UTC time, when it is one."""
    value = product.get("last_modified_t")
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= _LAST_TIME:
        return datetime.fromtimestamp(value, UTC)
    return None


def map_off(product: Mapping[str, Any]) -> CatalogRecord | Rejection:
    """An Open Food Facts product document (JSONL shape) as a catalog record."""
    raw_code = product.get("code") or product.get("_id")
    code = clean_text(str(raw_code) if isinstance(raw_code, int) else raw_code, BARCODE_WIDTH)
    if code is None:
        return Rejection.MALFORMED
    name = _off_name(product)
    if name is None:
        return Rejection.NO_NAME
    values = _off_per100(product)
    if values is None:
        return Rejection.NO_ENERGY
    if (rejected := gate(values)) is not None:
        return rejected
    serving_unit = product.get("serving_quantity_unit") or "g"
    serving = number(product.get("serving_quantity"))
    portions: list[Portion | None] = [default_portion(values)]
    if serving is not None:
        text = clean_text(product.get("serving_size"), 150)
        portions.append(measure_portion(values, text, serving, serving_unit))
    scans = product.get("unique_scans_n")
    return CatalogRecord(
        source=SOURCE_OFF,
        source_id=code,
        name=name,
        display_name=name,
        brand=_off_brand(product),
        barcode=normalized_or_none(code),
        category=_off_category(product),
        popularity=scans if isinstance(scans, int) and scans > 0 else 0,
        portions=_unique_portions(portions),
        modified_at=_off_modified(product),
    )


# --- USDA FoodData Central -------------------------------------------------------------------

_FDC_KCAL = (1008, 2048, 2047)
_FDC_KJ = 1062
_FDC_PROTEIN, _FDC_FAT, _FDC_CARBS, _FDC_CARBS_SUM = 1003, 1004, 1005, 1050
# Every nutrient `map_fdc` reads (the FDC CSV reader and `shared.dump_import.projection` keep
# only these).
FDC_NUTRIENTS_READ = frozenset(
    (*_FDC_KCAL, _FDC_KJ, _FDC_PROTEIN, _FDC_FAT, _FDC_CARBS, _FDC_CARBS_SUM)
)


def _fdc_amounts(food: Mapping[str, Any]) -> dict[int, Decimal]:
    amounts: dict[int, Decimal] = {}
    for entry in food.get("foodNutrients") or ():
        nutrient = entry.get("nutrient") or {}
        nutrient_id = nutrient.get("id", entry.get("nutrientId"))
        amount = number(entry.get("amount"))
        if isinstance(nutrient_id, int) and amount is not None:
            amounts.setdefault(nutrient_id, amount)
    return amounts


def readable(description: str) -> str:
    """Sentence case for descriptions written in capitals (Branded foods); others as written."""
    if description.upper() != description:
        return description
    lowered = description.lower()
    return lowered[:1].upper() + lowered[1:]


def _fdc_unit(food: Mapping[str, Any]) -> str:
    unit = str(food.get("servingSizeUnit") or "").strip().lower()
    return "ml" if unit in ("ml", "mlt") else "g"


def _fdc_measures(food: Mapping[str, Any], values: Per100) -> list[Portion | None]:
    measures: list[Portion | None] = []
    if food.get("dataType") == "Branded":
        size = number(food.get("servingSize"))
        unit = _fdc_unit(food)
        if size is not None:
            text = clean_text(food.get("householdServingFullText"), 150)
            measures.append(measure_portion(values, text and text.lower(), size, unit))
    ordered = sorted(food.get("foodPortions") or (), key=lambda p: p.get("sequenceNumber") or 0)
    for portion in ordered:
        grams = number(portion.get("gramWeight"))
        if grams is None:
            continue
        text = clean_text(portion.get("portionDescription"), 150)
        if text is None:
            amount = number(portion.get("amount")) or Decimal(1)
            unit_name = (portion.get("measureUnit") or {}).get("name")
            words = [portion.get("modifier") or ""]
            if unit_name and unit_name != "undetermined":
                words.insert(0, unit_name)
            text = clean_text(f"{amount.normalize():f} {' '.join(words)}", 150)
        measures.append(measure_portion(values, text, grams, "g"))
    return measures


def map_fdc(food: Mapping[str, Any]) -> CatalogRecord | Rejection:
    """A FoodData Central food (bulk JSON shape, any data type) as a catalog record."""
    fdc_id = food.get("fdcId")
    if not isinstance(fdc_id, int):
        return Rejection.MALFORMED
    description = clean_text(food.get("description"), NAME_WIDTH)
    if description is None:
        return Rejection.NO_NAME
    amounts = _fdc_amounts(food)
    kcal = next((amounts[i] for i in _FDC_KCAL if i in amounts), None)
    if kcal is None and _FDC_KJ in amounts:
        kcal = amounts[_FDC_KJ] / KJ_PER_KCAL
    if kcal is None:
        return Rejection.NO_ENERGY
    carbs = amounts.get(_FDC_CARBS, amounts.get(_FDC_CARBS_SUM))
    values = Per100(kcal, amounts.get(_FDC_PROTEIN), carbs, amounts.get(_FDC_FAT), _fdc_unit(food))
    if (rejected := gate(values)) is not None:
        return rejected
    branded = food.get("dataType") == "Branded"
    category = food.get("foodCategory")
    if isinstance(category, dict):
        category = category.get("description")
    category = category or food.get("brandedFoodCategory")
    category = category or (food.get("wweiaFoodCategory") or {}).get("wweiaFoodCategoryDescription")
    return CatalogRecord(
        source=SOURCE_USDA,
        source_id=str(fdc_id),
        name=description,
        display_name=readable(description),
        brand=clean_text(food.get("brandName") or food.get("brandOwner"), BRAND_WIDTH)
        if branded
        else None,
        barcode=normalized_or_none(food.get("gtinUpc")) if branded else None,
        category=clean_text(category, CATEGORY_WIDTH),
        popularity=0,
        portions=_unique_portions([default_portion(values), *_fdc_measures(food, values)]),
    )
