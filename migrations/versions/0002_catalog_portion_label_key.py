"""Catalog portions are keyed by (product, label), so catalog re-imports update them in place.

The unique constraint's index also serves lookups by product, so the plain index goes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_unique_constraint(
        "uq_catalog_portions_catalog_product_id_label",
        "catalog_portions",
        ["catalog_product_id", "label"],
    )
    op.drop_index("ix_catalog_portions_catalog_product_id", table_name="catalog_portions")


def downgrade() -> None:
    op.create_index(
        "ix_catalog_portions_catalog_product_id", "catalog_portions", ["catalog_product_id"]
    )
    op.drop_constraint(
        "uq_catalog_portions_catalog_product_id_label", "catalog_portions", type_="unique"
    )
