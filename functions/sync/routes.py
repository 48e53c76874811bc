"""HTTP routes of the sync function: the incremental feed and the whole-device export.

The routes are `async def` and call the database synchronously, on purpose:
`shared/web/app_factory.py` says why (measured).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shared.db.units_of_work import reading
from shared.domain.sync_cursor import MAX_CURSOR_LENGTH
from shared.schemas.sync import DataExport, SyncPage
from shared.services import sync
from shared.web.dependencies import Caller
from shared.web.params import QueryInt

router = APIRouter(prefix="/v1", tags=["sync"])


@router.get("/sync/since", response_model=SyncPage)
async def sync_since(
    caller: Caller,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH)] = None,
    limit: Annotated[QueryInt, Query(ge=1, le=500)] = 200,
):
    """Every row changed after the cursor (tombstones included), at most `limit` per list. Call
    again with the returned cursor while `has_more`; no cursor starts from the beginning. The
    cursor is opaque: one this route did not return is refused (422)."""
    with reading(caller) as session:
        return sync.page(session, caller.device_id, cursor, limit)


@router.get("/data/export", response_model=DataExport)
async def export_data(caller: Caller):
    """All live rows of the device as one document (data portability)."""
    with reading(caller) as session:
        return sync.export(session, caller.device_id)
