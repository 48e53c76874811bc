"""Declarative base with a naming convention, and the columns every device-owned table shares."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, DateTime, ForeignKey, MetaData, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def in_list(column: str, values: tuple[str, ...]) -> str:
    """SQL text of a CHECK that `column` holds one of `values` (constants, never user input)."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def uuid_pk() -> Mapped[uuid.UUID]:
    """A UUID primary key; clients may supply it, otherwise the database generates it."""
    return mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=func.gen_random_uuid()
    )


def timestamp(nullable: bool = False) -> Mapped[datetime]:
    """A `timestamptz` column, defaulting to the transaction time unless nullable."""
    if nullable:
        return mapped_column(DateTime(timezone=True), nullable=True)
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class DeviceOwned:
    """Columns of every row that belongs to one device: owner, timestamps, soft delete."""

    if TYPE_CHECKING:
        # Each table declares its own primary key (`uuid_pk`) where its column order wants it;
        # code written for any device-owned row reads it.
        id: Mapped[uuid.UUID]

    @declared_attr
    def device_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(
            UUID(as_uuid=True), ForeignKey("devices.id", ondelete="CASCADE"), nullable=False
        )

    created_at: Mapped[datetime] = timestamp()
    updated_at: Mapped[datetime] = timestamp()
    deleted_at: Mapped[datetime | None] = timestamp(nullable=True)
    # Set by a trigger from `devices.change_seq` on every insert and update (migration 0004):
    # the sync feed's commit-ordered position.
    change_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")


LIVE = text("deleted_at IS NULL")
