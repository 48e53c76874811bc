"""Devices remember when they were last re-keyed, and a revoked device keeps its token hash.

`last_rekeyed_at`: every re-registration of an existing device is a security event that the
device itself can see (`GET /v1/devices/me`). The hash kept after revocation lets the API answer
403 only to a caller who holds the device's secret; without it, a revoked device is
indistinguishable from an unknown one (401). Devices revoked before this revision have no hash
and answer 401.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("devices", sa.Column("last_rekeyed_at", sa.DateTime(timezone=True)))
    op.drop_constraint(op.f("ck_devices_hash_iff_not_revoked"), "devices", type_="check")
    op.create_check_constraint(
        op.f("ck_devices_live_has_hash"),
        "devices",
        "revoked_at IS NOT NULL OR token_hash IS NOT NULL",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_devices_live_has_hash"), "devices", type_="check")
    op.execute("UPDATE devices SET token_hash = NULL WHERE revoked_at IS NOT NULL")
    op.create_check_constraint(
        op.f("ck_devices_hash_iff_not_revoked"),
        "devices",
        "(revoked_at IS NULL) = (token_hash IS NOT NULL)",
    )
    op.drop_column("devices", "last_rekeyed_at")
