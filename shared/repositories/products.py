"""Products of one device."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Integer, Row, bindparam, func, or_, select
from sqlalchemy.orm import Session

from shared.models import Product, ProductPortion
from shared.repositories.common import core_rows, guarded_insert, soft_deleting


def find_for_create(
    session: Session, device_id: uuid.UUID, product_id: uuid.UUID | None, barcode: str | None
) -> list[Product]:
    """Rows a create must respect: the row holding the requested id (on any device, deleted or
    not) and this device's live product with the requested barcode."""
    conditions = []
    if product_id is not None:
        conditions.append(Product.id == product_id)
    if barcode is not None:
        conditions.append(
            (Product.device_id == device_id)
            & (Product.barcode == barcode)
            & Product.deleted_at.is_(None)
        )
    if not conditions:
        return []
    return list(session.scalars(select(Product).where(or_(*conditions))))


def insert(session: Session, device_id: uuid.UUID, values: dict[str, Any]) -> Product | None:
    """The new product, or None on a conflicting id/barcode or a revoked device."""
    statement = guarded_insert(Product, device_id, {"device_id": device_id, **values})
    return session.scalars(statement).one_or_none()


def list_live(
    session: Session, device_id: uuid.UUID, limit: int | None, offset: int
) -> list[Row[Any]]:
    return core_rows(
        session, _LIVE_PRODUCTS, {"device_id": device_id, "limit": limit, "offset": offset}
    )


_LIVE_PRODUCTS = (
    select(Product.__table__)
    .where(Product.device_id == bindparam("device_id"), Product.deleted_at.is_(None))
    .order_by(func.lower(Product.name), Product.name, Product.id)
    .limit(bindparam("limit", type_=Integer))
    .offset(bindparam("offset", type_=Integer))
)


def name_taken(session: Session, device_id: uuid.UUID, name: str) -> bool:
    statement = select(
        select(Product.id)
        .where(
            Product.device_id == device_id,
            Product.deleted_at.is_(None),
            func.lower(func.btrim(Product.name)) == func.lower(func.btrim(name)),
        )
        .exists()
    )
    return bool(session.scalar(statement))


def soft_delete_portions(session: Session, product_id: uuid.UUID) -> None:
    session.execute(soft_deleting(ProductPortion, ProductPortion.product_id == product_id))
