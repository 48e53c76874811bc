"""A source record cut down to the fields its mapper reads, for the AWS import's items.

Step Functions hands a Distributed Map batch to the import function as one payload of at most
256 KiB, and a full Open Food Facts product document (every language, image and tag) is often
tens of kilobytes. The projected document maps to exactly the same catalog record or rejection
(`tests/unit/test_projection.py` checks it on every record of the real samples), and is a few
hundred bytes. A record whose shape the projection does not expect is kept whole: the mapper then
rejects it as it would have.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from shared.domain.catalog_mapping import FDC_NUTRIENTS_READ, OFF_NUTRIMENTS_READ, SOURCE_USDA

_OFF_KEYS = (
    "code",
    "_id",
    "lang",
    "brands",
    "product_quantity_unit",
    "serving_quantity_unit",
    "serving_quantity",
    "serving_size",
    "unique_scans_n",
    "last_modified_t",
)
_OFF_AGGREGATED = ("energy-kcal", "energy-kj", "proteins", "carbohydrates", "fat")
_FDC_KEYS = (
    "fdcId",
    "description",
    "dataType",
    "servingSizeUnit",
    "servingSize",
    "householdServingFullText",
    "brandedFoodCategory",
    "brandName",
    "brandOwner",
    "gtinUpc",
)
_FDC_PORTION_KEYS = ("sequenceNumber", "gramWeight", "portionDescription", "amount", "modifier")

Document = dict[str, Any]


def _pick(document: Mapping[str, Any], keys: tuple[str, ...]) -> Document:
    return {key: document[key] for key in keys if key in document}


def _nested(value: Any, keys: tuple[str, ...]) -> Any:
    """`value` cut to `keys` when it is an object, else as it is."""
    return _pick(value, keys) if isinstance(value, dict) else value


def _off_nutrition(nutrition: Any) -> Any:
    if not isinstance(nutrition, dict):
        return nutrition
    if "aggregated_set" not in nutrition:
        return {}
    aggregated = nutrition["aggregated_set"]
    if isinstance(aggregated, dict):
        aggregated = _pick(aggregated, ("per", "preparation")) | (
            {"nutrients": _nested(aggregated["nutrients"], _OFF_AGGREGATED)}
            if "nutrients" in aggregated
            else {}
        )
    return {"aggregated_set": aggregated}


def project_off(product: Mapping[str, Any]) -> Document:
    projected = _pick(product, _OFF_KEYS)
    projected |= {k: v for k, v in product.items() if k.startswith("product_name")}
    if "nutriments" in product:
        projected["nutriments"] = _nested(product["nutriments"], OFF_NUTRIMENTS_READ)
    if "nutrition" in product:
        projected["nutrition"] = _off_nutrition(product["nutrition"])
    tags = product.get("categories_tags")
    if isinstance(tags, list):
        projected["categories_tags"] = [t for t in tags if isinstance(t, str) and t[:3] == "en:"]
    elif "categories_tags" in product:
        projected["categories_tags"] = tags
    return projected


def _fdc_nutrient(entry: Mapping[str, Any]) -> Document | None:
    nutrient = entry.get("nutrient") or {}
    nutrient_id = nutrient.get("id", entry.get("nutrientId"))
    if not isinstance(nutrient_id, int) or nutrient_id not in FDC_NUTRIENTS_READ:
        return None
    return {"nutrientId": nutrient_id, "amount": entry.get("amount")}


def _fdc_portion(portion: Mapping[str, Any]) -> Document:
    projected = _pick(portion, _FDC_PORTION_KEYS)
    if "measureUnit" in portion:
        projected["measureUnit"] = _nested(portion["measureUnit"], ("name",))
    return projected


def project_fdc(food: Mapping[str, Any]) -> Document:
    projected = _pick(food, _FDC_KEYS)
    if "foodNutrients" in food:
        entries = [_fdc_nutrient(entry) for entry in food["foodNutrients"] or ()]
        projected["foodNutrients"] = [entry for entry in entries if entry is not None]
    if "foodPortions" in food:
        projected["foodPortions"] = [_fdc_portion(p) for p in food["foodPortions"] or ()]
    if "foodCategory" in food:
        projected["foodCategory"] = _nested(food["foodCategory"], ("description",))
    if "wweiaFoodCategory" in food:
        category = food["wweiaFoodCategory"]
        projected["wweiaFoodCategory"] = _nested(category, ("wweiaFoodCategoryDescription",))
    return projected


Projector = Callable[[Mapping[str, Any]], Document]


def projector_for(source: str) -> Projector:
    """The source's projection; a document of an unexpected shape comes back whole."""
    project = project_fdc if source == SOURCE_USDA else project_off

    def projected(document: Mapping[str, Any]) -> Document:
        try:
            return project(document)
        except (TypeError, AttributeError, ValueError, KeyError):
            return dict(document)

    return projected
