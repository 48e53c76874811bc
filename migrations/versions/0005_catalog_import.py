"""Catalog import at scale: popularity and a content hash on catalog products, an unlogged staging
table for import runs, and user product barcodes in the normal form of `shared.domain.barcodes`.

The content hash lets a re-import skip an unchanged product (its `updated_at` stays). Staging is
UNLOGGED: it only ever holds what a run can read again from its file, so it skips the WAL.
User barcodes are normalized in place where the code is digits and no other live product of the
device already has the normal form (a code that is not digits is left as it was, never lost); the
device's change sequence is bumped first so sync delivers the changed products again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# The barcode normal form as it was when this revision was written (frozen here: a later change
# of `shared.domain.barcodes` must not change what this revision does).
_SEPARATORS = re.compile(r"[\s-]+")
_DIGITS = re.compile(r"[0-9]+")


def normalized_or_none(text: object) -> str | None:
    """Digits only (spaces and dashes removed), leading zeros stripped, padded to 13 digits, an
    EAN-8 in a 13-digit form cut back to 8; None for anything that is not a barcode."""
    if not isinstance(text, str):
        return None
    digits = _SEPARATORS.sub("", text)
    if not _DIGITS.fullmatch(digits) or len(digits) > 64:
        return None
    significant = digits.lstrip("0")
    if not significant:
        return None
    code = significant.zfill(13)
    return code[5:] if len(code) == 13 and code.startswith("00000") else code


revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "catalog_products",
        sa.Column("popularity", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "catalog_products", sa.Column("content_hash", sa.String(length=32), nullable=True)
    )
    op.create_table(
        "catalog_import_staging",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("run_id", sa.UUID(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("display_name", sa.String(length=300), nullable=False),
        sa.Column("brand", sa.String(length=200), nullable=True),
        sa.Column("barcode", sa.String(length=64), nullable=True),
        sa.Column("category", sa.String(length=200), nullable=True),
        sa.Column("popularity", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("portions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "staged_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("run_id", "seq", name=op.f("pk_catalog_import_staging")),
        prefixes=["UNLOGGED"],
    )
    _normalize_user_barcodes()


def _normalize_user_barcodes() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT id, device_id, barcode, deleted_at IS NULL AS live FROM products"
            " WHERE barcode IS NOT NULL ORDER BY created_at, id"
        )
    ).all()
    taken = {(r.device_id, r.barcode) for r in rows if r.live}
    changes = []
    for row in rows:
        normal = normalized_or_none(row.barcode)
        if normal is None or normal == row.barcode:
            continue
        if row.live:
            if (row.device_id, normal) in taken:
                continue
            taken.discard((row.device_id, row.barcode))
            taken.add((row.device_id, normal))
        changes.append({"id": row.id, "device_id": row.device_id, "barcode": normal})
    devices = sorted({c["device_id"] for c in changes})
    for device_id in devices:
        connection.execute(
            sa.text("UPDATE devices SET change_seq = change_seq + 1 WHERE id = :id"),
            {"id": device_id},
        )
    for change in changes:
        connection.execute(
            sa.text("UPDATE products SET barcode = :barcode, updated_at = now() WHERE id = :id"),
            change,
        )


def downgrade() -> None:
    op.drop_table("catalog_import_staging")
    op.drop_column("catalog_products", "content_hash")
    op.drop_column("catalog_products", "popularity")
