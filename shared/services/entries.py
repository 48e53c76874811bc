"""The food diary: entries that always convert to their portion's unit, and the data reset."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from shared.domain.days import DayFilter
from shared.domain.errors import InvalidValueError, NotFoundError
from shared.domain.units import can_convert
from shared.models import FoodEntry
from shared.repositories import entries
from shared.repositories.common import (
    changed_fields,
    get_owned,
    require_live,
    soft_delete,
    update_returning,
)
from shared.schemas.entries import EntryCreate, EntryOut, EntryPatch
from shared.services.client_ids import insert_or_replay, replayed
from shared.services.outcomes import Created

ID_TAKEN = "A food entry with this id already exists."
PRODUCT_OR_PORTION_NOT_FOUND = "Product or portion not found"
ENTRY_NOT_FOUND = "Food entry not found"


def _out(entry: FoodEntry | Row[Any]) -> EntryOut:
    return EntryOut.model_validate(entry)


def _require_convertible(unit: str, base_unit: str) -> None:
    """A unit that cannot convert to the portion's base unit is refused at write time, so stats
    never meet one."""
    if not can_convert(unit, base_unit):
        message = f"unit '{unit}' cannot be converted to the portion's base unit '{base_unit}'"
        raise InvalidValueError("unit", message)


def create(session: Session, device_id: uuid.UUID, body: EntryCreate) -> Created[EntryOut]:
    base_unit, holder = entries.create_probe(
        session, device_id, body.product_id, body.portion_id, body.id
    )
    if (replay := replayed(holder, device_id, ID_TAKEN)) is not None:
        return Created(_out(replay), created=False)
    if base_unit is None:
        raise NotFoundError(PRODUCT_OR_PORTION_NOT_FOUND)
    _require_convertible(body.unit, base_unit)
    values = body.model_dump(exclude_none=True)
    outcome = insert_or_replay(
        session,
        FoodEntry,
        device_id,
        body.id,
        ID_TAKEN,
        lambda: entries.insert(session, device_id, values),
    )
    return outcome.map(_out)


def list_live(
    session: Session,
    device_id: uuid.UUID,
    days: DayFilter,
    limit: int | None,
    offset: int,
) -> list[EntryOut]:
    found = entries.list_live(session, device_id, days=days, limit=limit, offset=offset)
    return [_out(e) for e in found]


def _live(session: Session, device_id: uuid.UUID, entry_id: uuid.UUID) -> FoodEntry:
    return require_live(get_owned(session, FoodEntry, device_id, entry_id), ENTRY_NOT_FOUND)


def get(session: Session, device_id: uuid.UUID, entry_id: uuid.UUID) -> EntryOut:
    return _out(_live(session, device_id, entry_id))


def patch(
    session: Session, device_id: uuid.UUID, entry_id: uuid.UUID, body: EntryPatch
) -> EntryOut:
    """A new portion must be live and of the entry's product (else 404); the unit must convert
    to the base unit of the portion the entry will use, which for the current portion counts
    even if that portion was deleted since."""
    requested = body.changes()
    found = entries.with_base_units(session, device_id, entry_id, requested.get("portion_id"))
    if found is None or found[0].deleted_at is not None:
        raise NotFoundError(ENTRY_NOT_FOUND)
    entry, current_unit, new_unit = found
    changes = changed_fields(entry, requested)
    base_unit = current_unit
    if "portion_id" in changes:
        if new_unit is None:
            raise NotFoundError(PRODUCT_OR_PORTION_NOT_FOUND)
        base_unit = new_unit
    if "portion_id" in changes or "unit" in changes:
        _require_convertible(changes.get("unit", entry.unit), base_unit)
    if not changes:
        return _out(entry)
    return _out(update_returning(session, FoodEntry, entry.id, changes))


def delete(session: Session, device_id: uuid.UUID, entry_id: uuid.UUID) -> None:
    soft_delete(session, FoodEntry, device_id, entry_id, ENTRY_NOT_FOUND)


def reset(session: Session, device_id: uuid.UUID) -> None:
    """Soft-delete every live entry of the device (products, goals and weights stay)."""
    entries.soft_delete_all(session, device_id)
