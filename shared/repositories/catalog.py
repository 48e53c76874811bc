"""The global catalog: listing with search, one product with its portions, lookup by barcode.
Each read is one statement (the default portion is joined, never fetched per product)."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session

from shared.models import CatalogPortion, CatalogProduct
from shared.repositories import catalog_search


def list_with_default(
    session: Session, search: str | None, limit: int, offset: int
) -> list[tuple[CatalogProduct, CatalogPortion | None]]:
    """A page of the catalog with each product's default portion: by name, or with `search` in
    the search engine's order (`catalog_search`)."""
    statement: Select = select(CatalogProduct, CatalogPortion).outerjoin(
        CatalogPortion,
        and_(CatalogPortion.catalog_product_id == CatalogProduct.id, CatalogPortion.is_default),
    )
    if search:
        hits = catalog_search.matches(search, limit + offset)
        statement = statement.join(hits, hits.c.id == CatalogProduct.id).order_by(
            hits.c.tier,
            CatalogProduct.popularity.desc(),
            func.length(CatalogProduct.search_name),
            CatalogProduct.search_name,
            CatalogProduct.id,
        )
    else:
        statement = statement.order_by(CatalogProduct.display_name, CatalogProduct.id)
    statement = statement.limit(limit).offset(offset)
    return [(product, portion) for product, portion in session.execute(statement)]


def _with_portions(
    session: Session, which: ColumnElement[bool]
) -> tuple[CatalogProduct, list[CatalogPortion]] | None:
    statement = (
        select(CatalogProduct, CatalogPortion)
        .outerjoin(CatalogPortion, CatalogPortion.catalog_product_id == CatalogProduct.id)
        .where(which)
        .order_by(CatalogPortion.is_default.desc(), CatalogPortion.label, CatalogPortion.id)
    )
    rows = session.execute(statement).all()
    if not rows:
        return None
    return rows[0][0], [portion for _, portion in rows if portion is not None]


def get_with_portions(
    session: Session, product_id: uuid.UUID
) -> tuple[CatalogProduct, list[CatalogPortion]] | None:
    return _with_portions(session, CatalogProduct.id == product_id)


# When two sources hold one code, the lookup answers one product: the code scanned before its
# UPC-E expansion, then Open Food Facts (its record is the package the code is printed on, kept
# current by the people scanning it) before USDA Branded, then the most scanned, then by id.
_SOURCE_PREFERENCE = case(
    (CatalogProduct.source == "off", 0), (CatalogProduct.source == "usda", 1), else_=2
)


def by_barcode_with_portions(
    session: Session, candidates: list[str]
) -> tuple[CatalogProduct, list[CatalogPortion]] | None:
    """The one product answering a scan, by the normal forms of the scanned code in order of
    preference (`shared.domain.barcodes.lookup_candidates`), with its portions."""
    preference = case(
        *((CatalogProduct.barcode == code, rank) for rank, code in enumerate(candidates)),
        else_=len(candidates),
    )
    first = (
        select(CatalogProduct.id)
        .where(CatalogProduct.barcode.in_(candidates))
        .order_by(
            preference, _SOURCE_PREFERENCE, CatalogProduct.popularity.desc(), CatalogProduct.id
        )
        .limit(1)
        .scalar_subquery()
    )
    return _with_portions(session, CatalogProduct.id == first)
