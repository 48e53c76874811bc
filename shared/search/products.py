"""Product search across the device's own products and the catalog, in one statement."""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

from sqlalchemy import (
    Integer,
    Row,
    Select,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Session

from shared.models import CatalogPortion, CatalogProduct, Product
from shared.repositories.catalog import DEFAULT_PORTION
from shared.repositories.common import contains_pattern, escape_like
from shared.search import tiers

# What catalog rows carry and user rows leave null: the name shown and the default portion.
_CATALOG_ONLY = (
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


@cache
def _statement() -> Select[Any]:
    """The search statement, built once (building it took about 4 ms a search); `search` binds
    the device, the query's patterns, the limit and the tiers' parameters."""
    limit = bindparam("limit", type_=Integer)
    starts_with = case((Product.name.ilike(bindparam("own_prefix")), 0), else_=1)
    user = (
        select(
            Product.id,
            Product.name,
            literal("user").label("source"),
            literal(0).label("source_rank"),
            starts_with.label("tier"),
            literal(0).label("popularity"),
            literal(0).label("name_length"),
            func.lower(Product.name).label("sort_name"),
            *(cast(null(), column.type).label(column.key) for column in _CATALOG_ONLY),
        )
        .where(
            Product.device_id == bindparam("device_id", type_=UUID(as_uuid=True)),
            Product.deleted_at.is_(None),
            Product.name.ilike(bindparam("own_contains")),
        )
        .order_by(starts_with, func.lower(Product.name), Product.id)
        .limit(limit)
        .subquery()
    )
    hits = tiers.HITS
    catalog = (
        select(
            CatalogProduct.id,
            CatalogProduct.name,
            literal("catalog").label("source"),
            literal(1).label("source_rank"),
            hits.c.tier,
            CatalogProduct.popularity,
            func.length(CatalogProduct.search_name).label("name_length"),
            CatalogProduct.search_name.label("sort_name"),
            *_CATALOG_ONLY,
        )
        .select_from(hits)
        .join(CatalogProduct, CatalogProduct.id == hits.c.id)
        .outerjoin(CatalogPortion, DEFAULT_PORTION)
    )
    found = union_all(select(user), catalog).subquery()
    return (
        select(found)
        .order_by(
            found.c.source_rank,
            found.c.tier,
            *tiers.in_tier_order(
                found.c.popularity, found.c.name_length, found.c.sort_name, found.c.id
            ),
        )
        .limit(limit)
    )


def search(session: Session, device_id: uuid.UUID, q: str, limit: int) -> list[Row[Any]]:
    """The device's own matching products first (names starting with `q`, then the rest, each
    alphabetical), then catalog products in the engine's tiers (`tiers`), each with its
    default portion for the per-100 g figures."""
    params = {
        **tiers.parameters(q, limit),
        "device_id": device_id,
        "own_prefix": escape_like(q) + "%",
        "own_contains": contains_pattern(q),
        "limit": limit,
    }
    return list(session.execute(_statement(), params))
