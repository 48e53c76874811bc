"""HTTP routes of the goals function: the calculator, calculated and manual goals, the current
goal, and one goal by id.

The routes are `async def` and call the database synchronously, on purpose:
`shared/web/app_factory.py` says why (measured).
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from shared.db.units_of_work import reading, require_fresh, writing
from shared.schemas.goals import (
    CalculatedGoalCreate,
    CalculateRequest,
    GoalOut,
    GoalPatch,
    GoalPreview,
    ManualGoalCreate,
)
from shared.services import goals
from shared.web.dependencies import Caller
from shared.web.responses import created_or_found

router = APIRouter(prefix="/v1/goals", tags=["goals"])


@router.post("/calculate", response_model=GoalPreview)
async def calculate(body: CalculateRequest, caller: Caller):
    """The calculator's preview; stores nothing (the token is still checked for freshness).
    The birth date must give an age of 13 to 120, lose and gain goals need
    `target_weight_kg` and `weight_change_pace`, and height and weight must give a BMI below
    1,000 and a daily target above 0 kcal (422 otherwise)."""
    require_fresh(caller)
    return goals.preview(body)


@router.post("/calculated", response_model=GoalOut, status_code=201)
async def create_calculated(body: CalculatedGoalCreate, caller: Caller, response: Response):
    """A goal from body metrics; it replaces the device's current goal (200 on a replay).
    The birth date must give an age of 13 to 120, lose and gain goals need
    `target_weight_kg` and `weight_change_pace`, and height and weight must give a BMI below
    1,000 and a daily target above 0 kcal (422 otherwise). Percentages sent replace the
    computed ones, and the three must then sum to 100."""
    with writing(caller) as session:
        outcome = goals.create_calculated(session, caller.device_id, body)
    return created_or_found(outcome, response)


@router.post("/manual", response_model=GoalOut, status_code=201)
async def create_manual(body: ManualGoalCreate, caller: Caller, response: Response):
    """A goal entered by hand; it replaces the device's current goal (200 on a replay). The
    three macro percentages must sum to 100 (422 otherwise)."""
    with writing(caller) as session:
        outcome = goals.create_manual(session, caller.device_id, body)
    return created_or_found(outcome, response)


@router.get("/current", response_model=GoalOut | None)
async def current_goal(caller: Caller):
    """The live goal, or JSON `null` when the device has none (a fresh install's first call)."""
    with reading(caller) as session:
        return goals.current(session, caller.device_id)


@router.get("/{goal_id}", response_model=GoalOut)
async def get_goal(goal_id: uuid.UUID, caller: Caller):
    with reading(caller) as session:
        return goals.get(session, caller.device_id, goal_id)


@router.patch("/{goal_id}", response_model=GoalOut)
async def patch_goal(goal_id: uuid.UUID, body: GoalPatch, caller: Caller):
    """Change a goal's targets; its macro percentages, as changed, must sum to 100 (422)."""
    with writing(caller) as session:
        return goals.patch(session, caller.device_id, goal_id, body)


@router.delete("/{goal_id}", status_code=204)
async def delete_goal(goal_id: uuid.UUID, caller: Caller) -> Response:
    with writing(caller) as session:
        goals.delete(session, caller.device_id, goal_id)
    return Response(status_code=204)
