"""The catalog import in AWS: a record per run (`catalog_import_runs`: the source, the S3 object,
how far the merge got and its counts, whether a full run has retired, the final report) and per
staged batch (`catalog_import_batches`: written in the transaction that stages the batch, so a
batch that Step Functions retries or redrives is staged once). The report's counts are summed
from the batches.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catalog_import_runs",
        sa.Column("run_id", sa.UUID(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("object_key", sa.Text(), nullable=False),
        sa.Column("full_dump", sa.Boolean(), nullable=False),
        sa.Column("merged_to", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("inserted", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("updated", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("unchanged", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("retired", sa.Integer(), nullable=True),
        sa.Column("report", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_catalog_import_runs")),
    )
    op.create_table(
        "catalog_import_batches",
        sa.Column("run_id", sa.UUID(), nullable=False),
        sa.Column("batch_key", sa.String(length=32), nullable=False),
        sa.Column("read", sa.Integer(), nullable=False),
        sa.Column("staged", sa.Integer(), nullable=False),
        sa.Column("rejected", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "staged_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["catalog_import_runs.run_id"],
            name=op.f("fk_catalog_import_batches_run_id_catalog_import_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "batch_key", name=op.f("pk_catalog_import_batches")),
    )


def downgrade() -> None:
    op.drop_table("catalog_import_batches")
    op.drop_table("catalog_import_runs")
