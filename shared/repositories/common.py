"""Query pieces every device-scoped repository uses."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import (
    CTE,
    ColumnElement,
    Insert,
    Row,
    Select,
    Update,
    exists,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from shared.db.engine import violated_constraint
from shared.domain.errors import DomainError, NotFoundError
from shared.models import Base, Device
from shared.models.base import DeviceOwned

RowT = TypeVar("RowT", bound=DeviceOwned)


def core_rows(
    session: Session, statement: Select[Any], params: dict[str, Any] | None = None
) -> list[Row[Any]]:
    """The rows of a SELECT of table columns, as plain rows: for lists that go straight into
    response models (which read them by attribute), building ORM entities and tracking them in
    the session only costs time. List statements are built once at import with bound
    parameters (an optional filter is `:x IS NULL OR column … :x`, which PostgreSQL folds away
    when it plans with the value), so a request only binds values."""
    return list(session.execute(statement, params))


def live_device(device_id: uuid.UUID) -> ColumnElement[bool]:
    """True while the device is not revoked. Inserts are guarded by it, so a token still cached
    by API Gateway after erasure cannot write data for the erased device."""
    return exists().where(Device.id == device_id, Device.revoked_at.is_(None))


_LIKE_SPECIALS = re.compile(r"([\\%_])")


def escape_like(text: str) -> str:
    """`text` with LIKE's wildcards and its escape character (backslash) escaped."""
    return _LIKE_SPECIALS.sub(r"\\\1", text)


def contains_pattern(text: str) -> str:
    """An ILIKE pattern matching `text` anywhere, taken literally."""
    return "%" + escape_like(text) + "%"


def guarded_insert(
    model: type[Base], device_id: uuid.UUID, values: dict[str, Any], *conditions: Any
) -> Insert:
    """INSERT … SELECT … WHERE the device is live (and any extra `conditions`), ON CONFLICT DO
    NOTHING, RETURNING the row.

    No row back means a conflict (the id or a unique key is taken), a revoked device or a failed
    condition; the caller looks again to tell which. Nothing here raises, so the transaction
    stays usable.
    """
    table = model.__table__
    source = select(*(literal(v, table.c[k].type) for k, v in values.items())).where(
        live_device(device_id), *conditions
    )
    return insert(model).from_select(list(values), source).on_conflict_do_nothing().returning(model)


def after(cte: CTE) -> ColumnElement[bool]:
    """A condition that is always true but makes PostgreSQL run the data-modifying `cte` to the
    end first (its scalar subquery is evaluated before the main statement's first row). Used to
    retire or un-default a row and write its successor in one statement: the successor's unique
    index check then no longer sees the old row, which this statement already changed."""
    return select(func.count()).select_from(cte).scalar_subquery() >= 0


@contextmanager
def constraint_errors(mapping: dict[str, DomainError]) -> Iterator[None]:
    """Turn violations of the named constraints into domain errors (e.g. a taken barcode → 409)."""
    try:
        yield
    except DBAPIError as exc:
        error = mapping.get(violated_constraint(exc) or "")
        if error is None:
            raise
        raise error from exc


def get_owned(
    session: Session, model: type[RowT], device_id: uuid.UUID, row_id: uuid.UUID
) -> RowT | None:
    """This device's row with that id, live or soft-deleted (another device's is None)."""
    statement = select(model).where(
        model.id == row_id,
        model.device_id == device_id,
    )
    return session.scalars(statement).one_or_none()


def require_live(row: RowT | None, not_found: str) -> RowT:
    """The row if it exists and is not soft-deleted, else a 404 with `not_found`."""
    if row is None or row.deleted_at is not None:
        raise NotFoundError(not_found)
    return row


def update_returning(
    session: Session,
    model: type[RowT],
    row_id: uuid.UUID,
    values: dict[str, Any],
    before: CTE | None = None,
) -> RowT:
    """Update one row by id, bump `updated_at`, and return it as stored, in one statement; a
    data-modifying `before` CTE (see `after`) runs first, in the same statement."""
    statement = update(model).where(model.id == row_id)
    if before is not None:
        statement = statement.where(after(before)).add_cte(before)
    statement = (
        statement.values(**values, updated_at=func.now())
        .returning(model)
        .execution_options(populate_existing=True, synchronize_session=False)
    )
    return session.scalars(statement).one()


def soft_deleting(model: type[DeviceOwned], *conditions: ColumnElement[bool]) -> Update:
    """UPDATE that soft-deletes the live rows of `model` matching `conditions` (and bumps their
    `updated_at`): the one definition of a soft delete, for single rows, cascades and resets."""
    return (
        update(model)
        .where(*conditions, model.deleted_at.is_(None))
        .values(deleted_at=func.now(), updated_at=func.now())
        .execution_options(synchronize_session=False)
    )


def soft_delete(
    session: Session, model: type[RowT], device_id: uuid.UUID, row_id: uuid.UUID, not_found: str
) -> bool:
    """Soft-delete this device's live row in one statement. True when this call deleted it;
    False when it already was deleted, so a repeated DELETE is still a 204; 404 with
    `not_found` when the device has no row by that id."""
    statement = soft_deleting(
        model,
        model.id == row_id,
        model.device_id == device_id,
    ).returning(model.id)
    if session.execute(statement).first() is not None:
        return True
    if get_owned(session, model, device_id, row_id) is None:
        raise NotFoundError(not_found)
    return False


def changed_fields(row: Base, changes: dict[str, Any]) -> dict[str, Any]:
    """The subset of `changes` that differs from the row (a no-op PATCH keeps `updated_at`)."""
    return {name: value for name, value in changes.items() if getattr(row, name) != value}
