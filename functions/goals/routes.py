"""HTTP routes of the goals function: the calculator, calculated and manual goals, the current
goal, and one goal by id."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from shared.schemas.goals import (
    CalculatedGoalCreate,
    CalculateRequest,
    GoalOut,
    GoalPatch,
    GoalPreview,
    ManualGoalCreate,
)
from shared.services import goals
from shared.sessions import transaction
from shared.web.dependencies import DeviceId
from shared.web.responses import created_or_found

router = APIRouter(prefix="/v1/goals", tags=["goals"])


@router.post("/calculate", response_model=GoalPreview)
async def calculate(body: CalculateRequest, device_id: DeviceId):
    """The calculator's preview; stores nothing and needs no database."""
    return goals.preview(body)


@router.post("/calculated", response_model=GoalOut, status_code=201)
async def create_calculated(body: CalculatedGoalCreate, device_id: DeviceId, response: Response):
    """A goal from body metrics; it replaces the device's current goal (200 on a replay)."""
    with transaction() as session:
        outcome = goals.create_calculated(session, device_id, body)
    return created_or_found(outcome, response)


@router.post("/manual", response_model=GoalOut, status_code=201)
async def create_manual(body: ManualGoalCreate, device_id: DeviceId, response: Response):
    """A goal entered by hand; it replaces the device's current goal (200 on a replay)."""
    with transaction() as session:
        outcome = goals.create_manual(session, device_id, body)
    return created_or_found(outcome, response)


@router.get("/current", response_model=GoalOut | None)
async def current_goal(device_id: DeviceId):
    """The live goal, or JSON `null` when the device has none (a fresh install's first call)."""
    with transaction() as session:
        return goals.current(session, device_id)


@router.get("/{goal_id}", response_model=GoalOut)
async def get_goal(goal_id: uuid.UUID, device_id: DeviceId):
    with transaction() as session:
        return goals.get(session, device_id, goal_id)


@router.patch("/{goal_id}", response_model=GoalOut)
async def patch_goal(goal_id: uuid.UUID, body: GoalPatch, device_id: DeviceId):
    with transaction() as session:
        return goals.patch(session, device_id, goal_id, body)


@router.delete("/{goal_id}", status_code=204)
async def delete_goal(goal_id: uuid.UUID, device_id: DeviceId) -> Response:
    with transaction() as session:
        goals.delete(session, device_id, goal_id)
    return Response(status_code=204)
