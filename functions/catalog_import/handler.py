"""The catalog import's steps in AWS: one function, called by the CatalogImport state machine
(template.yaml) with `{"step": ...}`. Not an API function: no SnapStart, no request sessions, one
plain connection per sandbox as the import role, whose own statement timeout fits a merge.

- `prepare`: the run's record (its id derived from the execution's, so a redrive continues the
  same run) and the clearing of staging rows that dead runs left.
- `batch`: one Distributed Map batch, `{"BatchInput": {"run_id", "source"}, "Items": [{"record":
  n, "document": {...}}]}` (the items `make catalog-upload` wrote): map and gate with the
  importer's code, then record the batch and COPY its records in one transaction. A batch staged
  before (a retry, a redrive, a replay) stages nothing.
- `merge`: merge staged rows from the run's mark until the invocation's time runs short;
  `{"done": false}` makes the state machine call it again.
- `finish`: retire (full runs), rebuild the search vocabulary, write and return the report.

The CatalogRefresh state machine (Open Food Facts' daily deltas) calls three more steps here, the
ones that need the database (its fetch function has none):

- `pending_deltas`: of the index's files, `{"files": [{"name": ...}]}`, those not applied yet,
  oldest first;
- `record_delta`: `{"name", "report"}` records a file whose import succeeded;
- `freshness`: the newest applied file's last change, published as the `CatalogFreshThrough`
  (UNIX seconds) and `CatalogAgeHours` metrics (the stage's staleness alarm watches the age);
  operators invoke it to ask how fresh the catalog is.

A database that cannot serve raises `DatabaseUnavailable`, which the state machine retries with
backoff; a malformed event raises `InvalidImportEvent`, which it does not.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg

from shared.db.engine import settings_connection
from shared.domain.catalog_deltas import DeltaFile, DeltaIndex, delta_file, pending
from shared.domain.catalog_mapping import SOURCE_OFF, SOURCE_USDA
from shared.dump_import.batches import map_batch, mapper_for
from shared.dump_import.readers import SourceRecord
from shared.repositories import catalog_deltas, catalog_runs, catalog_staging
from shared.runtime.observability import instrument_handler, logger, metrics
from shared.runtime.settings import get_settings

SOURCES = (SOURCE_OFF, SOURCE_USDA)
# A merge invocation stops taking chunks when less than this is left of its time (a chunk of
# 20,000 rows merges in seconds; the rest is margin for a slow one).
MERGE_MARGIN_MS = 120_000
DEFAULT_MAX_CONCURRENCY = 10
# The index names 14 files; a list this long is not one.
MAX_DELTA_FILES = 100
# Run ids are derived from the execution's ARN: the same execution (a redrive) is the same run.
RUN_NAMESPACE = uuid.UUID("5b0c8a52-4c8e-4d5e-9a57-3f0f6c1e2a10")


class InvalidImportEvent(ValueError):
    """The event is not one the state machine sends."""


class DatabaseUnavailable(RuntimeError):
    """The database did not serve the step (connection lost, shutting down, timeout)."""


_connection: psycopg.Connection[Any] | None = None


def _database() -> psycopg.Connection[Any]:
    """The sandbox's connection, opened again when the last one broke."""
    global _connection
    if _connection is None or _connection.closed or _connection.broken:
        _connection = settings_connection(get_settings())
    return _connection


def _required(event: dict[str, Any], name: str, kind: type) -> Any:
    value = event.get(name)
    if not isinstance(value, kind):
        raise InvalidImportEvent(f"{name} must be a {kind.__name__}")
    return value


def _source(event: dict[str, Any]) -> str:
    source = _required(event, "source", str)
    if source not in SOURCES:
        raise InvalidImportEvent(f"source must be one of {', '.join(SOURCES)}")
    return source


