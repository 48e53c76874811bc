"""Body weights of one device (at most one live per day)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.models import BodyWeight
from shared.repositories.common import guarded_insert


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
) -> list[BodyWeight]:
    """Live weights, oldest day first, within the inclusive bounds given."""
    statement = select(BodyWeight).where(
        BodyWeight.device_id == device_id, BodyWeight.deleted_at.is_(None)
    )
    if start is not None:
        statement = statement.where(BodyWeight.day >= start)
    if end is not None:
        statement = statement.where(BodyWeight.day <= end)
    return list(session.scalars(statement.order_by(BodyWeight.day)))
