"""Creates with client-supplied ids (contract §1), one mechanism for every resource.

The app's offline queue retries a create forever, so an id this device already holds live is a
replay (200 with the stored row), while an id that is another device's or soft-deleted is a 409:
answering with someone else's row would leak it, and reviving a deleted one would undo a delete.
Inserts are `ON CONFLICT DO NOTHING` (see `guarded_insert`), so a racing create of the same id
finds nothing inserted, and the lookup after it tells the replay from the conflict.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from shared.domain.errors import ConflictError, DeviceRevokedError
from shared.models.base import DeviceOwned
from shared.services.outcomes import Created

RowT = TypeVar("RowT", bound=DeviceOwned)


def replayed(row: RowT | None, device_id: uuid.UUID, id_taken: str) -> RowT | None:
    """`row` (the one holding the requested id) when it is this device's live row; 409 with
    `id_taken` when it is another device's or deleted; None when no row holds the id."""
    if row is None:
        return None
    if row.device_id != device_id or row.deleted_at is not None:
        raise ConflictError(id_taken)
    return row


def _replay(
    session: Session, model: type[RowT], device_id: uuid.UUID, row_id: uuid.UUID | None, taken: str
) -> RowT | None:
    if row_id is None:
        return None
    return replayed(session.get(model, row_id, populate_existing=True), device_id, taken)


def create_or_replay(
    session: Session,
    model: type[RowT],
    device_id: uuid.UUID,
    row_id: uuid.UUID | None,
    id_taken: str,
    insert: Callable[[], RowT | None],
    on_other_conflict: Callable[[], Created[RowT] | None] = lambda: None,
) -> Created[RowT]:
    """Replay or refuse a known id, else `insert_or_replay`."""
    if (found := _replay(session, model, device_id, row_id, id_taken)) is not None:
        return Created(found, created=False)
    return insert_or_replay(session, model, device_id, row_id, id_taken, insert, on_other_conflict)


def insert_or_replay(
    session: Session,
    model: type[RowT],
    device_id: uuid.UUID,
    row_id: uuid.UUID | None,
    id_taken: str,
    insert: Callable[[], RowT | None],
    on_other_conflict: Callable[[], Created[RowT] | None] = lambda: None,
) -> Created[RowT]:
    """Run `insert` (None when nothing was inserted) once the id is known to be free, e.g. by
    `replayed` on a row the caller fetched in its own first statement. When the insert lost a
    race, look at the id again; `on_other_conflict` resolves a conflict on another unique key
    (e.g. one weight per day). Nothing left to explain it means the device is revoked (the
    insert is guarded by the device being live)."""
    if (inserted := insert()) is not None:
        return Created(inserted, created=True)
    if (found := _replay(session, model, device_id, row_id, id_taken)) is not None:
        return Created(found, created=False)
    if (resolved := on_other_conflict()) is not None:
        return resolved
    raise DeviceRevokedError()