def _run_id(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InvalidImportEvent("run_id must be a UUID") from None


def prepare(event: dict[str, Any], connection: psycopg.Connection[Any]) -> dict[str, Any]:
    execution = _required(event, "execution", str)
    key = _required(event, "key", str)
    source = _source(event)
    full = event.get("full", False)
    if not isinstance(full, bool):
        raise InvalidImportEvent("full must be true or false")
    catalog_staging.clear_stale_runs(connection)
    run = catalog_runs.start_run(
        connection, uuid.uuid5(RUN_NAMESPACE, execution), source, key, full
    )
    logger.info("Import run prepared", extra={"run_id": str(run.run_id), "key": key})
    concurrency = int(os.environ.get("IMPORT_MAX_CONCURRENCY", DEFAULT_MAX_CONCURRENCY))
    return {"run_id": str(run.run_id), "source": run.source, "max_concurrency": concurrency}


def _records(items: list[Any]) -> list[SourceRecord]:
    records = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            records.append(SourceRecord(number, None))
            continue
        document = item.get("document")
        record = item.get("record")
        records.append(
            SourceRecord(
                record if isinstance(record, int) else number,
                document if isinstance(document, dict) else None,
            )
        )
    return records


def batch(event: dict[str, Any], connection: psycopg.Connection[Any]) -> dict[str, Any]:
    batch_input = _required(event, "BatchInput", dict)
    items = _required(event, "Items", list)
    run_id = _run_id(batch_input.get("run_id"))
    source = _source(batch_input)
    # The batch's identity is its content: a redriven batch gets the same items again.
    key = hashlib.blake2b(orjson.dumps(items), digest_size=16).hexdigest()
    accepted, rejected = map_batch(_records(items), mapper_for(source))
    reasons = Counter(str(r.reason) for r in rejected)
    staged = catalog_runs.stage_batch_once(connection, run_id, key, len(items), reasons, accepted)
    copied = len(accepted) if staged else 0
    metrics.add_metric(name="CatalogRecordsStaged", unit="Count", value=copied)
    return {"read": len(items), "staged": copied, "replayed": not staged}


def merge(
    event: dict[str, Any], connection: psycopg.Connection[Any], context: Any
) -> dict[str, Any]:
    run_id = _run_id(event.get("run_id"))
    done = catalog_runs.merge_until(
        connection, run_id, lambda: context.get_remaining_time_in_millis() > MERGE_MARGIN_MS
    )
    return {"done": done}


def finish(event: dict[str, Any], connection: psycopg.Connection[Any]) -> dict[str, Any]:
    report = catalog_runs.finish_run(connection, _run_id(event.get("run_id")))
    logger.info("Import run finished", extra={"report": report})
    return report


def _delta(value: Any) -> DeltaFile:
    name = value.get("name") if isinstance(value, dict) else None
    found = delta_file(name) if isinstance(name, str) else None
    if found is None:
        raise InvalidImportEvent("each file must have a delta file's name")
    return found


def pending_deltas(event: dict[str, Any], connection: psycopg.Connection[Any]) -> dict[str, Any]:
    files = _required(event, "files", list)
    if len(files) > MAX_DELTA_FILES:
        raise InvalidImportEvent(f"at most {MAX_DELTA_FILES} files")
    index = DeltaIndex(tuple(sorted({_delta(f) for f in files})), 0)
    applied = catalog_deltas.applied_names(connection, [f.name for f in index.files])
    return {"files": [{"name": f.name} for f in pending(index, applied)]}


def record_delta(event: dict[str, Any], connection: psycopg.Connection[Any]) -> dict[str, Any]:
    delta = _delta(event)
    report = _required(event, "report", dict)
    catalog_deltas.record_applied(connection, delta, report)
    logger.info("Delta applied", extra={"delta": delta.name, "report": report})
    return {"recorded": delta.name}


def freshness(connection: psycopg.Connection[Any]) -> dict[str, Any]:
    fresh = catalog_deltas.fresh_through(connection)
    if fresh is None:
        return {"fresh_through": None, "age_hours": None}
    age_hours = (datetime.now(UTC) - fresh).total_seconds() / 3600
    metrics.add_metric(name="CatalogFreshThrough", unit="Seconds", value=fresh.timestamp())
    metrics.add_metric(name="CatalogAgeHours", unit="Count", value=round(age_hours, 2))
    return {"fresh_through": fresh.isoformat(), "age_hours": round(age_hours, 2)}


Step = Callable[[dict[str, Any], psycopg.Connection[Any], Any], dict[str, Any]]
STEPS: dict[str, Step] = {
    "prepare": lambda event, connection, _: prepare(event, connection),
    "batch": lambda event, connection, _: batch(event, connection),
    "merge": merge,
    "finish": lambda event, connection, _: finish(event, connection),
    "pending_deltas": lambda event, connection, _: pending_deltas(event, connection),
    "record_delta": lambda event, connection, _: record_delta(event, connection),
    "freshness": lambda _event, connection, _: freshness(connection),
}


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    step = event.get("step") if isinstance(event, dict) else None
    if not isinstance(step, str) or step not in STEPS:
        raise InvalidImportEvent(f"step must be one of {', '.join(STEPS)}")
    try:
        return STEPS[step](event, _database(), context)
    except psycopg.OperationalError as exc:
        logger.warning("Database unavailable", extra={"step": step, "error": type(exc).__name__})
        if _connection is not None:
            _connection.close()
        raise DatabaseUnavailable(f"the database did not serve the {step} step") from exc
    except Exception:
        # A warm sandbox's next invocation must not start inside this one's transaction.
        if _connection is not None and not _connection.closed:
            _connection.rollback()
        raise


lambda_handler = instrument_handler(handle, correlation_id_path=None)
