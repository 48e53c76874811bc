"""HTTP routes of the weights function: the body-weight log and the weight chart.

The routes are `async def` and call the database synchronously, on purpose:
`shared/web/app_factory.py` says why (measured).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from shared.db.units_of_work import reading, writing
from shared.schemas.fields import Day
from shared.schemas.weights import WeightCreate, WeightOut, WeightPatch, WeightStats
from shared.services import weights
from shared.web.dependencies import Caller
from shared.web.responses import created_or_found

router = APIRouter(prefix="/v1", tags=["body weights"])


@router.get("/body-weights", response_model=list[WeightOut])
async def list_weights(
    caller: Caller,
    from_day: Annotated[Day | None, Query(alias="from")] = None,
    to_day: Annotated[Day | None, Query(alias="to")] = None,
):
    """Live weights, oldest day first; both bounds optional and inclusive."""
    with reading(caller) as session:
        return weights.list_live(session, caller.device_id, from_day, to_day)


@router.post("/body-weights", response_model=WeightOut, status_code=201)
async def create_weight(body: WeightCreate, caller: Caller, response: Response):
    """201 when created; 200 for a replay or the same weight again; 409 for another weight on a
    day that has one."""
    with writing(caller) as session:
        outcome = weights.create(session, caller.device_id, body)
    return created_or_found(outcome, response)


@router.get("/body-weights/{weight_id}", response_model=WeightOut)
async def get_weight(weight_id: uuid.UUID, caller: Caller):
    with reading(caller) as session:
        return weights.get(session, caller.device_id, weight_id)


@router.patch("/body-weights/{weight_id}", response_model=WeightOut)
async def patch_weight(weight_id: uuid.UUID, body: WeightPatch, caller: Caller):
    with writing(caller) as session:
        return weights.patch(session, caller.device_id, weight_id, body)


@router.delete("/body-weights/{weight_id}", status_code=204)
async def delete_weight(weight_id: uuid.UUID, caller: Caller) -> Response:
    with writing(caller) as session:
        weights.delete(session, caller.device_id, weight_id)
    return Response(status_code=204)


@router.get("/stats/weight", response_model=WeightStats)
async def weight_stats(
    caller: Caller,
    from_day: Annotated[Day, Query(alias="from")],
    to_day: Annotated[Day, Query(alias="to")],
):
    """One point per day from `from` to `to`. `from` must not be after `to`, and the range spans
    at most 366 days (422 otherwise)."""
    with reading(caller) as session:
        return weights.chart(session, caller.device_id, from_day, to_day)
