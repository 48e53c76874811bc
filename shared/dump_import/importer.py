"""One catalog import run: read a dump, map and gate each record, stage accepted records in
batches (COPY), merge the run into the live catalog, optionally retire what a full dump no longer
holds, and report. The AWS import (one Lambda invocation per batch of a Distributed Map,
`functions/catalog_import`) reuses `batches.map_batch` and the same COPY and merge SQL, and
merges once after the last batch.
"""

from __future__ import annotations

import uuid
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import IO, Any

import orjson
import psycopg

from shared.domain.catalog_mapping import CatalogRecord
from shared.dump_import.batches import Rejected, mapped_batches, mapper_for
from shared.dump_import.readers import RecordStream
from shared.repositories import catalog_staging


@dataclass
class ImportReport:
    """What a run did, by outcome; `rejected` counts each rejection reason."""

    read: int = 0
    staged: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    complete: bool = False  # the whole file was read (no --limit cut it short)

    def add(self, other: ImportReport) -> None:
        """Count `other`'s run in this one (the refresh's total over its files)."""
        self.read += other.read
        self.staged += other.staged
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.retired += other.retired
        self.rejected.update(other.rejected)
        self.seconds += other.seconds


def stage_batch(
    connection: psycopg.Connection[Any], run_id: uuid.UUID, records: list[CatalogRecord]
) -> int:
    """COPY a mapped batch into the run's staging rows (its own transaction)."""
    return catalog_staging.copy_batch(connection, run_id, records) if records else 0


class _Loader:
    """Stages and merges each batch on one worker thread while the caller maps the next: psycopg
    waits for the server without the GIL, so PostgreSQL's share of the work runs on the other
    core. At most two batches wait, which bounds memory. The connection is the worker's alone
    until `close`."""

    def __init__(self, connection: psycopg.Connection[Any], run_id: uuid.UUID) -> None:
        self.connection, self.run_id = connection, run_id
        self.counts = catalog_staging.MergeCounts()
        self.merged_to = 0
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="catalog-loader")
        self._pending: deque[Future[None]] = deque()

    def _load(self, records: list[CatalogRecord]) -> None:
        stage_batch(self.connection, self.run_id, records)
        catalog_staging.merge_pending(self.connection, self.run_id, self.merged_to, self._merged)

    def _merged(self, last_seq: int, counts: catalog_staging.MergeCounts) -> None:
        self.merged_to = last_seq
        self.counts.add(counts)

    def submit(self, records: list[CatalogRecord]) -> None:
        if len(self._pending) >= 2:
            self._pending.popleft().result()
        self._pending.append(self._worker.submit(self._load, records))

    def finish(self) -> None:
        """Wait for every batch; the first failure is raised."""
        while self._pending:
            self._pending.popleft().result()

    def close(self) -> None:
        """Stop without raising (after a failure elsewhere): the connection is free again."""
        for future in self._pending:
            future.cancel()
        self._worker.shutdown(wait=True)


def write_rejections(rejects: IO[bytes], rejected: list[Rejected]) -> None:
    for item in rejected:
        line = {"record": item.number, "reason": str(item.reason), "source_id": item.source_id}
        rejects.write(orjson.dumps(line) + b"\n")


def run_import(
    connection: psycopg.Connection[Any] | None,
    stream: RecordStream,
    *,
    limit: int | None = None,
    full: bool = False,
    rejects: IO[bytes] | None = None,
    on_progress: Callable[[int], None] = lambda _: None,
) -> ImportReport:
    """Import `stream` through `connection` (None for a dry run: map and count, write nothing).
    `full` retires the source's products the dump does not hold, and only when the whole file
    was read."""
    if full and limit is not None:
        raise ValueError("--full retires what the file lacks, so it needs the whole file")
    report = ImportReport()
    batches = mapped_batches(stream, mapper_for(stream.source), limit)
    run_id = uuid.uuid4()
    loader = None
    if connection is not None:
        catalog_staging.clear_stale_runs(connection)
        loader = _Loader(connection, run_id)
    try:
        for read, accepted, rejected in batches:
            report.read += read
            report.rejected.update(str(r.reason) for r in rejected)
            if rejects is not None:
                write_rejections(rejects, rejected)
            if loader is not None and accepted:
                loader.submit(accepted)
            report.staged += len(accepted)
            on_progress(read)
        report.complete = limit is None or report.read < limit
        if loader is not None and connection is not None:
            loader.finish()
            counts = loader.counts
            report.inserted, report.updated = counts.inserted, counts.updated
            report.unchanged = counts.unchanged
            if full and report.complete:
                report.retired = catalog_staging.retire_absent(connection, run_id, stream.source)
            catalog_staging.rebuild_search_words(connection)
    finally:
        if loader is not None and connection is not None:
            loader.close()
            if not connection.closed:
                connection.rollback()
                catalog_staging.clear_run(connection, run_id)
    return report
