"""The AWS catalog import's function, in-process, with the events the state machine sends
(Distributed Map batches as `ItemBatcher` makes them, from the items `make catalog-upload`
writes), against the real PostgreSQL: the catalog it builds equals the local importer's; a batch
that fails is redriven; a replayed batch, a repeated merge or finish and a rerun of the same
object change nothing; a full run retires once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest
from sqlalchemy import Engine, text

from functions.catalog_import import handler
from shared.db.engine import driver_connection
from shared.dump_import.importer import run_import
from shared.dump_import.items import item_lines
from shared.dump_import.readers import open_records
from shared.repositories import catalog_staging
from tests.support.catalog_data import FDC_FOUNDATION, OFF_JSONL

EXECUTION = "arn:aws:states:eu-central-1:123456789012:execution:countonme-dev-catalog-import:x"
MAX_BATCH_BYTES = 256 * 1024


class Context:
    """The Lambda context's clock: `remaining_ms` left in every call."""

    def __init__(self, remaining_ms: int = 900_000) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def batches(path: Path, max_items: int = 100) -> list[list[dict[str, Any]]]:
    """The object's items grouped as ItemBatcher does: at most `max_items`, and 256 KiB."""
    grouped: list[list[dict[str, Any]]] = [[]]
    size = 0
    for line in item_lines(stream := open_records(path), stream.source):
        if len(grouped[-1]) == max_items or size + len(line) > MAX_BATCH_BYTES:
            grouped.append([])
            size = 0
        grouped[-1].append(orjson.loads(line))
        size += len(line)
    return grouped


@pytest.fixture(autouse=True)
def fresh_connection(clean_db: None) -> Iterator[None]:
    """Each test opens the function's connection anew (as a new sandbox would)."""
    handler._connection = None
    yield
    if handler._connection is not None:
        handler._connection.close()
    handler._connection = None


def call(event: dict[str, Any], context: Context | None = None) -> dict[str, Any]:
    return handler.handle(event, context or Context())


def prepare(source: str = "off", full: bool = False, execution: str = EXECUTION) -> dict[str, Any]:
    event = {"step": "prepare", "execution": execution, "key": "dumps/x.jsonl", "source": source}
    return call(event | {"full": full})


