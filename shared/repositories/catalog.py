"""The global catalog: listing by name, one product with its portions, lookup by barcode.
Each read is one statement (the default portion is joined, never fetched per product)."""

from __future__ import annotations

import uuid

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Select,
    String,
    and_,
    any_,
    bindparam,
    case,
    func,
    select,
)
from sqlalchemy.orm import Session

from shared.models import CatalogPortion, CatalogProduct

# A catalog product's default portion, joined where a product is listed with its per-100 figures.
DEFAULT_PORTION = and_(
    CatalogPortion.catalog_product_id == CatalogProduct.id, CatalogPortion.is_default
)


def list_by_name(
    session: Session, limit: int, offset: int
) -> list[tuple[CatalogProduct, CatalogPortion | None]]:
    """A page of the catalog by display name, each product with its default portion (a search's
    page is `shared.search.catalog_page`)."""
    statement = (
        select(CatalogProduct, CatalogPortion)
        .outerjoin(CatalogPortion, DEFAULT_PORTION)
        .order_by(CatalogProduct.display_name, CatalogProduct.id)
        .limit(limit)
        .offset(offset)
    )
    return [(product, portion) for product, portion in session.execute(statement)]


def _with_portions_statement(which: ColumnElement[bool]) -> Select[CatalogProduct, CatalogPortion]:
    return (
        select(CatalogProduct, CatalogPortion)
        .outerjoin(CatalogPortion, CatalogPortion.catalog_product_id == CatalogProduct.id)
        .where(which)
        .order_by(CatalogPortion.is_default.desc(), CatalogPortion.label, CatalogPortion.id)
    )


def _with_portions(
    session: Session, statement: Select[CatalogProduct, CatalogPortion], params: dict[str, object]
) -> tuple[CatalogProduct, list[CatalogPortion]] | None:
    rows = session.execute(statement, params).all()
    if not rows:
        return None
    return rows[0][0], [portion for _, portion in rows if portion is not None]


# Built once: the lookups run on every scan, and building a statement costs more than its SQL.
_BY_ID = _with_portions_statement(CatalogProduct.id == bindparam("product_id"))

# When two sources hold one code, the lookup answers one product: the code scanned before its
# UPC-E expansion, then Open Food Facts (its record is the package the code is printed on, kept
# current by the people scanning it) before USDA Branded, then the most scanned, then by id.
_CANDIDATES = bindparam("candidates", type_=ARRAY(String))
_FIRST_BY_BARCODE = (
    select(CatalogProduct.id)
    .where(CatalogProduct.barcode == any_(_CANDIDATES))
    .order_by(
        func.array_position(_CANDIDATES, CatalogProduct.barcode),
        case((CatalogProduct.source == "off", 0), (CatalogProduct.source == "usda", 1), else_=2),
        CatalogProduct.popularity.desc(),
        CatalogProduct.id,
    )
    .limit(1)
    .scalar_subquery()
)
_BY_BARCODE = _with_portions_statement(CatalogProduct.id == _FIRST_BY_BARCODE)


def get_with_portions(
    session: Session, product_id: uuid.UUID
) -> tuple[CatalogProduct, list[CatalogPortion]] | None:
    return _with_portions(session, _BY_ID, {"product_id": product_id})


def by_barcode_with_portions(
    session: Session, candidates: list[str]
) -> tuple[CatalogProduct, list[CatalogPortion]] | None:
    """The one product answering a scan, by the normal forms of the scanned code in order of
    preference (`shared.domain.barcodes.lookup_candidates`), with its portions."""
    return _with_portions(session, _BY_BARCODE, {"candidates": candidates})
