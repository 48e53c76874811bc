"""The catalog import's SQL: COPY a batch of mapped records into the run's staging rows, merge the
staged run into the live catalog in short set-based transactions, retire a source's products a
full run did not see, and clear the run. No statement here touches one product at a time.

The merge is keyed by `(source, source_id)` and skips a product whose content hash is unchanged,
so re-importing a file writes nothing (`updated_at` stays), and one whose source says it is older
than the version held (`source_modified_at`), so an older delta or dump never undoes a newer
change; both count as unchanged. Each chunk of staged rows is one transaction: products are
upserted, then the changed ones get their portions replaced. A run that dies leaves every product
either as it was or fully merged, and running the file again completes it. Only row locks are
taken: search and barcode lookups keep reading (MVCC) throughout.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg

from shared.domain.catalog_mapping import CatalogRecord

_COLUMNS = (
    "run_id, source, source_id, name, display_name, brand, barcode, category, popularity,"
    " content_hash, portions, source_modified_at"
)
MERGE_CHUNK = 20_000
STALE_RUN_AGE = "1 day"


def _portion_json(record: CatalogRecord) -> bytes:
    return orjson.dumps(
        [
            {
                "label": p.label,
                "base_amount": str(p.base_amount),
                "base_unit": p.base_unit,
                "gram_weight": None if p.gram_weight is None else str(p.gram_weight),
                "calories": str(p.calories),
                "protein": None if p.protein is None else str(p.protein),
                "carbs": None if p.carbs is None else str(p.carbs),
                "fat": None if p.fat is None else str(p.fat),
                "is_default": p.is_default,
            }
            for p in record.portions
        ]
    )


def staging_row(run_id: uuid.UUID, record: CatalogRecord) -> tuple[Any, ...]:
    """The staging row of `record`, with the digest of everything the catalog will store but
    the source's version time (a newer time with the same content is no change to the catalog)."""
    portions = _portion_json(record)
    fields = (
        record.source,
        record.source_id,
        record.name,
        record.display_name,
        record.brand,
        record.barcode,
        record.category,
        record.popularity,
    )
    digest = hashlib.blake2b(orjson.dumps(fields) + portions, digest_size=16).hexdigest()
    return (run_id, *fields, digest, portions.decode(), record.modified_at)


def copy_batch(
    connection: psycopg.Connection[Any], run_id: uuid.UUID, records: Iterable[CatalogRecord]
) -> int:
    """COPY `records` into the run's staging rows and commit; the number of rows copied."""
    copied = 0
    with connection.cursor() as cursor:
        statement = f"COPY catalog_import_staging ({_COLUMNS}) FROM STDIN"
        with cursor.copy(statement) as copy:
            for record in records:
                copy.write_row(staging_row(run_id, record))
                copied += 1
    connection.commit()
    return copied


def clear_stale_runs(connection: psycopg.Connection[Any]) -> None:
    """Drop staging rows of runs that died more than a day ago (a live run is never that old)."""
    connection.execute(
        "DELETE FROM catalog_import_staging WHERE staged_at < now() - %s::interval",
        (STALE_RUN_AGE,),
    )
    connection.commit()


def clear_run(connection: psycopg.Connection[Any], run_id: uuid.UUID) -> None:
    connection.execute("DELETE FROM catalog_import_staging WHERE run_id = %s", (run_id,))
    connection.commit()


@dataclass
class MergeCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: MergeCounts) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged


# The statements below are composed of these constants only, never of input (S608 is off here).
# The chunk's records, one a product: its newest version, the last staged among equals.
_CHUNK = """
    SELECT DISTINCT ON (source, source_id) *
    FROM catalog_import_staging
    WHERE run_id = %(run_id)s AND seq BETWEEN %(first)s AND %(last)s
    ORDER BY source, source_id, source_modified_at DESC NULLS LAST, seq DESC
"""
# Whether the incoming version replaces the held one `c`: a newer one does, an older one
# never; with equal times (or a source that gives none) only a different content does.
_REPLACES = """
    CASE WHEN c.source_modified_at IS NULL OR EXCLUDED.source_modified_at IS NULL
              OR c.source_modified_at = EXCLUDED.source_modified_at
         THEN c.content_hash IS DISTINCT FROM EXCLUDED.content_hash
         ELSE EXCLUDED.source_modified_at > c.source_modified_at END
"""
_UPSERT = f"""
    WITH incoming AS ({_CHUNK}),
    upserted AS (
        INSERT INTO catalog_products AS c (id, source, source_id, name, display_name, brand,
                                           barcode, category, popularity, content_hash,
                                           source_modified_at)
        SELECT gen_random_uuid(), source, source_id, name, display_name, brand, barcode,
               category, popularity, content_hash, source_modified_at
        FROM incoming
        ON CONFLICT (source, source_id) DO UPDATE
        SET name = EXCLUDED.name, display_name = EXCLUDED.display_name, brand = EXCLUDED.brand,
            barcode = EXCLUDED.barcode, category = EXCLUDED.category,
            popularity = EXCLUDED.popularity, content_hash = EXCLUDED.content_hash,
            source_modified_at = EXCLUDED.source_modified_at, updated_at = now()
        WHERE {_REPLACES}
        RETURNING (xmax = 0) AS inserted
    )
    SELECT (SELECT count(*) FROM incoming),
           count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
    FROM upserted
"""
# Products changed by this transaction are those whose updated_at is its start time, now().
_CHANGED = f"""
    SELECT c.id, i.portions FROM ({_CHUNK}) AS i
    JOIN catalog_products c USING (source, source_id)
    WHERE c.updated_at = now()
"""
_CLEAR_PORTIONS = f"""
    DELETE FROM catalog_portions p USING ({_CHANGED}) AS changed
    WHERE p.catalog_product_id = changed.id
"""
_INSERT_PORTIONS = f"""
    INSERT INTO catalog_portions (id, catalog_product_id, label, base_amount, base_unit,
                                  gram_weight, calories, protein, carbs, fat, is_default)
    SELECT gen_random_uuid(), changed.id, x.label, x.base_amount, x.base_unit, x.gram_weight,
           x.calories, x.protein, x.carbs, x.fat, x.is_default
    FROM ({_CHANGED}) AS changed,
         jsonb_to_recordset(changed.portions) AS x(
             label text, base_amount numeric, base_unit text, gram_weight numeric,
             calories numeric, protein numeric, carbs numeric, fat numeric, is_default boolean)
"""


