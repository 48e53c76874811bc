"""The catalog's search engine: which catalog products match a query, and in which ranking tier.

What each tier matches is the README's "Search ranking" (tiers 0 to 4 there are the `tier` values
here); this module is how each is read. Every tier is a bounded candidate set read from an index
(never a sort of every match), on text folded (lower case, no accents) by the database's
`catalog_fold`, as the stored search columns are: 0 by the folded name, 1 by the generic foods'
partial indexes, 2 by `search_document` (every query word a word, the last one a prefix), 3 by
the trigram index of name + brand (3 characters on, when tier 2 did not fill a page), 4 by
`catalog_search_words` (each word the vocabulary lacks replaced by its closest vocabulary word
by trigram similarity; that word's best-ranked products are read by primary key and must hold every
corrected word; a word with nothing close makes the tier match nothing, so every tier matches
every word of the query). A product keeps its best tier; inside a tier the order is
`in_tier_order`. The exact and generic tiers are small and sorted whole.

The word tier can match millions of rows, and each way of reading them has a bad case. Walking
the rank index (`ix_catalog_products_rank`: popularity, then id, an order that says nothing about
the words; it covers the document, so the walk reads no table rows) finds a common word's
matches at once but walks far for a rare one. Reading every match from the word index and
sorting them is quick for a rare word and slow for a common one. Left to choose, the planner took
0.12 s for "greek yogurt" (4,887 matches at 3·10⁶ products). So the tier decides from the
vocabulary's statistics at query time: how many products hold each word (the last word's
completions together) and how many products the catalog holds (`pg_class.reltuples`) give the
matches expected if the words occurred independently, `e` of `n` products. A walk meets the
`2 x window` candidates it takes after about `2 x window x n / e` rows; reading costs about
`WALK_COST_RATIO` walked rows a match. So the tier walks when `e >= sqrt(2 x window x n /
WALK_COST_RATIO)` (about 5,000 matches at 2.8·10⁶ products and a page of 35), and then at most
`WALK_SLACK` times as far as independence predicts; otherwise, and when a walk met fewer than a
page, it reads every match. A query with no counted word (one or two letters) walks
`WALK_SLACK` times that threshold's number of rows (about 15,000 at 2.8·10⁶ products). Words
that co-occur less than independence says (a brand and the products of other brands) only make
the walk end with fewer candidates; the page keeps the rank order. The substring tier takes
`2 x window` in the planner's choice. "Shorter name first" among equally scanned products is
thus exact for rare words and holds among the candidates for common ones: a rank index ordered
by name length too put every match of a long word at its far end ("peanut butter" walked
235,000 rows, 0.68 s).

Earlier words match whole words; the last one (3 characters or more) matches the 50 most frequent
vocabulary words that start with it, as whole words. A prefix makes the word index gather every
entry it starts: 35 ms for "greek & yogurt:*" against 16 ms for "greek & (yogurt | yogurts)".
Shorter ones, or one that no vocabulary word starts, stay prefixes.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Integer, SQLColumnExpression, Subquery, column, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.sql.expression import ClauseList

from shared.repositories.common import contains_pattern, escape_like

# Substrings shorter than a trigram cannot use the trigram index; shorter queries match word starts.
SUBSTRING_MIN_LENGTH = 3
_WORD = re.compile(r"[^\W_]+")
# The word and substring tiers can match millions of rows; they take this many candidates per
# result in rank-index order, and the shorter names among them come first.
CANDIDATES_PER_RESULT = 2
# What reading one match from the word index (and sorting it) costs against walking one row of
# the rank index (index-only: it covers the document), and how much farther than independent
# words predict a walk goes before it gives up: see the word tier in the module's docstring.
# Measured at 2.8·10⁶ products: a match read 4.2-5.7 µs ("dark chocolate", "lindor milk":
# 8,356 and 5,580 matches, heap rows scattered), a row walked 0.61 µs (10⁵ rows), so 7-9.
WALK_COST_RATIO = 8.0
WALK_SLACK = 3.0
# Every tier gathers `window` rows (a page's limit plus its offset), so a search's pages are
# bounded: the deepest one may start at this offset, and the window is at most this plus the
# largest limit (200) = 1000 rows per tier.
MAX_SEARCH_OFFSET = 800


def in_tier_order(
    popularity: SQLColumnExpression[int],
    name_length: SQLColumnExpression[int],
    search_name: SQLColumnExpression[str],
    product_id: SQLColumnExpression[Any],
) -> tuple[SQLColumnExpression[Any], ...]:
    """Inside a tier: most scanned first (Open Food Facts' unique scans), then the shorter name,
    then by folded name and id, so that pages neither overlap nor skip."""
    return (popularity.desc(), name_length, search_name, product_id)


# The same order inside the tiers' statement, where each tier's window is cut by it.
_IN_TIER_ORDER_SQL = str(
    ClauseList(
        *in_tier_order(
            column("popularity"),
            func.length(column("search_name")),
            column("search_name"),
            column("id"),
        )
    ).compile()  # no dialect's own syntax in these terms
)
_TIERS_SQL = """
WITH completions AS (
    SELECT word, products FROM catalog_search_words
    WHERE word >= catalog_fold(:last_word) AND word < catalog_fold(:last_word) || chr(1114111)
      AND word ~ '^[[:alnum:]]+$' AND length(CAST(:last_word AS text)) >= 3
    ORDER BY products DESC LIMIT 50
), word_query AS (
    -- Lexemes only, parsed from the folded words as the documents' are (plainto_tsquery quotes
    -- each one): folding can turn a letter into tsquery syntax (U+02D0 into ":"). The last lexeme,
    -- if any, becomes a prefix; none at all is the empty query, which matches nothing.
    SELECT CASE WHEN CAST(:whole_words AS text) IS NULL THEN last.q
                ELSE plainto_tsquery('simple', catalog_fold(:whole_words)) && last.q END AS q
    FROM (
        SELECT coalesce(
            CAST((SELECT string_agg(word, ' | ') FROM completions) AS tsquery),
            CAST(regexp_replace(
                CAST(plainto_tsquery('simple', catalog_fold(:last_word)) AS text), '''$', ''':*'
            ) AS tsquery)
        ) AS q
    ) AS last
), word_products AS (
    -- How many products hold each word: the whole words, then the last word's completions.
    SELECT coalesce(w.products, 0) AS products
    FROM unnest(CAST(:whole_list AS text[])) AS typed(word)
    LEFT JOIN catalog_search_words w ON w.word = catalog_fold(typed.word)
    UNION ALL
    -- (an aggregate gives a row even when nothing passes WHERE: the length test is outside it)
    SELECT products FROM (SELECT coalesce(sum(products), 0) AS products FROM completions) AS c
    WHERE length(CAST(:last_word AS text)) >= 3
), catalog_size AS (
    SELECT greatest(reltuples, 1) AS products FROM pg_class
    WHERE oid = CAST('catalog_products' AS regclass)
), expected AS (
    -- The products expected to hold every word if words occurred independently (NULL when no
    -- word has counts: a prefix of 1 or 2 letters alone). The aggregate is computed whatever the
    -- CASE says, so the logarithm never sees 0.
    SELECT CASE WHEN min(w.products) = 0 THEN 0
                ELSE n.products * exp(sum(ln(least(greatest(w.products, 1), n.products)
                                             / n.products))) END
           AS matches
    FROM word_products w, catalog_size n GROUP BY n.products
), walk AS (
    -- Walk the rank index when reading every match would cost more: a walk meets `candidates`
    -- matches after about candidates / share rows, reading costs each match `walk_cost_ratio`
    -- times a walked row: walking pays from `worth_it` expected matches on. The walk goes
    -- `walk_slack` times as far as independence predicts; with no counts, `walk_slack` times
    -- `worth_it` rows.
    SELECT CAST(CASE
        WHEN e.matches IS NULL THEN :walk_slack * t.worth_it
        WHEN e.matches >= t.worth_it THEN :walk_slack * :candidates * n.products / e.matches
        ELSE 0 END AS bigint) AS rows
    FROM catalog_size n
    CROSS JOIN LATERAL (SELECT sqrt(:candidates * n.products / :walk_cost_ratio) AS worth_it) t
    LEFT JOIN expected e ON true
), exact AS (
    -- One name: the in-tier order is popularity then id here, the order of the name's index.
    SELECT id, 0 AS tier FROM catalog_products
    WHERE search_name = catalog_fold(:query)
    ORDER BY popularity DESC, id LIMIT :window
), generic AS (
    SELECT id, 1 AS tier FROM catalog_products
    WHERE is_generic
      AND (search_name LIKE catalog_fold(:prefix) OR search_head = catalog_fold(:query))
    ORDER BY IN_TIER_ORDER LIMIT :window
), words_among_best AS (
    SELECT id FROM (
        SELECT id, search_document FROM catalog_products
        ORDER BY popularity DESC, id LIMIT (SELECT rows FROM walk)
    ) AS best
    WHERE search_document @@ (SELECT q FROM word_query)
    LIMIT :candidates
), word_prefix AS (
    SELECT id, 2 AS tier FROM words_among_best
    UNION ALL (
        SELECT id, 2 AS tier FROM catalog_products
        WHERE (SELECT count(*) FROM words_among_best) < :window
          AND search_document @@ (SELECT q FROM word_query)
        -- "+ 0": not the rank index's order, so the planner reads the matches from the word index
        ORDER BY popularity + 0 DESC, id LIMIT :candidates
    )
), substring AS (
    SELECT id, 3 AS tier FROM catalog_products
    WHERE :substring_allowed AND (SELECT count(DISTINCT id) FROM word_prefix) < :window
      AND search_text LIKE catalog_fold(:contains)
    ORDER BY popularity DESC, id LIMIT :candidates
), found AS (
    SELECT * FROM exact UNION ALL SELECT * FROM generic
    UNION ALL SELECT * FROM word_prefix UNION ALL SELECT * FROM substring
), corrections AS (
    SELECT closest.word, closest.best
    FROM unnest(CAST(:words AS text[])) AS typed(word)
    CROSS JOIN LATERAL (
        -- A word the vocabulary holds is its own closest (one probe of the primary key); only
        -- the others are looked for by trigrams, which reads thousands of vocabulary rows.
        (SELECT w.word, w.best FROM catalog_search_words w
         WHERE w.word = catalog_fold(typed.word) AND w.word ~ '^[[:alnum:]]+$')
        UNION ALL
        (SELECT w.word, w.best FROM catalog_search_words w
         -- letters and digits only, as the completions: the words become tsquery text below
         WHERE w.word % catalog_fold(typed.word) AND w.word ~ '^[[:alnum:]]+$'
         ORDER BY similarity(w.word, catalog_fold(typed.word)) DESC, w.products DESC, w.word
         LIMIT 1)
        LIMIT 1
    ) AS closest
    WHERE (SELECT count(DISTINCT id) FROM found) < :window
), typo AS (
    SELECT id, 4 AS tier FROM catalog_products
    -- Every word of the query, corrected: a word the vocabulary has nothing close to matches
    -- nothing, so the query matches nothing here (it is never dropped).
    WHERE (SELECT count(*) FROM corrections) = cardinality(CAST(:words AS text[]))
      AND id IN (SELECT unnest(best) FROM corrections)
      AND search_document @@ (
          SELECT to_tsquery('simple', string_agg(word, ' & ')) FROM corrections
      )
    ORDER BY IN_TIER_ORDER LIMIT :window
)
SELECT DISTINCT ON (id) id, tier FROM (SELECT * FROM found UNION ALL SELECT * FROM typo) AS tiers
ORDER BY id, tier
""".replace("IN_TIER_ORDER", _IN_TIER_ORDER_SQL)


def query_words(query: str) -> list[str]:
    """The words of a query as the documents hold them: runs of letters and digits."""
    return _WORD.findall(query)


# The matching catalog products as a subquery of (id, tier): at most `window` per tier. Built
# once; each execution binds `parameters(query, window)`.
HITS: Subquery = text(_TIERS_SQL).columns(id=UUID(as_uuid=True), tier=Integer).subquery("hits")


def parameters(query: str, window: int) -> dict[str, Any]:
    """What `HITS` binds for `query`, `window` rows per tier."""
    query = " ".join(query.split())  # as the names are written: single spaces, no edges
    words = query_words(query)
    return {
        "query": query,
        "prefix": escape_like(query) + "%",
        "contains": contains_pattern(query),
        "whole_words": " ".join(words[:-1]) or None,
        "whole_list": words[:-1],
        "last_word": words[-1] if words else None,
        "substring_allowed": len(query) >= SUBSTRING_MIN_LENGTH,
        "words": words,
        "window": window,
        "candidates": window * CANDIDATES_PER_RESULT,
        "walk_cost_ratio": WALK_COST_RATIO,
        "walk_slack": WALK_SLACK,
    }
