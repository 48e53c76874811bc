"""The daily refresh's AWS functions in-process, as the CatalogRefresh state machine calls them:
the fetch function (outside the VPC: the local delta server and S3 in moto) and the import
function's delta steps (the real PostgreSQL). A scheduled run applies the pending deltas and a
second run finds nothing pending; a fetch is done once; a broken file leaves nothing in the
bucket; the freshness step publishes the newest change."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import orjson
import pytest
from moto import mock_aws
from sqlalchemy import Engine, text

from functions.catalog_import import handler as import_handler
from functions.catalog_refresh import full_dump as full_dump_steps
from functions.catalog_refresh import handler as refresh_handler
from functions.catalog_refresh import uploads
from infra.local.delta_server import FULL_DUMP, DeltaServer
from shared.dump_import.delta_check import BrokenDeltaFile
from shared.dump_import.items import ITEMS_FORMAT, item_lines
from shared.dump_import.projection import projector_for
from shared.dump_import.readers import open_records
from tests.integration.test_catalog_import_aws import Context, batch_event, merge_and_finish
from tests.support.catalog_data import off_products
from tests.support.deltas import (
    delta_name,
    write_delta,
)

BUCKET = "countonme-dev-dumps"
NEWCOMER = "2000000000015"


@pytest.fixture(autouse=True)
def fresh_connection(clean_db: None) -> Iterator[None]:
    """Each test opens the import function's connection anew (as a new sandbox would)."""
    import_handler._connection = None
    yield
    if import_handler._connection is not None:
        import_handler._connection.close()
    import_handler._connection = None


@pytest.fixture
def aws(
    served: DeltaServer, aws_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    monkeypatch.setenv("DELTA_SOURCE_URL", served.url)
    monkeypatch.setenv("DUMP_BUCKET", BUCKET)
    with mock_aws():
        uploads.s3.cache_clear()
        s3 = boto3.client("s3", region_name="eu-central-1")
        s3.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
        )
        yield s3
        uploads.s3.cache_clear()


def two_days(folder: Path) -> None:
    sample = off_products()
    write_delta(folder, 0, sample[:200])
    write_delta(folder, 1, [*sample[200:300], {**sample[300], "code": NEWCOMER}])


def on_import(event: dict[str, Any]) -> dict[str, Any]:
    return import_handler.handle(event, Context())


def on_fetch(event: dict[str, Any]) -> dict[str, Any]:
    return refresh_handler.handle(event, Context())


def items_of(s3: Any, key: str) -> list[dict[str, Any]]:
    return [
        orjson.loads(line) for line in s3.get_object(Bucket=BUCKET, Key=key)["Body"].iter_lines()
    ]


def import_items(s3: Any, key: str) -> dict[str, Any]:
    """The import state machine on one items object (its batches of 100)."""
    execution = f"arn:aws:states:eu-central-1:1:execution:countonme-dev-catalog-import:{key[-20:]}"
    run = on_import({"step": "prepare", "execution": execution, "key": key, "source": "off"})
    items = items_of(s3, key)
    for start in range(0, len(items), 100):
        on_import(batch_event(run, items[start : start + 100]))
    return merge_and_finish(run)


def scheduled_run(s3: Any) -> list[str]:
    """The CatalogRefresh state machine's states in order; the names it applied."""
    listed = on_fetch({"step": "list"})
    pending = on_import({"step": "pending_deltas", "files": listed["files"]})
    for file in pending["files"]:
        fetched = on_fetch({"step": "fetch", "name": file["name"]})
        report = import_items(s3, fetched["key"])
        on_import({"step": "record_delta", "name": file["name"], "report": report})
    on_import({"step": "freshness"})
    return [file["name"] for file in pending["files"]]


def test_a_scheduled_run_applies_the_pending_deltas_and_the_next_finds_none(
    aws: Any, served: DeltaServer, engine: Engine
) -> None:
    two_days(served.folder)
    assert scheduled_run(aws) == [delta_name(0), delta_name(1)]
    with engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM catalog_products WHERE barcode = :b"), {"b": NEWCOMER}
            ).scalar_one()
            == 1
        )
        recorded = conn.execute(text("SELECT name FROM catalog_deltas ORDER BY name")).scalars()
        assert list(recorded) == [delta_name(0), delta_name(1)]
    requests = len(served.ranges)
    assert scheduled_run(aws) == []
    assert len(served.ranges) == requests


def test_a_fetch_writes_the_items_of_the_delta_once(
    aws: Any, served: DeltaServer, tmp_path: Path
) -> None:
    two_days(served.folder)
    first = on_fetch({"step": "fetch", "name": delta_name(1)})
    assert first["fetched"] is True and first["records"] == 101
    head = aws.head_object(Bucket=BUCKET, Key=first["key"])
    assert head["Metadata"] == {"items": ITEMS_FORMAT, "source": "off", "delta": delta_name(1)}
    stream = open_records(served.folder / delta_name(1))
    expected = [orjson.loads(line) for line in item_lines(stream, "off")]
    assert items_of(aws, first["key"]) == expected
    assert on_fetch({"step": "fetch", "name": delta_name(1)}) == {
        "key": first["key"],
        "fetched": False,
    }
    assert len(served.ranges) == 1


def test_a_broken_delta_leaves_nothing_in_the_bucket(aws: Any, served: DeltaServer) -> None:
    write_delta(served.folder, 0, off_products()[:300])
    path = served.folder / delta_name(0)
    path.write_bytes(path.read_bytes()[:-100])  # truncated
    with pytest.raises(BrokenDeltaFile):
        on_fetch({"step": "fetch", "name": delta_name(0)})
    assert aws.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0
    assert aws.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


