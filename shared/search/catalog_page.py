"""A page of the catalog by a search (`GET /v1/catalog/products?search=`): the engine's tiers,
each product with its default portion, in one statement."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.orm import Session

from shared.models import CatalogPortion, CatalogProduct
from shared.repositories.catalog import DEFAULT_PORTION
from shared.search import tiers


@cache
def _page() -> Select[CatalogProduct, CatalogPortion]:
    """The statement, built once (building it took about 4 ms a search)."""
    hits = tiers.HITS
    return (
        select(CatalogProduct, CatalogPortion)
        .join(hits, hits.c.id == CatalogProduct.id)
        .outerjoin(CatalogPortion, DEFAULT_PORTION)
        .order_by(
            hits.c.tier,
            *tiers.in_tier_order(
                CatalogProduct.popularity,
                func.length(CatalogProduct.search_name),
                CatalogProduct.search_name,
                CatalogProduct.id,
            ),
        )
        .limit(bindparam("page_limit", type_=Integer))
        .offset(bindparam("page_offset", type_=Integer))
    )


def search_page(
    session: Session, search: str, limit: int, offset: int
) -> list[tuple[CatalogProduct, CatalogPortion | None]]:
    """The page at `offset` of the catalog products matching `search`, best tier first; every
    tier gathers `limit + offset` rows (the caller bounds `offset`: `tiers.MAX_SEARCH_OFFSET`)."""
    params = {**tiers.parameters(search, limit + offset), "page_limit": limit,
              "page_offset": offset}  # fmt: skip
    return [(product, portion) for product, portion in session.execute(_page(), params)]
