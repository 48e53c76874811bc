"""Body weights: one live weight per device and day, and the weight chart.

The partial unique index `uq_body_weights_device_day_live` is the arbiter of "one per day": the
insert is `ON CONFLICT DO NOTHING`, so of several concurrent posts for one day exactly one
inserts and the others wait for it to commit, then find its row (READ COMMITTED: a fresh snapshot
per statement). The same weight again is the app's offline queue re-posting: 200 with that row.
A different weight is 409, and the app then lists that day and PATCHes the row.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from shared.domain.days import days_between
from shared.domain.errors import ConflictError
from shared.models import BodyWeight
from shared.repositories import weights
from shared.repositories.common import (
    changed_fields,
    get_owned,
    require_live,
    soft_delete,
    update_returning,
)
from shared.schemas.weights import (
    WeightCreate,
    WeightOut,
    WeightPatch,
    WeightPoint,
    WeightStats,
)
from shared.services.client_ids import create_or_replay
from shared.services.outcomes import Created

ID_TAKEN = "A body weight with this id already exists."
DAY_TAKEN = "Weight for this day already exists."
NOT_FOUND = "Body weight not found"


def _out(weight: BodyWeight | Row[Any]) -> WeightOut:
    return WeightOut.model_validate(weight)


def create(session: Session, device_id: uuid.UUID, body: WeightCreate) -> Created[WeightOut]:
    def same_day() -> Created[BodyWeight] | None:
        existing = weights.live_on(session, device_id, body.day)
        if existing is None:
            return None
        if existing.weight_kg != body.weight_kg:
            raise ConflictError(DAY_TAKEN)
        return Created(existing, created=False)

    values = body.model_dump(exclude_none=True)
    outcome = create_or_replay(
        session,
        BodyWeight,
        device_id,
        body.id,
        ID_TAKEN,
        lambda: weights.insert(session, device_id, values),
        on_other_conflict=same_day,
    )
    return outcome.map(_out)


def list_live(
    session: Session, device_id: uuid.UUID, start: date | None, end: date | None
) -> list[WeightOut]:
    return [_out(w) for w in weights.list_live(session, device_id, start, end)]


def _live(session: Session, device_id: uuid.UUID, weight_id: uuid.UUID) -> BodyWeight:
    return require_live(get_owned(session, BodyWeight, device_id, weight_id), NOT_FOUND)


def get(session: Session, device_id: uuid.UUID, weight_id: uuid.UUID) -> WeightOut:
    return _out(_live(session, device_id, weight_id))


def patch(
    session: Session, device_id: uuid.UUID, weight_id: uuid.UUID, body: WeightPatch
) -> WeightOut:
    weight = _live(session, device_id, weight_id)
    changes = changed_fields(weight, {"weight_kg": body.weight_kg})
    if not changes:
        return _out(weight)
    return _out(update_returning(session, BodyWeight, weight.id, changes))


def delete(session: Session, device_id: uuid.UUID, weight_id: uuid.UUID) -> None:
    """Soft-delete the weight (its day is free again); repeating it is fine."""
    soft_delete(session, BodyWeight, device_id, weight_id, NOT_FOUND)


def chart(session: Session, device_id: uuid.UUID, start: date, end: date) -> WeightStats:
    """Live weights in the range, oldest first, without zero fill (days with no weigh-in are
    simply absent)."""
    days_between(start, end)
    points = [
        WeightPoint(day=w.day, weight_kg=w.weight_kg)
        for w in weights.list_live(session, device_id, start, end)
    ]
    return WeightStats(from_day=start, to_day=end, points=points)
