"""Portions and the invariant that a product with live portions has exactly one live default.

Every write request holds the device row lock (`shared.db.freshness`), so one device's portion
changes are serialised and each reads the portions as they are now. A default switch clears the
previous default and sets the new one in one statement (the clearing runs first, in a CTE), and
the partial unique index stays as the last guard.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from shared.domain.errors import ConflictError, NotFoundError
from shared.domain.units import can_convert
from shared.models import ProductPortion
from shared.repositories import portions
from shared.repositories.common import changed_fields, get_owned, require_live, update_returning
from shared.schemas.products import PortionCreate, PortionOut, PortionPatch
from shared.services.client_ids import insert_or_replay, replayed
from shared.services.outcomes import Created

ID_TAKEN = "A portion with this id already exists."
NOT_FOUND = "Portion not found"
UNSET_DEFAULT = "Cannot unset default portion without selecting another default."
ONLY_DEFAULT = "Cannot delete the only default portion."
UNIT_IN_USE = (
    "Cannot change base_unit: food entries use this portion in units that would not convert."
)


def _out(portion: ProductPortion | Row[Any]) -> PortionOut:
    return PortionOut.model_validate(portion)


def create(
    session: Session, device_id: uuid.UUID, product_id: uuid.UUID, body: PortionCreate
) -> Created[PortionOut]:
    """The first portion is the default whatever it says; a new default replaces the old."""
    found = portions.for_create(session, device_id, product_id, body.id)
    if found is None:
        raise NotFoundError("Product not found")
    current_default, holder = found
    if (replay := replayed(holder, device_id, ID_TAKEN)) is not None:
        if replay.product_id != product_id:  # a replay only under the same product
            raise ConflictError(ID_TAKEN)
        return Created(_out(replay), created=False)
    make_default = body.is_default or current_default is None
    values = body.model_dump(exclude={"id", "is_default"})
    values.update(product_id=product_id, is_default=make_default)
    if body.id is not None:
        values["id"] = body.id
    replacing = current_default if make_default else None
    outcome = insert_or_replay(
        session,
        ProductPortion,
        device_id,
        body.id,
        ID_TAKEN,
        lambda: portions.insert(session, device_id, values, replacing_default=replacing),
    )
    return outcome.map(_out)


def list_for_product(
    session: Session, device_id: uuid.UUID, product_id: uuid.UUID
) -> list[PortionOut]:
    found = portions.list_for_product(session, device_id, product_id)
    if found is None:
        raise NotFoundError("Product not found")
    return [_out(p) for p in found]


def get(session: Session, device_id: uuid.UUID, portion_id: uuid.UUID) -> PortionOut:
    return _out(require_live(get_owned(session, ProductPortion, device_id, portion_id), NOT_FOUND))


def patch(
    session: Session, device_id: uuid.UUID, portion_id: uuid.UUID, body: PortionPatch
) -> PortionOut:
    requested = body.changes()
    found = portions.state(session, device_id, portion_id, entry_units="base_unit" in requested)
    if found is None or found.portion.deleted_at is not None:
        raise NotFoundError(NOT_FOUND)
    portion = found.portion
    is_default_now = found.default_id == portion.id
    wants_default = requested.pop("is_default", is_default_now)
    if is_default_now and not wants_default:
        raise ConflictError(UNSET_DEFAULT)
    changes = changed_fields(portion, requested)
    if "base_unit" in changes and not all(
        can_convert(unit, changes["base_unit"]) for unit in found.entry_units
    ):
        raise ConflictError(UNIT_IN_USE)
    previous_default = None
    if wants_default and not is_default_now:
        changes["is_default"] = True
        previous_default = found.default_id
    if not changes:
        return _out(portion)
    before = None if previous_default is None else portions.un_default(previous_default)
    return _out(update_returning(session, ProductPortion, portion.id, changes, before=before))


def delete(session: Session, device_id: uuid.UUID, portion_id: uuid.UUID) -> None:
    """Soft-delete; deleting the default promotes the oldest other live portion in the same
    statement. Entries that used the portion keep it (and their nutrition). A portion deleted
    with its product is already deleted: 204 again."""
    found = portions.state(session, device_id, portion_id)
    if found is None:
        raise NotFoundError(NOT_FOUND)
    portion = found.portion
    if portion.deleted_at is not None:
        return
    if found.default_id != portion.id:
        portions.soft_delete(session, portion.id)
        return
    if found.successor_id is None:
        raise ConflictError(ONLY_DEFAULT)
    retire = portions.un_default(portion.id, delete=True)
    update_returning(
        session, ProductPortion, found.successor_id, {"is_default": True}, before=retire
    )
