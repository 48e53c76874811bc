"""Food diary entries of one device, and the portions they may reference."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shared.models import FoodEntry, Product, ProductPortion
from shared.repositories.common import guarded_insert


def live_portion_base_unit(
    session: Session, device_id: uuid.UUID, product_id: uuid.UUID, portion_id: uuid.UUID
) -> str | None:
    """The base unit of a live portion of this device's live product, or None when the pair
    is not usable for a new or re-pointed entry."""
    statement = (
        select(ProductPortion.base_unit)
        .join(Product, Product.id == ProductPortion.product_id)
        .where(
            ProductPortion.id == portion_id,
            ProductPortion.product_id == product_id,
            ProductPortion.device_id == device_id,
            ProductPortion.deleted_at.is_(None),
            Product.deleted_at.is_(None),
        )
    )
    return session.scalar(statement)


def portion_base_unit(session: Session, portion_id: uuid.UUID) -> str:
    """The base unit of the portion an entry references, deleted or not."""
    return session.scalars(
        select(ProductPortion.base_unit).where(ProductPortion.id == portion_id)
    ).one()


def insert(session: Session, device_id: uuid.UUID, values: dict[str, Any]) -> FoodEntry | None:
    statement = guarded_insert(FoodEntry, device_id, {"device_id": device_id, **values})
    return session.scalars(statement).one_or_none()


def list_live(
    session: Session,
    device_id: uuid.UUID,
    *,
    days: tuple[date | None, date | None, date | None],
    limit: int | None,
    offset: int,
) -> list[FoodEntry]:
    """Live entries, newest day first, then newest first; `days` is (exact day, from, to)."""
    exact, start, end = days
    statement = select(FoodEntry).where(
        FoodEntry.device_id == device_id, FoodEntry.deleted_at.is_(None)
    )
    if exact is not None:
        statement = statement.where(FoodEntry.day == exact)
    if start is not None:
        statement = statement.where(FoodEntry.day >= start)
    if end is not None:
        statement = statement.where(FoodEntry.day <= end)
    statement = statement.order_by(
        FoodEntry.day.desc(), FoodEntry.created_at.desc(), FoodEntry.id.desc()
    )
    return list(session.scalars(statement.limit(limit).offset(offset)))


def soft_delete_all(session: Session, device_id: uuid.UUID) -> None:
    session.execute(
        update(FoodEntry)
        .where(FoodEntry.device_id == device_id, FoodEntry.deleted_at.is_(None))
        .values(deleted_at=func.now(), updated_at=func.now())
        .execution_options(synchronize_session=False)
    )
