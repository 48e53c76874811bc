"""The exact-name search tier reads its page from one index, in rank order.

Tier 0 (`shared.search.tiers`) is every product whose folded name is the query, best ranked first.
A common one-word name is shared by thousands of products ("Chocolate": 2,315 of 2.8·10⁶ in the
realistic-vocabulary benchmark), and the index on the name alone made the tier read and sort all
of them for a page of 35 (6 ms warm, 90 ms cold). With popularity and id after the name, the
index hands the page over in order. It keeps `text_pattern_ops`, so it still serves what the
index it replaces served, and the catalog keeps the same number of indexes to maintain.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_catalog_products_search_name", table_name="catalog_products")
    op.create_index(
        "ix_catalog_products_search_name_rank",
        "catalog_products",
        ["search_name", sa.text("popularity DESC"), "id"],
        postgresql_ops={"search_name": "text_pattern_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_catalog_products_search_name_rank", table_name="catalog_products")
    op.create_index(
        "ix_catalog_products_search_name",
        "catalog_products",
        ["search_name"],
        postgresql_ops={"search_name": "text_pattern_ops"},
    )
