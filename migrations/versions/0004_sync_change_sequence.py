"""A per-device change sequence for lossless sync (contract §7).

`updated_at` is the writing transaction's start time, so a transaction that started earlier can
commit after a reader has moved past its timestamp, and a cursor on `updated_at` would skip its
rows forever. Instead every write request bumps `devices.change_seq` in its first statement,
which also holds the device row's lock until commit (`shared/db/freshness.py`), and a trigger stamps
each row it inserts or updates with that number. One device's writes are serialised by the lock,
so sequence order is commit order: once a reader sees sequence N committed, nothing at or below N
can still appear. The sync cursor is a position `(change_seq, id)` per list.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SYNCED_TABLES = ("products", "product_portions", "food_entries", "user_goals", "body_weights")

STAMP_FUNCTION = """
CREATE FUNCTION stamp_change_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_seq := (SELECT change_seq FROM devices WHERE id = NEW.device_id);
    RETURN NEW;
END
$$
"""


def upgrade() -> None:
    op.add_column(
        "devices", sa.Column("change_seq", sa.BigInteger(), server_default="0", nullable=False)
    )
    op.execute(STAMP_FUNCTION)
    for table in SYNCED_TABLES:
        op.add_column(
            table, sa.Column("change_seq", sa.BigInteger(), server_default="0", nullable=False)
        )
        op.drop_index(f"ix_{table}_sync", table_name=table)
        op.create_index(f"ix_{table}_sync", table, ["device_id", "change_seq", "id"])
        op.execute(
            f"CREATE TRIGGER {table}_stamp_change_seq BEFORE INSERT OR UPDATE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION stamp_change_seq()"
        )


def downgrade() -> None:
    for table in SYNCED_TABLES:
        op.execute(f"DROP TRIGGER {table}_stamp_change_seq ON {table}")
        op.drop_index(f"ix_{table}_sync", table_name=table)
        op.create_index(f"ix_{table}_sync", table, ["device_id", "updated_at", "id"])
        op.drop_column(table, "change_seq")
    op.execute("DROP FUNCTION stamp_change_seq()")
    op.drop_column("devices", "change_seq")
