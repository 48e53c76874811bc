"""Portions of one device's products."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session, aliased

from shared.models import FoodEntry, Product, ProductPortion
from shared.repositories.common import guarded_insert


def lock_product(session: Session, device_id: uuid.UUID, product_id: uuid.UUID) -> bool:
    """Lock this device's live product for a portion change (False when not live/mine).

    The lock serialises default switches per product. Read the portions only after it, in a
    later statement: under READ COMMITTED a statement that waited for a lock still sees the
    snapshot it started with, so a default read in the same statement could be stale.
    """
    statement = (
        select(Product.id)
        .where(Product.id == product_id, Product.device_id == device_id)
        .where(Product.deleted_at.is_(None))
        .with_for_update()
    )
    return session.execute(statement).first() is not None


def lock_product_of(session: Session, device_id: uuid.UUID, portion_id: uuid.UUID) -> bool:
    """Lock the live product that owns this device's portion (False when there is none)."""
    statement = (
        select(Product.id)
        .join(ProductPortion, ProductPortion.product_id == Product.id)
        .where(ProductPortion.id == portion_id, ProductPortion.device_id == device_id)
        .where(Product.deleted_at.is_(None))
        .with_for_update(of=Product)
    )
    return session.execute(statement).first() is not None


def default_of(session: Session, product_id: uuid.UUID) -> uuid.UUID | None:
    """The product's live default portion id, as of now."""
    statement = select(ProductPortion.id).where(
        ProductPortion.product_id == product_id,
        ProductPortion.is_default,
        ProductPortion.deleted_at.is_(None),
    )
    return session.scalars(statement).one_or_none()


def with_default(
    session: Session, device_id: uuid.UUID, portion_id: uuid.UUID
) -> tuple[ProductPortion, uuid.UUID | None] | None:
    """This device's portion as of now (refreshing any copy already loaded), with the id of
    its product's live default portion."""
    sibling = aliased(ProductPortion)
    default_id = (
        select(sibling.id)
        .where(
            sibling.product_id == ProductPortion.product_id,
            sibling.is_default,
            sibling.deleted_at.is_(None),
        )
        .correlate(ProductPortion)
        .scalar_subquery()
    )
    statement = (
        select(ProductPortion, default_id)
        .where(ProductPortion.id == portion_id, ProductPortion.device_id == device_id)
        .execution_options(populate_existing=True)
    )
    row = session.execute(statement).one_or_none()
    return None if row is None else (row[0], row[1])


def get_any(session: Session, portion_id: uuid.UUID) -> ProductPortion | None:
    """The portion with this id on any device (to answer replays and id collisions)."""
    return session.get(ProductPortion, portion_id)


def list_for_product(
    session: Session, device_id: uuid.UUID, product_id: uuid.UUID
) -> list[ProductPortion] | None:
    """Live portions, default first then by label; None when the product is not live and mine.
    One statement: the product outer-joined to its portions."""
    statement = (
        select(Product.id, ProductPortion)
        .outerjoin(
            ProductPortion,
            and_(ProductPortion.product_id == Product.id, ProductPortion.deleted_at.is_(None)),
        )
        .where(Product.id == product_id, Product.device_id == device_id)
        .where(Product.deleted_at.is_(None))
        .order_by(
            ProductPortion.is_default.desc(), func.lower(ProductPortion.label), ProductPortion.id
        )
    )
    rows = session.execute(statement).all()
    if not rows:
        return None
    return [portion for _, portion in rows if portion is not None]


def insert(session: Session, device_id: uuid.UUID, values: dict[str, Any]) -> ProductPortion | None:
    statement = guarded_insert(ProductPortion, device_id, {"device_id": device_id, **values})
    return session.scalars(statement).one_or_none()


def clear_default(session: Session, portion_id: uuid.UUID) -> None:
    session.execute(
        update(ProductPortion)
        .where(ProductPortion.id == portion_id)
        .values(is_default=False, updated_at=func.now())
        .execution_options(synchronize_session=False)
    )


def oldest_other_live(
    session: Session, product_id: uuid.UUID, excluding: uuid.UUID
) -> ProductPortion | None:
    statement = (
        select(ProductPortion)
        .where(
            ProductPortion.product_id == product_id,
            ProductPortion.id != excluding,
            ProductPortion.deleted_at.is_(None),
        )
        .order_by(ProductPortion.created_at, ProductPortion.id)
        .limit(1)
    )
    return session.scalars(statement).one_or_none()


def units_of_live_entries(session: Session, portion_id: uuid.UUID) -> set[str]:
    """The units the portion's live diary entries are measured in."""
    statement = (
        select(FoodEntry.unit)
        .where(FoodEntry.portion_id == portion_id, FoodEntry.deleted_at.is_(None))
        .distinct()
    )
    return set(session.scalars(statement))
