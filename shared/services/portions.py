"""Portions and the invariant that a product with live portions has exactly one live default.

Every change first locks the product row, then reads the portions as they are after the lock, so
default switches are serialised: the previous default is cleared before the new one is set, in
one transaction.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func
from sqlalchemy.orm import Session

from shared.errors import ConflictError, DeviceRevokedError, NotFoundError
from shared.models import ProductPortion
from shared.repositories import portions
from shared.repositories.common import changed_fields, get_owned, require_live, update_returning
from shared.schemas.products import PortionCreate, PortionOut, PortionPatch
from shared.services.client_ids import replayed
from shared.services.outcomes import Created
from shared.units import can_convert

ID_TAKEN = "A portion with this id already exists."
UNSET_DEFAULT = "Cannot unset default portion without selecting another default."
ONLY_DEFAULT = "Cannot delete the only default portion."
UNIT_IN_USE = (
    "Cannot change base_unit: food entries use this portion in units that would not convert."
)


def _out(portion: ProductPortion) -> PortionOut:
    return PortionOut.model_validate(portion)


def _locked(
    session: Session, device_id: uuid.UUID, portion_id: uuid.UUID
) -> tuple[ProductPortion, uuid.UUID | None] | None:
    """Lock the portion's product, then read the portion and its product's default as of now.
    None when the portion does not exist for this device or its product is gone."""
    if not portions.lock_product_of(session, device_id, portion_id):
        return None
    return portions.with_default(session, device_id, portion_id)


def _replay(
    session: Session, device_id: uuid.UUID, product_id: uuid.UUID, portion_id: uuid.UUID
) -> Created[PortionOut] | None:
    """A portion id is a replay only under the same product of this device."""
    existing = replayed(portions.get_any(session, portion_id), device_id, ID_TAKEN)
    if existing is None:
        return None
    if existing.product_id != product_id:
        raise ConflictError(ID_TAKEN)
    return Created(_out(existing), created=False)


def create(
    session: Session, device_id: uuid.UUID, product_id: uuid.UUID, body: PortionCreate
) -> Created[PortionOut]:
    if not portions.lock_product(session, device_id, product_id):
        raise NotFoundError("Product not found")
    current_default = portions.default_of(session, product_id)
    if body.id is not None and (replayed := _replay(session, device_id, product_id, body.id)):
        return replayed
    make_default = body.is_default or current_default is None
    if make_default and current_default is not None:
        portions.clear_default(session, current_default)
    values = body.model_dump(exclude={"id", "is_default"})
    values.update(product_id=product_id, is_default=make_default)
    if body.id is not None:
        values["id"] = body.id
    inserted = portions.insert(session, device_id, values)
    if inserted is None:
        # The product row is locked, so only a revoked device or an id taken elsewhere remains.
        if body.id is not None and portions.get_any(session, body.id) is not None:
            raise ConflictError(ID_TAKEN)
        raise DeviceRevokedError()
    return Created(_out(inserted), created=True)


def list_for_product(
    session: Session, device_id: uuid.UUID, product_id: uuid.UUID
) -> list[PortionOut]:
    found = portions.list_for_product(session, device_id, product_id)
    if found is None:
        raise NotFoundError("Product not found")
    return [_out(p) for p in found]


def _live(session: Session, device_id: uuid.UUID, portion_id: uuid.UUID) -> ProductPortion:
    return require_live(
        get_owned(session, ProductPortion, device_id, portion_id), "Portion not found"
    )


def get(session: Session, device_id: uuid.UUID, portion_id: uuid.UUID) -> PortionOut:
    return _out(_live(session, device_id, portion_id))


def patch(
    session: Session, device_id: uuid.UUID, portion_id: uuid.UUID, body: PortionPatch
) -> PortionOut:
    locked = _locked(session, device_id, portion_id)
    if locked is None or locked[0].deleted_at is not None:
        raise NotFoundError("Portion not found")
    portion, current_default = locked
    is_default_now = current_default == portion.id
    requested = body.changes()
    wants_default = requested.pop("is_default", is_default_now)
    if is_default_now and not wants_default:
        raise ConflictError(UNSET_DEFAULT)
    changes = changed_fields(portion, requested)
    if "base_unit" in changes:
        entry_units = portions.units_of_live_entries(session, portion.id)
        if not all(can_convert(unit, changes["base_unit"]) for unit in entry_units):
            raise ConflictError(UNIT_IN_USE)
    if wants_default and not is_default_now:
        if current_default is not None:
            portions.clear_default(session, current_default)
        changes["is_default"] = True
    if not changes:
        return _out(portion)
    return _out(update_returning(session, ProductPortion, portion.id, changes))


def delete(session: Session, device_id: uuid.UUID, portion_id: uuid.UUID) -> None:
    """Soft-delete; deleting the default promotes the oldest other live portion. Entries that
    used the portion keep it (and their nutrition)."""
    locked = _locked(session, device_id, portion_id)
    if locked is None:
        # No live product: the portion is either unknown here or was deleted with its product.
        if get_owned(session, ProductPortion, device_id, portion_id) is None:
            raise NotFoundError("Portion not found")
        return
    portion, current_default = locked
    if portion.deleted_at is not None:
        return
    if current_default != portion.id:
        update_returning(session, ProductPortion, portion.id, {"deleted_at": func.now()})
        return
    successor = portions.oldest_other_live(session, portion.product_id, excluding=portion.id)
    if successor is None:
        raise ConflictError(ONLY_DEFAULT)
    update_returning(
        session, ProductPortion, portion.id, {"deleted_at": func.now(), "is_default": False}
    )
    update_returning(session, ProductPortion, successor.id, {"is_default": True})
