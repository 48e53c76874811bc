"""HTTP routes of the entries function: the food diary, day and range stats, data reset.

The routes are `async def` and call the database synchronously, on purpose:
`shared/web/app_factory.py` says why (measured).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from shared.db.units_of_work import reading, writing
from shared.domain.days import DayFilter
from shared.schemas.entries import DailyStats, DayStats, EntryCreate, EntryOut, EntryPatch
from shared.schemas.fields import Day
from shared.services import entries, stats
from shared.web.dependencies import Caller
from shared.web.params import Offset, QueryInt
from shared.web.responses import created_or_found

router = APIRouter(prefix="/v1", tags=["food entries"])


@router.get("/food-entries", response_model=list[EntryOut])
async def list_entries(
    caller: Caller,
    day: Day | None = None,
    date_alias: Annotated[Day | None, Query(alias="date")] = None,
    from_day: Annotated[Day | None, Query(alias="from")] = None,
    to_day: Annotated[Day | None, Query(alias="to")] = None,
    limit: Annotated[QueryInt | None, Query(ge=1, le=1000)] = None,
    offset: Offset = 0,
):
    """Live entries, newest day first; all filters combine with AND (`date` = `day`)."""
    with reading(caller) as session:
        if day is not None and date_alias is not None and day != date_alias:
            return []
        days = DayFilter(on=day or date_alias, start=from_day, end=to_day)
        return entries.list_live(session, caller.device_id, days, limit, offset)


@router.post("/food-entries", response_model=EntryOut, status_code=201)
async def create_entry(body: EntryCreate, caller: Caller, response: Response):
    """A diary entry (200 on a replay). The product and portion must be the device's own and
    live (404), and `unit` must convert to the portion's base unit: mass to mass, volume to
    volume, a count unit only to itself (422)."""
    with writing(caller) as session:
        outcome = entries.create(session, caller.device_id, body)
    return created_or_found(outcome, response)


@router.get("/food-entries/{entry_id}", response_model=EntryOut)
async def get_entry(entry_id: uuid.UUID, caller: Caller):
    with reading(caller) as session:
        return entries.get(session, caller.device_id, entry_id)


@router.patch("/food-entries/{entry_id}", response_model=EntryOut)
async def patch_entry(entry_id: uuid.UUID, body: EntryPatch, caller: Caller):
    with writing(caller) as session:
        return entries.patch(session, caller.device_id, entry_id, body)


@router.delete("/food-entries/{entry_id}", status_code=204)
async def delete_entry(entry_id: uuid.UUID, caller: Caller) -> Response:
    with writing(caller) as session:
        entries.delete(session, caller.device_id, entry_id)
    return Response(status_code=204)


@router.delete("/data/reset", status_code=204)
async def reset_data(caller: Caller) -> Response:
    """Soft-delete all of the device's food entries (idempotent)."""
    with writing(caller) as session:
        entries.reset(session, caller.device_id)
    return Response(status_code=204)


@router.get("/stats/day/{day}", response_model=DayStats)
async def day_stats(day: Day, caller: Caller):
    with reading(caller) as session:
        return stats.day(session, caller.device_id, day)


@router.get("/stats/daily", response_model=DailyStats)
async def daily_stats(
    caller: Caller,
    from_day: Annotated[Day, Query(alias="from")],
    to_day: Annotated[Day, Query(alias="to")],
):
    """One point per day from `from` to `to`. `from` must not be after `to`, and the range spans
    at most 366 days (422 otherwise)."""
    with reading(caller) as session:
        return stats.daily(session, caller.device_id, from_day, to_day)
