"""Products: create with idempotent replay and barcode de-duplication, read, patch, delete."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from shared.domain.errors import ConflictError
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
from shared.services.client_ids import insert_or_replay, replayed
from shared.services.outcomes import Created

ID_TAKEN = "A product with this id already exists."
BARCODE_TAKEN = "Another product already has this barcode."
PRODUCT_NOT_FOUND = "Product not found"


def _out(product: Product | Row[Any]) -> ProductOut:
    return ProductOut.model_validate(product)


def _live_with_barcode(rows: list[Product], barcode: str | None) -> Product | None:
    """This device's live product with `barcode` among the rows `find_for_create` returned."""
    return next((p for p in rows if barcode is not None and p.barcode == barcode), None)


def create(session: Session, device_id: uuid.UUID, body: ProductCreate) -> Created[ProductOut]:
    """Create with the shared replay rules (`client_ids`); a live product of this device with the
    same barcode is answered instead of a duplicate (201, as the reference does)."""
    existing = products.find_for_create(session, device_id, body.id, body.barcode)
    by_id = next((p for p in existing if body.id is not None and p.id == body.id), None)
    if (replay := replayed(by_id, device_id, ID_TAKEN)) is not None:
        return Created(_out(replay), created=False)
    if (same_barcode := _live_with_barcode(existing, body.barcode)) is not None:
        return Created(_out(same_barcode), created=True)
    values: dict[str, Any] = {"name": body.name, "barcode": body.barcode}
    if body.id is not None:
        values["id"] = body.id

    def barcode_taken_meanwhile() -> Created[Product] | None:
        raced = products.find_for_create(session, device_id, None, body.barcode)
        found = _live_with_barcode(raced, body.barcode)
        return None if found is None else Created(found, created=True)

    outcome = insert_or_replay(
        session,
        Product,
        device_id,
        body.id,
        ID_TAKEN,
        lambda: products.insert(session, device_id, values),
        barcode_taken_meanwhile,
    )
    return outcome.map(_out)


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
