"""Product search across the device's own products and the catalog, in one statement."""

from __future__ import annotations

import uuid

from sqlalchemy import Row, and_, case, func, literal, null, select, union_all
from sqlalchemy.orm import Session

from shared.models import CatalogPortion, CatalogProduct, Product
from shared.repositories.catalog import substring_match
from shared.repositories.common import contains_pattern, escape_like


def search(session: Session, device_id: uuid.UUID, q: str, limit: int) -> list[Row]:
    """Matches ordered: names starting with `q` first, then the rest, each alphabetical, user
    products before catalog ones on ties. Catalog rows are ordered by display name (the field
    matched and shown) and carry their default portion for the per-100 g figures."""
    user = select(
        Product.id,
        Product.name,
        literal("user").label("source"),
        Product.name.label("sort_name"),
        literal(0).label("source_rank"),
        null().label("display_name"),
        null().label("brand"),
        null().label("base_amount"),
        null().label("base_unit"),
        null().label("gram_weight"),
        null().label("calories"),
        null().label("protein"),
        null().label("carbs"),
        null().label("fat"),
    ).where(
        Product.device_id == device_id,
        Product.deleted_at.is_(None),
        Product.name.ilike(contains_pattern(q)),
    )
    catalog = (
        select(
            CatalogProduct.id,
            CatalogProduct.name,
            literal("catalog").label("source"),
            CatalogProduct.display_name.label("sort_name"),
            literal(1).label("source_rank"),
            CatalogProduct.display_name,
            CatalogProduct.brand,
            CatalogPortion.base_amount,
            CatalogPortion.base_unit,
            CatalogPortion.gram_weight,
            CatalogPortion.calories,
            CatalogPortion.protein,
            CatalogPortion.carbs,
            CatalogPortion.fat,
        )
        .outerjoin(
            CatalogPortion,
            and_(CatalogPortion.catalog_product_id == CatalogProduct.id, CatalogPortion.is_default),
        )
        .where(substring_match(q))
    )
    matches = union_all(user, catalog).subquery()
    starts_with = case((matches.c.sort_name.ilike(escape_like(q) + "%"), 0), else_=1)
    statement = (
        select(matches)
        .order_by(
            starts_with,
            func.lower(matches.c.sort_name),
            matches.c.source_rank,
            matches.c.id,
        )
        .limit(limit)
    )
    return list(session.execute(statement))
