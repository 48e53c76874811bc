"""Devices: creation, re-keying, lookup, and revocation with erasure of all the device owns."""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

from sqlalchemy import Row, Table, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from shared.models import Base, Device
from shared.repositories.common import core_rows


def create(session: Session, device_id: uuid.UUID, token_hash: str) -> bool:
    """Create the device with its token hash; False when the id exists (nothing changes). Two
    registrations of one new id cannot both create it: the second waits and gets False."""
    statement = (
        insert(Device)
        .values(id=device_id, token_hash=token_hash)
        .on_conflict_do_nothing(index_elements=[Device.id])
        .returning(Device.id)
    )
    return session.execute(statement).first() is not None


def lock_token_state(session: Session, device_id: uuid.UUID) -> Row[str | None, bool]:
    """The existing device's token hash and revocation, locked until the transaction ends so that
    concurrent re-registrations apply one after the other."""
    statement = (
        select(Device.token_hash, Device.revoked_at.is_not(None).label("revoked"))
        .where(Device.id == device_id)
        .with_for_update()
    )
    return session.execute(statement).one()


def rekey(session: Session, device_id: uuid.UUID, token_hash: str) -> None:
    """Give the device a new token hash (the old token dies at once) and stamp the re-keying."""
    statement = (
        update(Device)
        .where(Device.id == device_id)
        .values(
            token_hash=token_hash,
            token_generation=Device.token_generation + 1,
            last_rekeyed_at=func.now(),
        )
    )
    session.execute(statement)


def get(session: Session, device_id: uuid.UUID) -> Row[Any] | None:
    """The device as a plain row (`core_rows`), or None."""
    rows = core_rows(session, _DEVICE, {"device_id": device_id})
    return rows[0] if rows else None


_DEVICE = select(Device.__table__).where(Device.id == bindparam("device_id"))


@cache
def _top_level_device_tables() -> tuple[Table, ...]:
    """Device-owned tables whose rows are not children of another device-owned row; deleting
    these cascades to the rest (portions and entries go with their product)."""
    owned = [t for t in Base.metadata.sorted_tables if "device_id" in t.c and t.name != "devices"]
    return tuple(
        table
        for table in owned
        if not any(
            "device_id" in fk.column.table.c and fk.column.table.name != "devices"
            for fk in table.foreign_keys
        )
    )


def revoke_and_erase(session: Session, device_id: uuid.UUID) -> None:
    """Revoke the device and permanently delete all of its rows, in one statement. The token hash
    stays: only a caller holding the secret is told that the device is revoked."""
    statement = (
        update(Device)
        .where(Device.id == device_id)
        .values(revoked_at=func.coalesce(Device.revoked_at, func.now()))
    )
    for table in _top_level_device_tables():
        erase = delete(table).where(table.c.device_id == device_id)
        statement = statement.add_cte(erase.cte(f"erase_{table.name}"))
    session.execute(statement)
