"""Incremental sync over the five resources, and the whole-device export.

Each list resumes from its own position in the cursor, so a list cut at `limit` never makes
another lose rows. Positions are in `change_seq` order, which is commit order per device (see
migration 0004): a row committed while a client pages gets a higher number than anything already
delivered, so it comes on a later page and is never left behind the cursor. Within a page the
items are in `(updated_at, id)` order, as the contract lists them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from shared.domain.sync_cursor import LISTS, Position, decode, encode
from shared.models import Base, BodyWeight, FoodEntry, Product, ProductPortion, UserGoal
from shared.repositories import sync
from shared.schemas.entries import EntryOut
from shared.schemas.goals import GoalOut
from shared.schemas.products import PortionOut, ProductOut
from shared.schemas.sync import (
    DataExport,
    ExportedDevice,
    SyncedEntry,
    SyncedGoal,
    SyncedPortion,
    SyncedProduct,
    SyncedWeight,
    SyncPage,
)
from shared.schemas.weights import WeightOut

# list name -> (table, sync item, export item)
FEEDS: dict[str, tuple[type[Base], type[BaseModel], type[BaseModel]]] = {
    "products": (Product, SyncedProduct, ProductOut),
    "portions": (ProductPortion, SyncedPortion, PortionOut),
    "food_entries": (FoodEntry, SyncedEntry, EntryOut),
    "goals": (UserGoal, SyncedGoal, GoalOut),
    "body_weights": (BodyWeight, SyncedWeight, WeightOut),
}
assert tuple(FEEDS) == LISTS
_TABLES = {name: model.__table__ for name, (model, _, _) in FEEDS.items()}


def page(session: Session, device_id: uuid.UUID, cursor: str | None, limit: int) -> SyncPage:
    """At most `limit` changed rows per list after the cursor; `has_more` while any list was cut."""
    positions = decode(cursor)
    pages = sync.changed_after(session, _TABLES, device_id, positions, limit + 1)
    lists: dict[str, list[Any]] = {}
    has_more = False
    for name, (_, item, _) in FEEDS.items():
        rows = pages[name]
        if len(rows) > limit:
            has_more = True
            rows = rows[:limit]
        if rows:
            positions[name] = Position(rows[-1]["change_seq"], rows[-1]["id"])
        items = [item.model_validate(row) for row in rows]
        lists[name] = sorted(items, key=lambda i: (i.updated_at, i.id))
    return SyncPage(cursor=encode(positions), has_more=has_more, **lists)


def export(session: Session, device_id: uuid.UUID) -> DataExport:
    """Every live row of the device, in the same representations as the resources' GETs."""
    device, rows = sync.export(session, _TABLES, device_id)
    lists = {
        name: [out.model_validate(row) for row in rows[name]] for name, (_, _, out) in FEEDS.items()
    }
    return DataExport(
        exported_at=datetime.now(UTC),
        device=ExportedDevice(created_at=device["created_at"]),
        **lists,
    )
