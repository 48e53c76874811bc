"""Portions of one device's products.

Callers hold the device row lock (every write request takes it first, `shared.db.freshness`), so
the state read here is current: under READ COMMITTED each statement after the lock sees every
write committed before it, and no other write of this device can interleave.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CTE, Row, and_, bindparam, func, literal, select, update
from sqlalchemy.orm import Session, aliased

from shared.models import FoodEntry, Product, ProductPortion
from shared.repositories.common import after, core_rows, guarded_insert, soft_deleting


def _default_of(product_id: Any) -> Any:
    """The live default portion's id of `product_id` (a column or a value), as a subquery."""
    sibling = aliased(ProductPortion)
    return (
        select(sibling.id)
        .where(sibling.product_id == product_id, sibling.is_default, sibling.deleted_at.is_(None))
        .scalar_subquery()
    )


def for_create(
    session: Session, device_id: uuid.UUID, product_id: uuid.UUID, portion_id: uuid.UUID | None
) -> tuple[uuid.UUID | None, ProductPortion | None] | None:
    """In one statement: None when the product is not live and mine, else its live default
    portion's id and the row that already holds the client id, if any."""
    default_id = _default_of(Product.id).correlate(Product).label("default_id")
    live_product = (
        Product.id == product_id,
        Product.device_id == device_id,
        Product.deleted_at.is_(None),
    )
    if portion_id is None:
        found = session.execute(select(default_id).where(*live_product)).one_or_none()
        return None if found is None else (found.default_id, None)
    holder = aliased(ProductPortion)
    statement = (
        select(default_id, holder)
        .select_from(Product)
        .outerjoin(holder, holder.id == portion_id)
        .where(*live_product)
        .execution_options(populate_existing=True)
    )
    row = session.execute(statement).one_or_none()
    return None if row is None else (row.default_id, row[1])


@dataclass(frozen=True)
class PortionState:
    """A portion as of now with what a change to it must respect."""

    portion: ProductPortion
    default_id: uuid.UUID | None
    successor_id: uuid.UUID | None
    entry_units: frozenset[str]


def state(
    session: Session, device_id: uuid.UUID, portion_id: uuid.UUID, *, entry_units: bool = False
) -> PortionState | None:
    """This device's portion (live or not) with its product's live default, the oldest other
    live portion (the successor if it is deleted while default) and, when asked, the units of
    its live diary entries; one statement."""
    other = aliased(ProductPortion)
    successor = (
        select(other.id)
        .where(
            other.product_id == ProductPortion.product_id,
            other.id != ProductPortion.id,
            other.deleted_at.is_(None),
        )
        .order_by(other.created_at, other.id)
        .limit(1)
        .correlate(ProductPortion)
        .scalar_subquery()
    )
    units = (
        select(func.array_agg(FoodEntry.unit.distinct()))
        .where(FoodEntry.portion_id == ProductPortion.id, FoodEntry.deleted_at.is_(None))
        .correlate(ProductPortion)
        .scalar_subquery()
        if entry_units
        else literal(None)
    )
    statement = (
        select(
            ProductPortion,
            _default_of(ProductPortion.product_id).correlate(ProductPortion).label("default_id"),
            successor.label("successor_id"),
            units.label("entry_units"),
        )
        .where(ProductPortion.id == portion_id, ProductPortion.device_id == device_id)
        .execution_options(populate_existing=True)
    )
    row = session.execute(statement).one_or_none()
    if row is None:
        return None
    return PortionState(row[0], row.default_id, row.successor_id, frozenset(row.entry_units or ()))


def list_for_product(
    session: Session, device_id: uuid.UUID, product_id: uuid.UUID
) -> list[Row[Any]] | None:
    """Live portions, default first then by label; None when the product is not live and mine.
    One statement: the product outer-joined to its portions (plain rows, `core_rows`)."""
    rows = core_rows(session, _PRODUCT_PORTIONS, {"device_id": device_id, "product_id": product_id})
    if not rows:
        return None
    return [row for row in rows if row.id is not None]


def un_default(portion_id: uuid.UUID, *, delete: bool = False) -> CTE:
    """A CTE clearing the portion's default flag (and soft-deleting it when `delete`), to run
    before the statement that makes its successor the default (`common.after`)."""
    values: dict[str, Any] = {"is_default": False, "updated_at": func.now()}
    if delete:
        values["deleted_at"] = func.now()
    return (
        update(ProductPortion)
        .where(ProductPortion.id == portion_id)
        .values(**values)
        .returning(ProductPortion.id)
        .cte("un_default")
    )


def insert(
    session: Session,
    device_id: uuid.UUID,
    values: dict[str, Any],
    replacing_default: uuid.UUID | None = None,
) -> ProductPortion | None:
    """The new portion, or None when its id is taken (or the device was revoked). With
    `replacing_default`, that portion stops being the default in the same statement."""
    row = {"device_id": device_id, **values}
    if replacing_default is None:
        statement = guarded_insert(ProductPortion, device_id, row)
    else:
        cleared = un_default(replacing_default)
        statement = guarded_insert(ProductPortion, device_id, row, after(cleared)).add_cte(cleared)
    return session.scalars(statement).one_or_none()


_PRODUCT_PORTIONS = (
    select(Product.id.label("live_product"), ProductPortion.__table__)
    .outerjoin(
        ProductPortion,
        and_(ProductPortion.product_id == Product.id, ProductPortion.deleted_at.is_(None)),
    )
    .where(Product.id == bindparam("product_id"), Product.device_id == bindparam("device_id"))
    .where(Product.deleted_at.is_(None))
    .order_by(ProductPortion.is_default.desc(), func.lower(ProductPortion.label), ProductPortion.id)
)


def soft_delete(session: Session, portion_id: uuid.UUID) -> None:
    """Soft-delete one portion that is not its product's default (the caller checked)."""
    session.execute(soft_deleting(ProductPortion, ProductPortion.id == portion_id))