@pytest.mark.parametrize(
    "event",
    [
        {"step": "fetch", "name": "../../etc/passwd"},
        {"step": "fetch"},
        {"step": "copy"},
    ],
)
def test_the_fetch_refuses_what_the_state_machine_never_sends(
    aws: Any, event: dict[str, Any]
) -> None:
    with pytest.raises(refresh_handler.InvalidRefreshEvent):
        on_fetch(event)


def test_pending_deltas_refuses_other_names_and_long_lists() -> None:
    with pytest.raises(import_handler.InvalidImportEvent):
        on_import({"step": "pending_deltas", "files": [{"name": "x; DROP TABLE"}]})
    many = [{"name": delta_name(day)} for day in range(import_handler.MAX_DELTA_FILES + 1)]
    with pytest.raises(import_handler.InvalidImportEvent):
        on_import({"step": "pending_deltas", "files": many})


def test_freshness_is_the_newest_recorded_change(aws: Any, served: DeltaServer) -> None:
    assert on_import({"step": "freshness"}) == {"fresh_through": None, "age_hours": None}
    two_days(served.folder)
    scheduled_run(aws)
    fresh = on_import({"step": "freshness"})
    assert fresh["fresh_through"] == "2026-12-02T23:59:59+00:00"
    assert fresh["age_hours"] > 0


def test_the_fetch_streams_a_delta_larger_than_a_part(
    aws: Any, served: DeltaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(uploads, "PART_BYTES", 5 << 20)  # S3's smallest part
    project = projector_for("off")  # the fields the items keep: smaller to write and read
    products = [project(p) for p in off_products()] * 20  # 20,000 items: over 5 MiB
    with gzip.open(served.folder / delta_name(0), "wb") as out:
        out.writelines(orjson.dumps(p) + b"\n" for p in products)
    fetched = on_fetch({"step": "fetch", "name": delta_name(0)})
    assert fetched["records"] == 20_000
    parts = aws.head_object(Bucket=BUCKET, Key=fetched["key"], PartNumber=1)
    assert int(parts["PartsCount"]) > 1
    assert len(items_of(aws, fetched["key"])) == 20_000


class Clock:
    """A Lambda context whose time runs out after `calls` checks of the time left."""

    def __init__(self, calls: int) -> None:
        self.calls = calls

    def get_remaining_time_in_millis(self) -> int:
        self.calls -= 1
        return 900_000 if self.calls > 0 else 1_000


def full_dump(folder: Path, copies: int) -> Path:
    """A full dump: the sample's products, projected (smaller), `copies` times with new codes."""
    project = projector_for("off")
    path = folder / FULL_DUMP
    with gzip.open(path, "wb") as out:
        for copy in range(copies):
            for product in off_products():
                code = f"{copy:03d}{product['code']}"
                out.write(orjson.dumps({**project(product), "code": code}) + b"\n")
    return path


def test_the_full_dump_is_converted_over_as_many_invocations_as_it_takes(
    aws: Any, served: DeltaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import moto.s3.models

    dump = full_dump(served.folder, copies=4)
    monkeypatch.setenv("FULL_DUMP_URL", served.full_dump_url)
    monkeypatch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", 1)
    monkeypatch.setattr(full_dump_steps, "RAW_PART_BYTES", dump.stat().st_size // 5)
    monkeypatch.setattr(uploads, "PART_BYTES", 150_000)  # about 3 parts a conversion
    state: dict[str, Any] = {"phase": "start"}
    phases: list[str] = []  # the phase each invocation returned
    while state["phase"] != "done":
        event = {"step": "fetch_full", "run": "2026-12", "state": state}
        state = refresh_handler.handle(event, Clock(calls=3))
        phases.append(state["phase"])
    # the copy stopped and resumed, then the conversion stopped and resumed, more than once
    assert phases.count("copy") >= 1 and phases.count("convert") >= 2
    assert state["key"] == "dumps/off/full/2026-12.jsonl" and state["lines"] == 4000
    expected = list(item_lines(open_records(dump), "off"))
    assert [orjson.dumps(item) + b"\n" for item in items_of(aws, state["key"])] == expected
    raw = aws.get_object(Bucket=BUCKET, Key="dumps/off/full/2026-12.jsonl.gz")["Body"].read()
    assert raw == dump.read_bytes()
    assert served.ranges[0] is None and served.ranges[1].startswith("bytes=")  # copy resumed
    assert aws.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


@pytest.mark.parametrize(
    "state",
    [None, {"phase": "done"}, {"phase": "start"}],
)
def test_the_full_fetch_refuses_states_it_never_returned(aws: Any, state: Any) -> None:
    event = {"step": "fetch_full", "run": "../x", "state": state}
    with pytest.raises(full_dump_steps.InvalidFullDumpState):
        refresh_handler.handle(event, Clock(calls=10))


def test_a_head_refused_for_want_of_list_permission_means_not_fetched(
    aws: Any, served: DeltaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In AWS the fetch role may not list the bucket, so a missing key's HEAD is a 403."""
    from botocore.exceptions import ClientError

    def forbidden(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "403", "Message": "Forbidden"}}, "HeadObject")

    monkeypatch.setattr(uploads.s3(), "head_object", forbidden)
    two_days(served.folder)
    assert on_fetch({"step": "fetch", "name": delta_name(0)})["fetched"] is True
