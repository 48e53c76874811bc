"""Food diary entries of one device, and the portions they may reference."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    Row,
    ScalarSelect,
    bindparam,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.orm import Session

from shared.domain.days import DayFilter
from shared.models import FoodEntry, Product, ProductPortion
from shared.repositories.common import core_rows, guarded_insert, soft_deleting


def _live_portion_unit(
    device_id: uuid.UUID, product_id: Any, portion_id: uuid.UUID
) -> ScalarSelect[str]:
    """The base unit of a live portion of this device's live product (NULL when the pair is not
    usable for a new or re-pointed entry), as a scalar subquery."""
    return (
        select(ProductPortion.base_unit)
        .join(Product, Product.id == ProductPortion.product_id)
        .where(
            ProductPortion.id == portion_id,
            ProductPortion.product_id == product_id,
            ProductPortion.device_id == device_id,
            ProductPortion.deleted_at.is_(None),
            Product.deleted_at.is_(None),
        )
        .scalar_subquery()
    )


def create_probe(
    session: Session,
    device_id: uuid.UUID,
    product_id: uuid.UUID,
    portion_id: uuid.UUID,
    entry_id: uuid.UUID | None,
) -> tuple[str | None, FoodEntry | None]:
    """In one statement, what a create must know: the portion's base unit (None when the
    product/portion pair is not usable) and the row that already holds the client id, if any."""
    unit = _live_portion_unit(device_id, product_id, portion_id).label("base_unit")
    if entry_id is None:
        return session.scalar(select(unit)), None
    one_row = select(literal(1).label("one")).subquery()
    statement = (
        select(unit, FoodEntry)
        .select_from(one_row)
        .outerjoin(FoodEntry, FoodEntry.id == entry_id)
        .execution_options(populate_existing=True)
    )
    row = session.execute(statement).one()
    return row.base_unit, row.FoodEntry


def with_base_units(
    session: Session, device_id: uuid.UUID, entry_id: uuid.UUID, new_portion: uuid.UUID | None
) -> tuple[FoodEntry, str, str | None] | None:
    """This device's entry (live or not), the base unit of the portion it references (deleted
    or not), and the base unit of `new_portion` if that is usable for it; one statement."""
    current = (
        select(ProductPortion.base_unit)
        .where(ProductPortion.id == FoodEntry.portion_id)
        .correlate(FoodEntry)
        .scalar_subquery()
    )
    new = (
        _live_portion_unit(device_id, FoodEntry.product_id, new_portion).correlate(FoodEntry)
        if new_portion is not None
        else null()
    )
    statement = (
        select(FoodEntry, current.label("current"), new.label("new"))
        .where(FoodEntry.id == entry_id, FoodEntry.device_id == device_id)
        .execution_options(populate_existing=True)
    )
    row = session.execute(statement).one_or_none()
    return None if row is None else (row[0], row.current, row.new)


def insert(session: Session, device_id: uuid.UUID, values: dict[str, Any]) -> FoodEntry | None:
    statement = guarded_insert(FoodEntry, device_id, {"device_id": device_id, **values})
    return session.scalars(statement).one_or_none()


def list_live(
    session: Session,
    device_id: uuid.UUID,
    *,
    days: DayFilter,
    limit: int | None,
    offset: int,
) -> list[Row[Any]]:
    """Live entries of `days`, newest day first, then newest first."""
    params = {"device_id": device_id, "day": days.on, "start": days.start, "end": days.end}
    return core_rows(session, _LIVE_ENTRIES, {**params, "limit": limit, "offset": offset})


_DAY, _START, _END = (bindparam(name, type_=Date) for name in ("day", "start", "end"))
_LIVE_ENTRIES = (
    select(FoodEntry.__table__)
    .where(FoodEntry.device_id == bindparam("device_id"), FoodEntry.deleted_at.is_(None))
    .where(or_(_DAY.is_(None), FoodEntry.day == _DAY))
    .where(or_(_START.is_(None), FoodEntry.day >= _START))
    .where(or_(_END.is_(None), FoodEntry.day <= _END))
    .order_by(FoodEntry.day.desc(), FoodEntry.created_at.desc(), FoodEntry.id.desc())
    .limit(bindparam("limit", type_=Integer))
    .offset(bindparam("offset", type_=Integer))
)


def soft_delete_all(session: Session, device_id: uuid.UUID) -> None:
    session.execute(soft_deleting(FoodEntry, FoodEntry.device_id == device_id))
