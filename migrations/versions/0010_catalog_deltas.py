"""The daily refresh: its record of applied Open Food Facts delta files, and each product's
version time.

- `catalog_deltas`: a file is recorded once its import has completed, so a refresh applies only
  the files not recorded, a second run does nothing and a run that stopped halfway applies its
  file again (the import is idempotent). The newest recorded `last_change` is how fresh the
  catalog is.
- `source_modified_at` on the catalog and on staged rows: when the source last changed the
  product (`last_modified_t`). Deltas, a re-applied older delta and a monthly full dump taken
  before the newest delta all meet in one catalog: the merge never replaces a product with an
  older version, and a full run retires only products not changed after its dump was taken.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("catalog_products", "catalog_import_staging"):
        op.add_column(table, sa.Column("source_modified_at", sa.DateTime(timezone=True)))
    op.create_table(
        "catalog_deltas",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("first_change", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_change", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "applied_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_catalog_deltas")),
    )
    op.create_index("ix_catalog_deltas_last_change", "catalog_deltas", ["last_change"])


def downgrade() -> None:
    op.drop_index("ix_catalog_deltas_last_change", table_name="catalog_deltas")
    op.drop_table("catalog_deltas")
    for table in ("catalog_import_staging", "catalog_products"):
        op.drop_column(table, "source_modified_at")
