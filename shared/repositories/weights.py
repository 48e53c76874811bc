"""Body weights of one device (at most one live per day)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Date, Row, bindparam, or_, select
from sqlalchemy.orm import Session

from shared.models import BodyWeight
from shared.repositories.common import core_rows, guarded_insert


def insert(session: Session, device_id: uuid.UUID, values: dict[str, Any]) -> BodyWeight | None:
    """The new weight, or None when its id or its day is taken (or the device was revoked)."""
    statement = guarded_insert(BodyWeight, device_id, {"device_id": device_id, **values})
    return session.scalars(statement).one_or_none()


def live_on(session: Session, device_id: uuid.UUID, day: date) -> BodyWeight | None:
    statement = select(BodyWeight).where(
        BodyWeight.device_id == device_id, BodyWeight.day == day, BodyWeight.deleted_at.is_(None)
    )
    return session.scalars(statement.execution_options(populate_existing=True)).one_or_none()


def list_live(
    session: Session, device_id: uuid.UUID, start: date | None, end: date | None
) -> list[Row[Any]]:
    """Live weights, oldest day first, within the inclusive bounds given (plain rows,
    `core_rows`)."""
    return core_rows(session, _LIVE_WEIGHTS, {"device_id": device_id, "start": start, "end": end})


_START, _END = bindparam("start", type_=Date), bindparam("end", type_=Date)
_LIVE_WEIGHTS = (
    select(BodyWeight.__table__)
    .where(BodyWeight.device_id == bindparam("device_id"), BodyWeight.deleted_at.is_(None))
    .where(or_(_START.is_(None), BodyWeight.day >= _START))
    .where(or_(_END.is_(None), BodyWeight.day <= _END))
    .order_by(BodyWeight.day)
)
