"""What changed in one device's data, in feed order, and all of its live rows: every list in one
wire round trip (`shared.db.pipeline.fetch_pipelined`), rows as dicts for the response models.

The statements are compiled once per table (SQLAlchemy Core, psycopg's placeholders) and only
bound per request; a list without a position starts before every row (change_seq is never
negative).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import FromClause, bindparam, select, tuple_
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.orm import Session

from shared.db.pipeline import fetch_pipelined
from shared.domain.sync_cursor import Position
from shared.models import Device

_DIALECT = PGDialect_psycopg()  # type: ignore[no-untyped-call]  # unannotated upstream
_BEFORE_EVERYTHING = Position(-1, uuid.UUID(int=0))
_DEVICE = str(
    select(Device.__table__.c.id, Device.__table__.c.created_at)
    .where(Device.__table__.c.id == bindparam("device_id"))
    .compile(dialect=_DIALECT)
)

Rows = list[dict[str, Any]]


@cache
def _changed_after(table: FromClause) -> str:
    """Up to `:limit` rows (tombstones included) after `(:after_seq, :after_id)` in
    `(change_seq, id)` order, on the `(device_id, change_seq, id)` index."""
    position = tuple_(table.c.change_seq, table.c.id)
    statement = (
        select(table)
        .where(table.c.device_id == bindparam("device_id"))
        .where(position > tuple_(bindparam("after_seq"), bindparam("after_id")))
        .order_by(table.c.change_seq, table.c.id)
        .limit(bindparam("limit"))
    )
    return str(statement.compile(dialect=_DIALECT))


@cache
def _live(table: FromClause) -> str:
    """Every live row of the device, oldest first."""
    statement = (
        select(table)
        .where(table.c.device_id == bindparam("device_id"), table.c.deleted_at.is_(None))
        .order_by(table.c.created_at, table.c.id)
    )
    return str(statement.compile(dialect=_DIALECT))


def changed_after(
    session: Session,
    tables: Mapping[str, FromClause],
    device_id: uuid.UUID,
    positions: Mapping[str, Position],
    limit: int,
) -> dict[str, Rows]:
    """Per list, up to `limit` rows after its position in the cursor."""
    statements = []
    for name, table in tables.items():
        after = positions.get(name, _BEFORE_EVERYTHING)
        params = {
            "device_id": device_id,
            "after_seq": after.change_seq,
            "after_id": after.id,
            "limit": limit,
        }
        statements.append((_changed_after(table), params))
    pages = fetch_pipelined(session.connection(), statements)
    return dict(zip(tables, pages, strict=True))


def export(
    session: Session, tables: Mapping[str, FromClause], device_id: uuid.UUID
) -> tuple[dict[str, Any], dict[str, Rows]]:
    """The device's row (id, created_at) and every live row of each list."""
    params = {"device_id": device_id}
    statements = [(_DEVICE, params)] + [(_live(table), params) for table in tables.values()]
    device, *lists = fetch_pipelined(session.connection(), statements)
    assert device, "the request's freshness check found the device live"
    return device[0], dict(zip(tables, lists, strict=True))
