"""The daily refresh's record of applied Open Food Facts delta files (`catalog_deltas`): a file
is recorded once its import has completed, so a refresh applies only the files not recorded, a
second run does nothing and a run that stopped halfway applies its file again (the import is
idempotent). The newest recorded `last_change` is how fresh the catalog is.

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
