"""A device's own products and their portions (what eating one portion amounts to)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    Numeric,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.domain.units import UNITS
from shared.models.base import LIVE, Base, DeviceOwned, in_list, uuid_pk


class Product(DeviceOwned, Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("char_length(btrim(name)) BETWEEN 1 AND 200", name="name_length"),
        CheckConstraint("barcode IS NULL OR char_length(barcode) BETWEEN 1 AND 64", name="barcode"),
        # Target of the composite foreign keys that keep children on their product's device.
        UniqueConstraint("id", "device_id"),
        Index("ix_products_device_live", "device_id", "name", postgresql_where=LIVE),
        # Product search's substring match (ILIKE) on a device with thousands of products.
        Index(
            "ix_products_name_trgm",
            "name",
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
            postgresql_where=LIVE,
        ),
        Index(
            "uq_products_device_barcode_live",
            "device_id",
            "barcode",
            unique=True,
            postgresql_where=LIVE,
        ),
        Index("ix_products_sync", "device_id", "change_seq", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    barcode: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ProductPortion(DeviceOwned, Base):
    __tablename__ = "product_portions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["product_id", "device_id"], ["products.id", "products.device_id"], ondelete="CASCADE"
        ),
        CheckConstraint("char_length(btrim(label)) BETWEEN 1 AND 200", name="label_length"),
        CheckConstraint("base_amount > 0", name="base_amount_positive"),
        CheckConstraint(in_list("base_unit", UNITS), name="base_unit"),
        CheckConstraint("calories >= 0", name="calories_non_negative"),
        CheckConstraint(
            "(protein IS NULL OR protein >= 0) AND (carbs IS NULL OR carbs >= 0)"
            " AND (fat IS NULL OR fat >= 0)",
            name="macros_non_negative",
        ),
        # Target of the food entries' foreign key: an entry's portion belongs to its product.
        UniqueConstraint("id", "product_id", "device_id"),
        Index("ix_product_portions_product_live", "product_id", postgresql_where=LIVE),
        Index(
            "uq_product_portions_one_default",
            "product_id",
            unique=True,
            postgresql_where="is_default AND deleted_at IS NULL",
        ),
        Index("ix_product_portions_sync", "device_id", "change_seq", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    label: Mapped[str] = mapped_column(String(200), nullable=False)
    base_amount: Mapped[Decimal] = mapped_column(Numeric(12, 3), nullable=False)
    base_unit: Mapped[str] = mapped_column(String(16), nullable=False)
    calories: Mapped[Decimal] = mapped_column(Numeric(12, 3), nullable=False)
    protein: Mapped[Decimal | None] = mapped_column(Numeric(12, 3), nullable=True)
    carbs: Mapped[Decimal | None] = mapped_column(Numeric(12, 3), nullable=True)
    fat: Mapped[Decimal | None] = mapped_column(Numeric(12, 3), nullable=True)
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=false())