def _last_staged(connection: psycopg.Connection[Any], run_id: uuid.UUID) -> int | None:
    """The run's highest staging sequence number (one index probe), None before its first row."""
    row = connection.execute(
        "SELECT max(seq) FROM catalog_import_staging WHERE run_id = %s", (run_id,)
    ).fetchone()
    connection.commit()
    return None if row is None else row[0]


def _merge_chunk(
    connection: psycopg.Connection[Any], run_id: uuid.UUID, first: int, last: int
) -> MergeCounts:
    params = {"run_id": run_id, "first": first, "last": last}
    row = connection.execute(_UPSERT, params).fetchone()
    assert row is not None
    staged, inserted, updated = row
    if inserted or updated:
        connection.execute(_CLEAR_PORTIONS, params)
        connection.execute(_INSERT_PORTIONS, params)
    return MergeCounts(inserted, updated, staged - inserted - updated)


def merge_pending(
    connection: psycopg.Connection[Any],
    run_id: uuid.UUID,
    after_seq: int,
    merged: Callable[[int, MergeCounts], None],
    keep_going: Callable[[], bool] = lambda: True,
) -> bool:
    """Merge the run's staged rows after `after_seq`, `MERGE_CHUNK` rows per transaction, while
    `keep_going()`; `merged(last_seq, counts)` runs inside each chunk's transaction, so a mark it
    writes commits with the chunk. True when every staged row is merged."""
    last_staged = _last_staged(connection, run_id)
    if last_staged is None:
        return True
    for first in range(after_seq + 1, last_staged + 1, MERGE_CHUNK):
        if not keep_going():
            return False
        last = min(first + MERGE_CHUNK - 1, last_staged)
        with connection.transaction():
            merged(last, _merge_chunk(connection, run_id, first, last))
    return True


def retire_absent(connection: psycopg.Connection[Any], run_id: uuid.UUID, source: str) -> int:
    """Delete `source`'s products that the run did not stage (with their portions); a run that
    read its whole dump calls this, so the catalog holds that dump's products, and those a delta
    added or changed after the dump's newest change (the dump was taken before them)."""
    with connection.transaction():
        cursor = connection.execute(
            """
            DELETE FROM catalog_products c
            WHERE c.source = %(source)s AND NOT EXISTS (
                SELECT 1 FROM catalog_import_staging s
                WHERE s.run_id = %(run_id)s AND s.source = c.source AND s.source_id = c.source_id
            ) AND (c.source_modified_at IS NULL OR c.source_modified_at <= coalesce(
                (SELECT max(s.source_modified_at) FROM catalog_import_staging s
                 WHERE s.run_id = %(run_id)s), 'infinity'))
            """,
            {"source": source, "run_id": run_id},
        )
        return cursor.rowcount


# The typo-tolerant search tier's vocabulary (`shared.search.tiers`): every word of the
# documents, how many products hold it and the ids of its best ranked 60 (the largest search page).
REBUILD_SEARCH_WORDS = """
DELETE FROM catalog_search_words;
INSERT INTO catalog_search_words (word, products, best)
SELECT w.word, count(*),
       (array_agg(p.id ORDER BY p.popularity DESC, length(p.search_name), p.id))[1:60]
FROM catalog_products p, unnest(tsvector_to_array(p.search_document)) AS w(word)
GROUP BY w.word
"""


def rebuild_search_words(connection: psycopg.Connection[Any]) -> None:
    """Rebuild the vocabulary in one transaction (searches read the old one until it commits)."""
    with connection.transaction():
        connection.execute(REBUILD_SEARCH_WORDS)
