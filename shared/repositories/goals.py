"""Goals of one device (at most one live)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from shared.models import UserGoal
from shared.repositories.common import after, core_rows, guarded_insert, soft_deleting


def current(session: Session, device_id: uuid.UUID) -> Row[Any] | None:
    """The live goal as a plain row (`core_rows`), or None."""
    rows = core_rows(session, _CURRENT, {"device_id": device_id})
    return rows[0] if rows else None


_CURRENT = select(UserGoal.__table__).where(
    UserGoal.device_id == bindparam("device_id"), UserGoal.deleted_at.is_(None)
)


def replace_live(session: Session, device_id: uuid.UUID, values: dict[str, Any]) -> UserGoal | None:
    """Retire the device's live goal and insert the new one, in one statement (the caller holds
    the device lock). None when the new goal's id is taken (or the device was revoked); the
    caller then raises, so the retirement is rolled back with the transaction."""
    retired = (
        soft_deleting(UserGoal, UserGoal.device_id == device_id)
        .returning(UserGoal.id)
        .cte("retired")
    )
    statement = guarded_insert(
        UserGoal, device_id, {"device_id": device_id, **values}, after(retired)
    ).add_cte(retired)
    return session.scalars(statement).one_or_none()
