"""What changed in one device's data, in feed order, and all of its live rows."""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy import literal, select, tuple_
from sqlalchemy.orm import Session

from shared.models import Base
from shared.sync_cursor import Position

RowT = TypeVar("RowT", bound=Base)


def changed_after(
    session: Session, model: type[RowT], device_id: uuid.UUID, after: Position | None, limit: int
) -> list[RowT]:
    """Up to `limit` rows (tombstones included) after `after` in `(change_seq, id)` order; one
    statement on the `(device_id, change_seq, id)` index."""
    statement = select(model).where(model.device_id == device_id)  # type: ignore[attr-defined]
    if after is not None:
        position = tuple_(model.change_seq, model.id)  # type: ignore[attr-defined]
        statement = statement.where(position > tuple_(literal(after.change_seq), literal(after.id)))
    statement = statement.order_by(model.change_seq, model.id).limit(limit)  # type: ignore[attr-defined]
    return list(session.scalars(statement))


def live(session: Session, model: type[RowT], device_id: uuid.UUID) -> list[RowT]:
    """Every live row of the device, oldest first."""
    statement = (
        select(model)
        .where(model.device_id == device_id, model.deleted_at.is_(None))  # type: ignore[attr-defined]
        .order_by(model.created_at, model.id)  # type: ignore[attr-defined]
    )
    return list(session.scalars(statement))
