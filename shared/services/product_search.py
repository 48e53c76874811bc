"""Product search (`/v1/products/search`): the device's own products plus the catalog, with
per-100 g figures from each catalog product's default portion."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from shared.domain.nutrition import per_100_factor
from shared.schemas.products import SearchItem, per_100
from shared.search import products as product_search


def _search_item(row: Row[Any]) -> SearchItem:
    factor = (
        per_100_factor(row.base_amount, row.base_unit, row.gram_weight)
        if row.base_amount is not None
        else None
    )

    def scaled(value: Decimal | None) -> float | None:
        return None if factor is None or value is None else per_100(value * factor)

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
    return [_search_item(row) for row in product_search.search(session, device_id, q, limit)]
