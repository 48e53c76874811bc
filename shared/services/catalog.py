"""The read-only food catalog: listing, one product, lookup by barcode."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from shared.domain.barcodes import InvalidBarcodeError, lookup_candidates
from shared.domain.errors import InvalidValueError, NotFoundError
from shared.models import CatalogPortion, CatalogProduct
from shared.repositories import catalog
from shared.schemas.catalog import CatalogPortionOut, CatalogProductDetail, CatalogProductOut
from shared.search.catalog_page import search_page
from shared.search.tiers import MAX_SEARCH_OFFSET

_NOT_FOUND = "Catalog product not found"


def _fields(product: CatalogProduct) -> dict[str, object]:
    return {
        "id": product.id,
        "source": product.source,
        "source_id": product.source_id,
        "name": product.name,
        "display_name": product.display_name,
        "brand": product.brand,
        "barcode": product.barcode,
        "category": product.category,
    }


def _item(product: CatalogProduct, default: CatalogPortion | None) -> CatalogProductOut:
    portion = None if default is None else CatalogPortionOut.model_validate(default)
    return CatalogProductOut(**_fields(product), default_portion=portion)


def _detail(found: tuple[CatalogProduct, list[CatalogPortion]] | None) -> CatalogProductDetail:
    """Each portion validated once; the default is the same object in both places."""
    if found is None:
        raise NotFoundError(_NOT_FOUND)
    product, portions = found
    outs = [CatalogPortionOut.model_validate(p) for p in portions]
    default = next((out for out in outs if out.is_default), None)
    return CatalogProductDetail(**_fields(product), default_portion=default, portions=outs)


def list_products(
    session: Session, search_text: str | None, limit: int, offset: int
) -> list[CatalogProductOut]:
    """A page of the catalog; a search's pages end at `MAX_SEARCH_OFFSET` (each tier gathers
    `limit + offset` rows, so a deeper page would make the database gather without bound)."""
    if search_text is not None and offset > MAX_SEARCH_OFFSET:
        raise InvalidValueError("offset", f"with search, offset is at most {MAX_SEARCH_OFFSET}")
    rows = (
        catalog.list_by_name(session, limit, offset)
        if search_text is None
        else search_page(session, search_text, limit, offset)
    )
    return [_item(product, default) for product, default in rows]


def get(session: Session, product_id: uuid.UUID) -> CatalogProductDetail:
    return _detail(catalog.get_with_portions(session, product_id))


def by_barcode(session: Session, barcode: str) -> CatalogProductDetail:
    """The product a scanned code stands for; a code that is not a barcode finds nothing (404,
    as an unknown code: the app then asks Open Food Facts)."""
    try:
        candidates = lookup_candidates(barcode)
    except InvalidBarcodeError:
        raise NotFoundError(_NOT_FOUND) from None
    return _detail(catalog.by_barcode_with_portions(session, candidates))
