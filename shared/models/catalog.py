"""The global, read-only food catalog (no device) and its portions."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.domain.units import UNITS
from shared.models.base import Base, in_list, timestamp, uuid_pk

# Weighted English document for full-text search: display name first, then brand, then category.
# A stored generated column (not an expression index) so queries and the index share one definition.
SEARCH_DOCUMENT_SQL = (
    "setweight(to_tsvector('english'::regconfig, coalesce(display_name, '')), 'A')"
    " || setweight(to_tsvector('english'::regconfig, coalesce(brand, '')), 'B')"
    " || setweight(to_tsvector('english'::regconfig, coalesce(category, '')), 'C')"
)


class CatalogProduct(Base):
    __tablename__ = "catalog_products"
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        Index("ix_catalog_products_barcode", "barcode", postgresql_where="barcode IS NOT NULL"),
        Index("ix_catalog_products_search_document", "search_document", postgresql_using="gin"),
        Index("ix_catalog_products_display_name", "display_name"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    source: Mapped[str] = mapped_column(String(32), nullable=False)
    source_id: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    display_name: Mapped[str] = mapped_column(String(300), nullable=False)
    brand: Mapped[str | None] = mapped_column(String(200))
    barcode: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(200))
    search_document: Mapped[str] = mapped_column(
        TSVECTOR, Computed(SEARCH_DOCUMENT_SQL, persisted=True), nullable=False
    )
    # Open Food Facts' unique scans (0 where unknown): search ranks popular products first.
    popularity: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    # Digest of the imported record (`shared.catalog.mapping`): unchanged products are skipped.
    content_hash: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = timestamp()
    updated_at: Mapped[datetime] = timestamp()


class CatalogImportStaging(Base):
    """Records of an import run, copied in batches and merged at the end (migration 0005).
    UNLOGGED: a run can always read its file again, so its staging rows skip the WAL."""

    __tablename__ = "catalog_import_staging"
    __table_args__ = ({"prefixes": ["UNLOGGED"]},)

    run_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    source: Mapped[str] = mapped_column(String(32), nullable=False)
    source_id: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    display_name: Mapped[str] = mapped_column(String(300), nullable=False)
    brand: Mapped[str | None] = mapped_column(String(200))
    barcode: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(200))
    popularity: Mapped[int] = mapped_column(Integer, nullable=False)
    content_hash: Mapped[str] = mapped_column(String(32), nullable=False)
    portions: Mapped[list] = mapped_column(JSONB, nullable=False)
    # Rows of a run that died are cleared by a later run once they are a day old.
    staged_at: Mapped[datetime] = timestamp()


class CatalogPortion(Base):
    __tablename__ = "catalog_portions"
    __table_args__ = (
        CheckConstraint("char_length(btrim(label)) BETWEEN 1 AND 200", name="label_length"),
        CheckConstraint("base_amount > 0", name="base_amount_positive"),
        CheckConstraint(in_list("base_unit", UNITS), name="base_unit"),
        CheckConstraint("gram_weight IS NULL OR gram_weight > 0", name="gram_weight_positive"),
        CheckConstraint("calories >= 0", name="calories_non_negative"),
        CheckConstraint(
            "(protein IS NULL OR protein >= 0) AND (carbs IS NULL OR carbs >= 0)"
            " AND (fat IS NULL OR fat >= 0)",
            name="macros_non_negative",
        ),
        # Portions are identified by label within their product, so re-imports update in place.
        UniqueConstraint("catalog_product_id", "label"),
        Index(
            "uq_catalog_portions_one_default",
            "catalog_product_id",
            unique=True,
            postgresql_where="is_default",
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    catalog_product_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("catalog_products.id", ondelete="CASCADE"), nullable=False
    )
    label: Mapped[str] = mapped_column(String(200), nullable=False)
    base_amount: Mapped[Decimal] = mapped_column(Numeric(12, 3), nullable=False)
    base_unit: Mapped[str] = mapped_column(String(16), nullable=False)
    gram_weight: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    calories: Mapped[Decimal] = mapped_column(Numeric(12, 3), nullable=False)
    protein: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    carbs: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    fat: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=false())
