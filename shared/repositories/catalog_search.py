"""The catalog's search engine: which catalog products match a query, and in which ranking tier.

Every tier is a bounded candidate set read from an index (never a sort of every match), folded
(lower case, no accents) by the database's `catalog_fold`, as the stored search columns are:

0. exact name;
1. generic foods (USDA SR Legacy / Foundation / Survey, shipped basics) whose name starts with
   the query or whose part before the first comma equals it;
2. every query word as a word prefix, in any order, in the name or brand (`search_document`);
3. substring of name or brand (trigram index), from 3 characters, when tier 2 did not fill the page;
4. when fewer than a page matched so far, typo-tolerant: each word replaced by the closest word of
   the catalog's vocabulary (`catalog_search_words`, trigram similarity), whose best-ranked
   products are read by primary key and must hold every corrected word.

Inside a tier: most scanned first (Open Food Facts' unique scans), then the shorter name; a product
keeps its best tier. Each tier takes `window` rows in the order of `ix_catalog_products_rank`, so
the planner can either walk that index until enough match (common words) or read the matches
from the word or trigram index and sort the few (rare words).
"""

from __future__ import annotations

import re

from sqlalchemy import Integer, Subquery, text
from sqlalchemy.dialects.postgresql import UUID

from shared.repositories.common import contains_pattern, escape_like

# Substrings shorter than a trigram cannot use the trigram index; shorter queries match word starts.
SUBSTRING_MIN_LENGTH = 3
_WORD = re.compile(r"[^\W_]+")
_TIERS_SQL = """
WITH exact AS (
    SELECT id, 0 AS tier FROM catalog_products
    WHERE search_name = catalog_fold(:query)
    ORDER BY popularity DESC, length(search_name), id LIMIT :window
), generic AS (
    SELECT id, 1 AS tier FROM catalog_products
    WHERE is_generic
      AND (search_name LIKE catalog_fold(:prefix) OR search_head = catalog_fold(:query))
    ORDER BY popularity DESC, length(search_name), id LIMIT :window
), word_prefix AS (
    SELECT id, 2 AS tier FROM catalog_products
    WHERE search_document @@ to_tsquery('simple', catalog_fold(:word_prefixes))
    ORDER BY popularity DESC, length(search_name), id LIMIT :window
), substring AS (
    SELECT id, 3 AS tier FROM catalog_products
    WHERE :substring_allowed AND (SELECT count(*) FROM word_prefix) < :window
      AND search_text LIKE catalog_fold(:contains)
    ORDER BY popularity DESC, length(search_name), id LIMIT :window
), found AS (
    SELECT * FROM exact UNION ALL SELECT * FROM generic
    UNION ALL SELECT * FROM word_prefix UNION ALL SELECT * FROM substring
), corrections AS (
    SELECT closest.word, closest.best
    FROM unnest(CAST(:words AS text[])) AS typed(word)
    CROSS JOIN LATERAL (
        SELECT w.word, w.best FROM catalog_search_words w
        WHERE w.word % catalog_fold(typed.word)
        ORDER BY similarity(w.word, catalog_fold(typed.word)) DESC, w.products DESC, w.word
        LIMIT 1
    ) AS closest
    WHERE (SELECT count(DISTINCT id) FROM found) < :window
), typo AS (
    SELECT id, 4 AS tier FROM catalog_products
    WHERE id IN (SELECT unnest(best) FROM corrections)
      AND search_document @@ (
          SELECT to_tsquery('simple', string_agg(word, ' & ')) FROM corrections
      )
    ORDER BY popularity DESC, length(search_name), id LIMIT :window
)
SELECT DISTINCT ON (id) id, tier FROM (SELECT * FROM found UNION ALL SELECT * FROM typo) AS tiers
ORDER BY id, tier
"""


def query_words(query: str) -> list[str]:
    """The words of a query as the documents hold them: runs of letters and digits."""
    return _WORD.findall(query)


def matches(query: str, window: int) -> Subquery:
    """The matching catalog products as a subquery of (id, tier) with its parameters bound: at
    most `window` per tier."""
    query = " ".join(query.split())  # as the names are written: single spaces, no edges
    words = query_words(query)
    params = {
        "query": query,
        "prefix": escape_like(query) + "%",
        "contains": contains_pattern(query),
        "word_prefixes": " & ".join(f"{word}:*" for word in words) if words else None,
        "substring_allowed": len(query) >= SUBSTRING_MIN_LENGTH,
        "words": words,
        "window": window,
    }
    statement = text(_TIERS_SQL).bindparams(**params)
    return statement.columns(id=UUID(as_uuid=True), tier=Integer).subquery("hits")