def batch_event(run: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    batch_input = {"run_id": run["run_id"], "source": run["source"]}
    return {"step": "batch", "BatchInput": batch_input, "Items": items}


def merge_and_finish(run: dict[str, Any]) -> dict[str, Any]:
    while not call({"step": "merge", "run_id": run["run_id"]})["done"]:
        pass
    return call({"step": "finish", "run_id": run["run_id"]})


def import_in_aws(path: Path, source: str = "off", **options: Any) -> dict[str, Any]:
    run = prepare(source, **options)
    for items in batches(path):
        call(batch_event(run, items))
    return merge_and_finish(run)


def catalog(engine: Engine) -> set[tuple[Any, ...]]:
    """Every product with its portions, as stored (ids and times aside)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT p.source, p.source_id, p.name, p.brand, p.barcode, p.category,"
                " p.popularity, p.content_hash, array_agg(c.label || '=' || c.calories"
                " || '/' || c.is_default ORDER BY c.label) FROM catalog_products p"
                " JOIN catalog_portions c ON c.catalog_product_id = p.id GROUP BY p.id"
            )
        ).all()
    return {(*row[:-1], tuple(row[-1])) for row in rows}


def count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608


def truncate_catalog(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE catalog_products, catalog_import_runs CASCADE"))


@pytest.mark.parametrize(("path", "source"), [(OFF_JSONL, "off"), (FDC_FOUNDATION, "usda")])
def test_the_catalog_equals_the_local_importers(
    engine: Engine, database_url: str, path: Path, source: str
) -> None:
    report = import_in_aws(path, source)
    in_aws = catalog(engine)
    truncate_catalog(engine)
    with driver_connection(database_url) as connection:
        local = run_import(connection, open_records(path))
    assert in_aws == catalog(engine)
    assert report["read"] == local.read
    assert report["staged"] == local.staged
    assert report["inserted"] == local.inserted > 0
    assert report["rejected"] == dict(local.rejected)
    assert report["batches"] == len(batches(path))
    assert count(engine, "catalog_import_staging") == 0
    assert count(engine, "catalog_search_words") > 0


def test_a_failed_batch_is_redriven_and_stages_once(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = prepare()
    first, second, *rest = batches(OFF_JSONL)
    call(batch_event(run, first))
    copy = catalog_staging.copy_batch

    def lose_the_connection() -> None:
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    def copy_then_lose_the_connection(connection: Any, run_id: Any, records: Any) -> int:
        connection.commit = lose_the_connection  # the rows are written, the commit never lands
        try:
            return copy(connection, run_id, records)
        finally:
            del connection.commit

    monkeypatch.setattr(catalog_staging, "copy_batch", copy_then_lose_the_connection)
    with pytest.raises(handler.DatabaseUnavailable):
        call(batch_event(run, second))
    assert count(engine, "catalog_import_batches") == 1  # the failed batch left nothing
    monkeypatch.setattr(catalog_staging, "copy_batch", copy)
    redriven = call(batch_event(run, second))  # a new connection, the same items
    assert redriven["replayed"] is False and redriven["staged"] > 0
    for items in rest:
        call(batch_event(run, items))
    report = merge_and_finish(run)
    assert report["read"] == 1000
    assert report["batches"] == len(rest) + 2


def test_a_replayed_batch_changes_nothing(engine: Engine) -> None:
    run = prepare()
    items = batches(OFF_JSONL)
    for group in items:
        call(batch_event(run, group))
    staged = count(engine, "catalog_import_staging")
    again = call(batch_event(run, items[3]))
    assert again == {"read": len(items[3]), "staged": 0, "replayed": True}
    assert count(engine, "catalog_import_staging") == staged
    report = merge_and_finish(run)
    assert report["read"] == 1000


def test_a_rerun_of_the_same_object_changes_nothing(engine: Engine) -> None:
    first = import_in_aws(OFF_JSONL)
    with engine.connect() as conn:
        before = conn.execute(text("SELECT max(updated_at), count(*) FROM catalog_products")).one()
    second = import_in_aws(OFF_JSONL, execution=EXECUTION + "-again")
    with engine.connect() as conn:
        after = conn.execute(text("SELECT max(updated_at), count(*) FROM catalog_products")).one()
    assert second["run_id"] != first["run_id"]
    assert (second["inserted"], second["updated"]) == (0, 0)
    assert second["unchanged"] == first["inserted"]
    assert after == before


def test_merge_stops_when_time_runs_short_and_resumes_from_its_mark(engine: Engine) -> None:
    run = prepare()
    for items in batches(OFF_JSONL):
        call(batch_event(run, items))
    short = Context(remaining_ms=handler.MERGE_MARGIN_MS - 1)
    assert call({"step": "merge", "run_id": run["run_id"]}, short) == {"done": False}
    assert count(engine, "catalog_products") == 0
    assert call({"step": "merge", "run_id": run["run_id"]}) == {"done": True}
    merged = count(engine, "catalog_products")
    assert call({"step": "merge", "run_id": run["run_id"]}) == {"done": True}  # a retry
    report = call({"step": "finish", "run_id": run["run_id"]})
    assert report["inserted"] == merged > 0


def test_a_full_run_retires_once_and_a_repeated_finish_returns_its_report(
    engine: Engine,
) -> None:
    import_in_aws(OFF_JSONL)
    with engine.begin() as conn:  # a product the next dump no longer holds
        conn.execute(
            text(
                "INSERT INTO catalog_products (id, source, source_id, name, display_name,"
                " popularity) VALUES (gen_random_uuid(), 'off', 'gone', 'Gone', 'Gone', 0)"
            )
        )
    run = prepare(full=True, execution=EXECUTION + "-full")
    for items in batches(OFF_JSONL):
        call(batch_event(run, items))
    report = merge_and_finish(run)
    assert report["retired"] == 1 and report["full"] is True
    products = count(engine, "catalog_products")
    assert call({"step": "finish", "run_id": run["run_id"]}) == report  # the answer was lost
    assert count(engine, "catalog_products") == products


def test_unreadable_items_are_counted_as_malformed() -> None:
    run = prepare()
    result = call(batch_event(run, ["not an object", {"record": 7, "document": None}]))
    assert result == {"read": 2, "staged": 0, "replayed": False}
    report = merge_and_finish(run)
    assert report["rejected"] == {"malformed": 2}


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"step": "unknown"},
        {"step": ["prepare"]},
        {"step": "record_delta", "name": "openfoodfacts_products_1_2.json.gz", "report": []},
        {"step": "prepare", "execution": EXECUTION, "key": "k", "source": "mystery"},
        {"step": "prepare", "execution": EXECUTION, "key": "k", "source": "off", "full": "yes"},
        {"step": "batch", "BatchInput": {"run_id": "nope", "source": "off"}, "Items": []},
        {"step": "batch", "BatchInput": {"source": "off"}, "Items": "x"},
        {"step": "merge", "run_id": 12},
    ],
)
def test_events_the_state_machine_never_sends_are_refused(event: dict[str, Any]) -> None:
    with pytest.raises(handler.InvalidImportEvent):
        call(event)


def test_a_database_that_cannot_serve_is_a_retryable_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(_settings: Any) -> Any:
        raise psycopg.OperationalError("connection refused")

    monkeypatch.setattr(handler, "settings_connection", refuse)
    with pytest.raises(handler.DatabaseUnavailable):
        prepare()


def test_prepare_hands_the_map_its_concurrency(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPORT_MAX_CONCURRENCY", "7")
    run = prepare()
    assert run["max_concurrency"] == 7
    assert run == prepare()  # a retried prepare continues the same run
    assert Counter(r["source"] for r in (run,)) == {"off": 1}
