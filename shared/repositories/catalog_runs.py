"""The AWS catalog import's run and batch records (migration 0007), around the importer's own
staging and merge SQL (`catalog_staging`). Each step of a run can run again, after a retry, a
redrive or a lost answer, without doing its work twice:

- a batch is recorded in the transaction that COPYs it, so a replayed batch stages nothing;
- each merge chunk moves the run's mark (`merged_to`) and counts in the chunk's transaction;
- a full run retires once (`retired` is set in the retiring transaction);
- the finish writes the report and clears staging together, and a finished run is left alone.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from shared.domain.catalog_mapping import CatalogRecord
from shared.repositories import catalog_staging


@dataclass(frozen=True)
class Run:
    run_id: uuid.UUID
    source: str
    object_key: str
    full: bool
    merged_to: int
    retired: int | None
    report: dict[str, Any] | None


def _run(connection: psycopg.Connection[Any], run_id: uuid.UUID) -> Run:
    with connection.cursor(row_factory=dict_row) as cursor:
        row = cursor.execute(
            "SELECT run_id, source, object_key, full_dump AS full, merged_to, retired, report"
            " FROM catalog_import_runs WHERE run_id = %s",
            (run_id,),
        ).fetchone()
    if row is None:
        raise LookupError(f"no import run {run_id}")
    return Run(**row)


def start_run(
    connection: psycopg.Connection[Any],
    run_id: uuid.UUID,
    source: str,
    object_key: str,
    full: bool,
) -> Run:
    """The run's record, created on the first call (a retried prepare finds it)."""
    connection.execute(
        "INSERT INTO catalog_import_runs (run_id, source, object_key, full_dump)"
        " VALUES (%s, %s, %s, %s) ON CONFLICT (run_id) DO NOTHING",
        (run_id, source, object_key, full),
    )
    run = _run(connection, run_id)
    connection.commit()
    return run


def stage_batch_once(
    connection: psycopg.Connection[Any],
    run_id: uuid.UUID,
    batch_key: str,
    read: int,
    rejected: Counter[str],
    records: list[CatalogRecord],
) -> bool:
    """Record the batch and COPY its records in one transaction; False (nothing staged) when
    the batch was staged before."""
    recorded = connection.execute(
        "INSERT INTO catalog_import_batches (run_id, batch_key, read, staged, rejected)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (run_id, batch_key) DO NOTHING RETURNING 1",
        (run_id, batch_key, read, len(records), Jsonb(dict(rejected))),
    ).fetchone()
    if recorded is None:
        connection.rollback()
        return False
    catalog_staging.copy_batch(connection, run_id, records)  # commits the record with the rows
    return True


def merge_until(
    connection: psycopg.Connection[Any], run_id: uuid.UUID, keep_going: Callable[[], bool]
) -> bool:
    """Merge the run's staged rows chunk by chunk from its mark while `keep_going()`; True when
    every staged row is merged."""

    def mark(last_seq: int, counts: catalog_staging.MergeCounts) -> None:
        connection.execute(
            "UPDATE catalog_import_runs SET merged_to = %s, inserted = inserted + %s,"
            " updated = updated + %s, unchanged = unchanged + %s WHERE run_id = %s",
            (last_seq, counts.inserted, counts.updated, counts.unchanged, run_id),
        )

    merged_to = _run(connection, run_id).merged_to
    return catalog_staging.merge_pending(connection, run_id, merged_to, mark, keep_going)


def retire_once(connection: psycopg.Connection[Any], run: Run) -> None:
    """A full run retires its source's products that it did not stage, once."""
    if not run.full or run.retired is not None:
        return
    with connection.transaction():
        retired = catalog_staging.retire_absent(connection, run.run_id, run.source)
        connection.execute(
            "UPDATE catalog_import_runs SET retired = %s WHERE run_id = %s", (retired, run.run_id)
        )


_TOTALS = """
SELECT count(*) AS batches, coalesce(sum(read), 0) AS read, coalesce(sum(staged), 0) AS staged
FROM catalog_import_batches WHERE run_id = %s
"""
_REJECTED = """
SELECT reason, sum(count::int) AS count
FROM catalog_import_batches, jsonb_each_text(rejected) AS r(reason, count)
WHERE run_id = %s GROUP BY reason ORDER BY reason
"""
_RUN_COUNTS = """
SELECT source, object_key, full_dump AS "full", inserted, updated, unchanged,
       coalesce(retired, 0) AS retired, started_at, now() AS finished_at,
       extract(epoch FROM now() - started_at) AS seconds
FROM catalog_import_runs WHERE run_id = %s
"""


def _report(connection: psycopg.Connection[Any], run_id: uuid.UUID) -> dict[str, Any]:
    with connection.cursor(row_factory=dict_row) as cursor:
        totals = cursor.execute(_TOTALS, (run_id,)).fetchone() or {}
        rejected = cursor.execute(_REJECTED, (run_id,)).fetchall()
        counts = cursor.execute(_RUN_COUNTS, (run_id,)).fetchone() or {}
    report = {"run_id": str(run_id), **counts, **totals}
    report["rejected"] = {row["reason"]: int(row["count"]) for row in rejected}
    # Timestamps and the interval as JSON text and a number, once, here.
    as_json: dict[str, Any] = orjson.loads(orjson.dumps(report, default=float))
    return as_json


def finish_run(connection: psycopg.Connection[Any], run_id: uuid.UUID) -> dict[str, Any]:
    """Retire (full runs), rebuild the search vocabulary, write the report and clear the run's
    staging rows; the report. A finished run's report is returned as it was written."""
    run = _run(connection, run_id)
    connection.commit()
    if run.report is not None:
        return run.report
    retire_once(connection, run)
    catalog_staging.rebuild_search_words(connection)
    with connection.transaction():
        report = _report(connection, run_id)
        connection.execute(
            "UPDATE catalog_import_runs SET report = %s, finished_at = now() WHERE run_id = %s",
            (Jsonb(report), run_id),
        )
        connection.execute("DELETE FROM catalog_import_staging WHERE run_id = %s", (run_id,))
    return report
