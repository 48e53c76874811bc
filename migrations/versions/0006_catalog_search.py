"""Catalog search at millions of rows: folded search columns, their indexes and a vocabulary.

- `catalog_fold(text)`: lower case without accents (`unaccent` with its dictionary named, so the
  result depends on nothing but the argument; that is what lets it be IMMUTABLE and feed
  generated columns). Queries fold their text with the same function.
- Stored generated columns: `search_name` (the folded display name), `search_head` (its part
  before the first comma), `search_text` (name and brand) and `is_generic` (a food without a brand
  from a source other than Open Food Facts: USDA SR Legacy, Foundation and Survey, the shipped
  basics). `search_document` becomes the `simple` (unstemmed) document of `search_text`, so word
  prefixes match as typed; the category no longer matches (it ranked "Dairies" above "milk").
- Indexes: equality and prefix on the name (`text_pattern_ops`), the generic foods' names and
  heads, the document (GIN), trigrams of the text for substrings (GIN, `pg_trgm`), and the order
  the word tier walks (popularity, then id, covering the document so the walk reads no table).
- `ix_products_name_trgm`: trigrams of the device's own product names, for product search's
  substring match when a device holds thousands of products.
- `catalog_search_words`: every word of the catalog with how many products hold it and the ids
  of the best ranked ones, rebuilt after each import (`shared.repositories.catalog_import`). The
  typo-tolerant tier finds the closest words here (trigram similarity) and reads their products
  by primary key, so a misspelling costs a few lookups whatever the catalog's size.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# The vocabulary's rebuild as it was when this revision was written (frozen here).
REBUILD_SEARCH_WORDS = """
DELETE FROM catalog_search_words;
INSERT INTO catalog_search_words (word, products, best)
SELECT w.word, count(*),
       (array_agg(p.id ORDER BY p.popularity DESC, length(p.search_name), p.id))[1:60]
FROM catalog_products p, unnest(tsvector_to_array(p.search_document)) AS w(word)
GROUP BY w.word
"""

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, coalesce(display_name, '')), 'A')"
    " || setweight(to_tsvector('english'::regconfig, coalesce(brand, '')), 'B')"
    " || setweight(to_tsvector('english'::regconfig, coalesce(category, '')), 'C')"
)
FOLD_FUNCTION = """
CREATE FUNCTION catalog_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN lower(public.unaccent('public.unaccent'::regdictionary, value))
"""


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
    op.execute(FOLD_FUNCTION)
    op.drop_index("ix_catalog_products_search_document", table_name="catalog_products")
    op.drop_column("catalog_products", "search_document")
    columns = {
        "search_name": ("catalog_fold(display_name)", sa.Text()),
        "search_head": ("catalog_fold(btrim(split_part(display_name, ',', 1)))", sa.Text()),
        "search_text": (
            "catalog_fold(display_name || ' ' || coalesce(brand, ''))",
            sa.Text(),
        ),
        "search_document": (
            "to_tsvector('simple'::regconfig,"
            " catalog_fold(display_name || ' ' || coalesce(brand, '')))",
            postgresql.TSVECTOR(),
        ),
        "is_generic": ("source <> 'off' AND brand IS NULL", sa.Boolean()),
    }
    for name, (expression, type_) in columns.items():
        op.add_column(
            "catalog_products",
            sa.Column(name, type_, sa.Computed(expression, persisted=True), nullable=False),
        )
    op.create_index(
        "ix_catalog_products_search_name",
        "catalog_products",
        ["search_name"],
        postgresql_ops={"search_name": "text_pattern_ops"},
    )
    op.create_index(
        "ix_catalog_products_generic_name",
        "catalog_products",
        ["search_name"],
        postgresql_ops={"search_name": "text_pattern_ops"},
        postgresql_where="is_generic",
    )
    op.create_index(
        "ix_catalog_products_generic_head",
        "catalog_products",
        ["search_head"],
        postgresql_where="is_generic",
    )
    op.create_index(
        "ix_catalog_products_search_document",
        "catalog_products",
        ["search_document"],
        postgresql_using="gin",
    )
    op.create_index(
        "ix_catalog_products_search_text_trgm",
        "catalog_products",
        ["search_text"],
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    op.create_index(
        "ix_catalog_products_rank",
        "catalog_products",
        [sa.text("popularity DESC"), "id"],
        postgresql_include=["search_document"],
    )
    op.create_index(
        "ix_products_name_trgm",
        "products",
        ["name"],
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
        postgresql_where="deleted_at IS NULL",
    )
    op.create_table(
        "catalog_search_words",
        sa.Column("word", sa.Text(), nullable=False),
        sa.Column("products", sa.Integer(), nullable=False),
        sa.Column("best", postgresql.ARRAY(sa.UUID()), nullable=False),
        sa.PrimaryKeyConstraint("word", name=op.f("pk_catalog_search_words")),
    )
    op.create_index(
        "ix_catalog_search_words_trgm",
        "catalog_search_words",
        ["word"],
        postgresql_using="gin",
        postgresql_ops={"word": "gin_trgm_ops"},
    )
    op.execute(REBUILD_SEARCH_WORDS)


def downgrade() -> None:
    op.drop_table("catalog_search_words")
    op.drop_index("ix_products_name_trgm", table_name="products")
    for index in (
        "ix_catalog_products_rank",
        "ix_catalog_products_search_text_trgm",
        "ix_catalog_products_search_document",
        "ix_catalog_products_generic_head",
        "ix_catalog_products_generic_name",
        "ix_catalog_products_search_name",
    ):
        op.drop_index(index, table_name="catalog_products")
    for column in ("is_generic", "search_document", "search_text", "search_head", "search_name"):
        op.drop_column("catalog_products", column)
    op.execute("DROP FUNCTION catalog_fold(text)")
    op.add_column(
        "catalog_products",
        sa.Column(
            "search_document",
            postgresql.TSVECTOR(),
            sa.Computed(OLD_DOCUMENT, persisted=True),
            nullable=False,
        ),
    )
    op.create_index(
        "ix_catalog_products_search_document",
        "catalog_products",
        ["search_document"],
        postgresql_using="gin",
    )
