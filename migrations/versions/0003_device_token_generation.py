"""Devices count their token generations, so a replaced token dies at once on every route.

Each registration of an existing device bumps `token_generation`; the authorizer puts the
generation it verified into its (cached) context, and every function compares it with the
stored one in its first statement (see `shared/db/freshness.py`).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "devices",
        sa.Column("token_generation", sa.BigInteger(), server_default="1", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("devices", "token_generation")
