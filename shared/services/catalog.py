"""The read-only food catalog, and product search over the device's products plus the catalog."""

from __future__ import annotations

import uuid

from sqlalchemy import Row
from sqlalchemy.orm import Session

from shared.domain.errors import NotFoundError
from shared.domain.nutrition import per_100_factor
from shared.models import CatalogPortion, CatalogProduct
from shared.repositories import catalog, search
from shared.schemas.catalog import CatalogPortionOut, CatalogProductDetail, CatalogProductOut
from shared.schemas.products import SearchItem, per_100

_NOT_FOUND = "Catalog product not found"


def _item(product: CatalogProduct, default: CatalogPortion | None) -> CatalogProductOut:
    return CatalogProductOut(
        id=product.id,
        source=product.source,
        source_id=product.source_id,
        name=product.name,
        display_name=product.display_name,
        brand=product.brand,
        barcode=product.barcode,
        category=product.category,
        default_portion=None if default is None else CatalogPortionOut.model_validate(default),
    )


def _detail(found: tuple[CatalogProduct, list[CatalogPortion]] | None) -> CatalogProductDetail:
    if found is None:
        raise NotFoundError(_NOT_FOUND)
    product, portions = found
    default = next((p for p in portions if p.is_default), None)
    return CatalogProductDetail(
        **_item(product, default).model_dump(exclude={"default_portion"}),
        default_portion=None if default is None else CatalogPortionOut.model_validate(default),
        portions=[CatalogPortionOut.model_validate(p) for p in portions],
    )


def list_products(
    session: Session, search_text: str | None, limit: int, offset: int
) -> list[CatalogProductOut]:
    rows = catalog.list_with_default(session, search_text, limit, offset)
    return [_item(product, default) for product, default in rows]


def get(session: Session, product_id: uuid.UUID) -> CatalogProductDetail:
    return _detail(catalog.get_with_portions(session, product_id))


def by_barcode(session: Session, barcode: str) -> CatalogProductDetail:
    return _detail(catalog.by_barcode_with_portions(session, barcode))


def _search_item(row: Row) -> SearchItem:
    factor = (
        per_100_factor(row.base_amount, row.base_unit, row.gram_weight)
        if row.base_amount is not None
        else None
    )

    def scaled(value: object) -> float | None:
        return None if factor is None or value is None else per_100(value * factor)  # type: ignore[operator]

    is_catalog = row.source == "catalog"
    return SearchItem(
        id=row.id,
        name=row.name,
        source=row.source,
        calories_per_100g=scaled(row.calories),
        protein_per_100g=scaled(row.protein),
        carbs_per_100g=scaled(row.carbs),
        fat_per_100g=scaled(row.fat),
        catalog_id=row.id if is_catalog else None,
        display_name=row.display_name,
        brand=row.brand,
    )


def search_products(session: Session, device_id: uuid.UUID, q: str, limit: int) -> list[SearchItem]:
    return [_search_item(row) for row in search.search(session, device_id, q, limit)]
