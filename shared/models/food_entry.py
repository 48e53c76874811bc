"""One diary line: an amount of a product eaten on a day, through one of its portions."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKeyConstraint, Index, Numeric, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.domain.units import UNITS
from shared.domain.vocabularies import MEAL_TYPES
from shared.models.base import LIVE, Base, DeviceOwned, in_list, uuid_pk


class FoodEntry(DeviceOwned, Base):
    __tablename__ = "food_entries"
    __table_args__ = (
        ForeignKeyConstraint(
            ["product_id", "device_id"], ["products.id", "products.device_id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["portion_id", "product_id", "device_id"],
            ["product_portions.id", "product_portions.product_id", "product_portions.device_id"],
            ondelete="CASCADE",
        ),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(in_list("unit", UNITS), name="unit"),
        CheckConstraint(in_list("meal_type", MEAL_TYPES), name="meal_type"),
        Index("ix_food_entries_device_day_live", "device_id", "day", postgresql_where=LIVE),
        Index("ix_food_entries_portion_live", "portion_id", postgresql_where=LIVE),
        Index("ix_food_entries_sync", "device_id", "change_seq", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    portion_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    meal_type: Mapped[str] = mapped_column(String(16), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 3), nullable=False)
    unit: Mapped[str] = mapped_column(String(16), nullable=False)
