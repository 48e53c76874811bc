"""A device's body weight on one day (at most one live row per day)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, Index, Numeric
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import LIVE, Base, DeviceOwned, uuid_pk


class BodyWeight(DeviceOwned, Base):
    __tablename__ = "body_weights"
    __table_args__ = (
        CheckConstraint("weight_kg > 0", name="weight_positive"),
        Index(
            "uq_body_weights_device_day_live",
            "device_id",
            "day",
            unique=True,
            postgresql_where=LIVE,
        ),
        Index("ix_body_weights_sync", "device_id", "change_seq", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    day: Mapped[date] = mapped_column(Date, nullable=False)
    weight_kg: Mapped[Decimal] = mapped_column(Numeric(7, 3), nullable=False)
