"""Products: create with idempotent replay and barcode de-duplication, read, patch, delete."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from shared.domain.errors import ConflictError, DeviceRevokedError
from shared.models import Product
from shared.repositories import products
from shared.repositories.common import (
    changed_fields,
    constraint_errors,
    get_owned,
    require_live,
    soft_delete,
    update_returning,
)
from shared.schemas.products import ProductCreate, ProductOut, ProductPatch
from shared.services.client_ids import replayed
from shared.services.outcomes import Created

ID_TAKEN = "A product with this id already exists."
BARCODE_TAKEN = "Another product already has this barcode."
PRODUCT_NOT_FOUND = "Product not found"


def _out(product: Product | Row[Any]) -> ProductOut:
    return ProductOut.model_validate(product)


def _resolve_existing(
    rows: list[Product], device_id: uuid.UUID, body: ProductCreate
) -> Created[ProductOut] | None:
    """Apply the create rules to rows that already exist: a replay of this device's live id is
    200; an id that is deleted or another device's is 409; a live barcode match is returned."""
    by_id = next((p for p in rows if body.id is not None and p.id == body.id), None)
    if (replay := replayed(by_id, device_id, ID_TAKEN)) is not None:
        return Created(_out(replay), created=False)
    by_barcode = next((p for p in rows if p.barcode == body.barcode), None)
    if by_barcode is not None:
        return Created(_out(by_barcode), created=True)
    return None


def create(session: Session, device_id: uuid.UUID, body: ProductCreate) -> Created[ProductOut]:
    existing = products.find_for_create(session, device_id, body.id, body.barcode)
    if (found := _resolve_existing(existing, device_id, body)) is not None:
        return found
    values = {"name": body.name, "barcode": body.barcode}
    if body.id is not None:
        values["id"] = body.id
    inserted = products.insert(session, device_id, values)
    if inserted is not None:
        return Created(_out(inserted), created=True)
    # Nothing inserted: a concurrent request took the id or barcode, or the device was revoked.
    raced = products.find_for_create(session, device_id, body.id, body.barcode)
    if (found := _resolve_existing(raced, device_id, body)) is not None:
        return found
    raise DeviceRevokedError()


def list_live(
    session: Session, device_id: uuid.UUID, limit: int | None, offset: int
) -> list[ProductOut]:
    return [_out(p) for p in products.list_live(session, device_id, limit, offset)]


def _live(session: Session, device_id: uuid.UUID, product_id: uuid.UUID) -> Product:
    return require_live(get_owned(session, Product, device_id, product_id), PRODUCT_NOT_FOUND)


def get(session: Session, device_id: uuid.UUID, product_id: uuid.UUID) -> ProductOut:
    return _out(_live(session, device_id, product_id))


def patch(
    session: Session, device_id: uuid.UUID, product_id: uuid.UUID, body: ProductPatch
) -> ProductOut:
    product = _live(session, device_id, product_id)
    changes = changed_fields(product, body.changes())
    if not changes:
        return _out(product)
    with constraint_errors({"uq_products_device_barcode_live": ConflictError(BARCODE_TAKEN)}):
        return _out(update_returning(session, Product, product.id, changes))


def delete(session: Session, device_id: uuid.UUID, product_id: uuid.UUID) -> None:
    """Soft-delete the product and its portions; repeating it is fine. Entries stay untouched."""
    if soft_delete(session, Product, device_id, product_id, PRODUCT_NOT_FOUND):
        products.soft_delete_portions(session, product_id)


def name_available(session: Session, device_id: uuid.UUID, name: str) -> bool:
    return not products.name_taken(session, device_id, name)
