"""Goals: the calculator, creating a goal (which retires the previous one), reading, patching.

One live goal per device. Every write request starts by locking the device row (its freshness
check, `shared.db.freshness`); a create then retires the live goal and inserts the new one in the
same statement. The lock, not the partial unique index `uq_user_goals_one_live`, is the arbiter:
with the index alone the second of two concurrent creates would fail on the index and need a
retry loop, whereas behind the lock it simply waits, then (READ COMMITTED gives each statement a
fresh snapshot) sees and retires the first one's goal, so the later create wins and neither
answers 500. The lock also serialises a replay of one client id, so a retried create finds the
committed row instead of retiring it. The index stays as the last guard.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from shared.domain import goal_math
from shared.models import UserGoal
from shared.repositories import goals
from shared.repositories.common import (
    changed_fields,
    get_owned,
    require_live,
    soft_delete,
    update_returning,
)
from shared.schemas.goals import (
    CalculatedGoalCreate,
    CalculateRequest,
    GoalOut,
    GoalPatch,
    GoalPreview,
    ManualGoalCreate,
    utc_today,
)
from shared.services.client_ids import create_or_replay
from shared.services.outcomes import Created

ID_TAKEN = "A goal with this id already exists."
NOT_FOUND = "Goal not found"
PERCENT_FIELDS = ("protein_percent", "carbs_percent", "fat_percent")
GRAM_FIELDS = ("protein_grams", "carbs_grams", "fat_grams")


def _out(goal: UserGoal | Row[Any]) -> GoalOut:
    return GoalOut.model_validate(goal)


def preview(body: CalculateRequest) -> GoalPreview:
    """The calculator's figures for these metrics; nothing is stored."""
    return GoalPreview(**asdict(goal_math.calculate(body.metrics(), utc_today())))


def _grams(kcal: int, percents: tuple[int, int, int]) -> dict[str, int]:
    return dict(zip(GRAM_FIELDS, goal_math.macro_grams(kcal, percents), strict=True))


def _create(
    session: Session, device_id: uuid.UUID, goal_id: uuid.UUID | None, values: dict[str, Any]
) -> Created[GoalOut]:
    """Retire the live goal and insert this one; the device row is already locked."""
    if goal_id is not None:
        values = {"id": goal_id, **values}

    outcome = create_or_replay(
        session,
        UserGoal,
        device_id,
        goal_id,
        ID_TAKEN,
        lambda: goals.replace_live(session, device_id, values),
    )
    return outcome.map(_out)


def create_calculated(
    session: Session, device_id: uuid.UUID, body: CalculatedGoalCreate
) -> Created[GoalOut]:
    percents = (body.protein_percent, body.carbs_percent, body.fat_percent)
    figures = goal_math.calculate(body.metrics(), utc_today(), percents, body.water_ml)
    values = {
        "goal_type": "calculated",
        **body.model_dump(include=set(CalculateRequest.model_fields)),
        **asdict(figures),
    }
    return _create(session, device_id, body.id, values)


def create_manual(
    session: Session, device_id: uuid.UUID, body: ManualGoalCreate
) -> Created[GoalOut]:
    percents = (body.protein_percent, body.carbs_percent, body.fat_percent)
    goal_math.require_percent_sum(percents)
    values = {
        "goal_type": "manual",
        **body.model_dump(exclude={"id"}),
        **_grams(body.daily_calories_kcal, percents),
    }
    return _create(session, device_id, body.id, values)


def current(session: Session, device_id: uuid.UUID) -> GoalOut | None:
    goal = goals.current(session, device_id)
    return None if goal is None else _out(goal)


def _live(session: Session, device_id: uuid.UUID, goal_id: uuid.UUID) -> UserGoal:
    return require_live(get_owned(session, UserGoal, device_id, goal_id), NOT_FOUND)


def get(session: Session, device_id: uuid.UUID, goal_id: uuid.UUID) -> GoalOut:
    return _out(_live(session, device_id, goal_id))


def patch(session: Session, device_id: uuid.UUID, goal_id: uuid.UUID, body: GoalPatch) -> GoalOut:
    """Merge the targets, check the merged percents, and recompute the grams from them."""
    goal = _live(session, device_id, goal_id)
    sent = body.changes()
    protein, carbs, fat = (sent.get(f, getattr(goal, f)) for f in PERCENT_FIELDS)
    goal_math.require_percent_sum((protein, carbs, fat))
    kcal = sent.get("daily_calories_kcal", goal.daily_calories_kcal)
    changes = changed_fields(goal, {**sent, **_grams(kcal, (protein, carbs, fat))})
    if not changes:
        return _out(goal)
    return _out(update_returning(session, UserGoal, goal.id, changes))


def delete(session: Session, device_id: uuid.UUID, goal_id: uuid.UUID) -> None:
    """Soft-delete the goal; repeating it is fine. The device then has no current goal."""
    soft_delete(session, UserGoal, device_id, goal_id, NOT_FOUND)
