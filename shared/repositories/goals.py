"""Goals of one device (at most one live)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shared.models import UserGoal
from shared.repositories.common import guarded_insert


def current(session: Session, device_id: uuid.UUID) -> UserGoal | None:
    statement = select(UserGoal).where(
        UserGoal.device_id == device_id, UserGoal.deleted_at.is_(None)
    )
    return session.scalars(statement).one_or_none()


def retire_live(session: Session, device_id: uuid.UUID) -> None:
    """Soft-delete the device's live goal (the caller holds the device lock)."""
    session.execute(
        update(UserGoal)
        .where(UserGoal.device_id == device_id, UserGoal.deleted_at.is_(None))
        .values(deleted_at=func.now(), updated_at=func.now())
        .execution_options(synchronize_session=False)
    )


def insert(session: Session, device_id: uuid.UUID, values: dict[str, Any]) -> UserGoal | None:
    """The new goal, or None when its id is taken (or the device was revoked)."""
    statement = guarded_insert(UserGoal, device_id, {"device_id": device_id, **values})
    return session.scalars(statement).one_or_none()
