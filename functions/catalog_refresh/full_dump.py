"""The monthly full import's fetch: Open Food Facts' whole JSONL dump (about 7 GB gzipped,
3.5·10⁶ products) into the dump bucket as the import's items, over as many invocations as it
takes. Reading the dump is one gzip stream of about 33 minutes on one core (558 µs a record
measured), more than an invocation's 15, and a gzip stream cannot be resumed mid-way, so:

1. `copy`: the dump is copied as it is to `dumps/off/full/<run>.jsonl.gz` (a multipart upload of
   64 MiB parts; a stopped copy resumes with a Range request from the bytes it has);
2. `convert`: each invocation reads that copy from the start, skips the lines earlier
   invocations converted (inflating them only: about a quarter of the cost of converting), and
   converts lines into item parts until its time runs short, stopping right after a part;
3. `done`: the items object `dumps/off/full/<run>.jsonl` is complete; the state machine imports it
   with `full` set, which retires the products the dump no longer holds.

The state (phase, offsets, both uploads' ids and parts) is the step's input and output: the
state machine calls the step again until the phase is `done`, and a redrive resumes it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import IO, Any

from functions.catalog_refresh import uploads
from functions.catalog_refresh.uploads import MultipartUpload, s3
from shared.domain.catalog_mapping import SOURCE_OFF
from shared.dump_import.delta_check import checked_records
from shared.dump_import.delta_source import open_url
from shared.dump_import.items import ITEMS_FORMAT, item_line
from shared.dump_import.projection import projector_for

FULL_PREFIX = "dumps/off/full/"
RAW_PART_BYTES = 64 << 20
# Stop taking parts when less than this is left of the invocation (a part takes seconds).
MARGIN_MS = 120_000
_RUN = re.compile(r"[A-Za-z0-9_-]{1,80}")


class InvalidFullDumpState(ValueError):
    """The state is not one this step returned."""


def _read_full(stream: IO[bytes], size: int) -> bytes:
    """Up to `size` bytes (fewer only at the end of the stream)."""
    chunks, got = [], 0
    while got < size and (chunk := stream.read(size - got)):
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _begin(run: str, bucket: str) -> dict[str, Any]:
    if not _RUN.fullmatch(run):
        raise InvalidFullDumpState("run must be a short name of letters, digits, - and _")
    raw = MultipartUpload.begin(bucket, f"{FULL_PREFIX}{run}.jsonl.gz", {"source": SOURCE_OFF})
    return {"phase": "copy", "run": run, "offset": 0, "raw": raw.state()}


def _copy(state: dict[str, Any], time_left: Callable[[], int]) -> dict[str, Any]:
    raw = MultipartUpload.resumed(state["raw"])
    body = open_url(os.environ["FULL_DUMP_URL"], state["offset"])
    if body.start != state["offset"]:  # the source sent it whole: begin the copy again
        raw.abort()
        raw = MultipartUpload.begin(raw.bucket, raw.key, {"source": SOURCE_OFF})
    offset = body.start
    with body.stream:
        while part := _read_full(body.stream, RAW_PART_BYTES):
            raw.put(part)
            offset += len(part)
            if len(part) < RAW_PART_BYTES:
                break
            if time_left() < MARGIN_MS:
                return {**state, "offset": offset, "raw": raw.state()}
    raw.complete()
    items_key = f"{FULL_PREFIX}{state['run']}.jsonl"
    metadata = {"items": ITEMS_FORMAT, "source": SOURCE_OFF, "dump": "full"}
    items = MultipartUpload.begin(raw.bucket, items_key, metadata)
    return {"phase": "convert", "run": state["run"], "raw_key": raw.key, "lines_done": 0,
            "items": items.state()}  # fmt: skip


def _convert(state: dict[str, Any], time_left: Callable[[], int]) -> dict[str, Any]:
    items = MultipartUpload.resumed(state["items"])
    done = state["lines_done"]
    project = projector_for(SOURCE_OFF)
    body = s3().get_object(Bucket=items.bucket, Key=state["raw_key"])["Body"]
    with body:
        records = checked_records(body, state["raw_key"], skip=done)
        lines = ((record.number, item_line(record, project)) for record in records)
        for last, part in uploads.parts(lines):
            items.put(part)
            done = last
            if time_left() < MARGIN_MS:
                return {**state, "lines_done": done, "items": items.state()}
    items.complete()
    return {"phase": "done", "run": state["run"], "key": items.key, "lines": done}


def fetch_full(event: dict[str, Any], time_left: Callable[[], int]) -> dict[str, Any]:
    """One invocation's share of the work; the state for the next (or `done` with the key)."""
    state = event.get("state")
    if not isinstance(state, dict) or state.get("phase") not in ("start", "copy", "convert"):
        raise InvalidFullDumpState("state must be one this step returned")
    if state["phase"] == "start":
        run = event.get("run")
        state = _begin(run if isinstance(run, str) else "", os.environ["DUMP_BUCKET"])
    if state["phase"] == "copy":
        state = _copy(state, time_left)
        if state["phase"] == "copy":
            return state
    return _convert(state, time_left)
