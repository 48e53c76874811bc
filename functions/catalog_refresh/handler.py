"""The daily refresh's internet side: one function, outside the VPC and without any database
access, called by the CatalogRefresh state machine (template.yaml) with `{"step": ...}`.

- `list`: the delta files Open Food Facts' index names, oldest first (`{"files": [...]}`); the
  import function then leaves out those already applied (it alone reaches the database).
- `fetch`: one file, `{"name": ...}`, streamed from the source into the dump bucket as the
  import's items (`shared.dump_import.items`) by a multipart upload, checked as it streams (the
  gzip CRC, every line a JSON object): a broken file aborts the upload, writes nothing and fails
  the step (`BrokenDeltaFile`). A file fetched before (a retry, a redrive) is not fetched again.
- `fetch_full`: a share of the monthly full import's fetch (`full_dump`), `{"state": ...,
  "run": ...}`, called again until its state is `done`.

The sources are `DELTA_SOURCE_URL` and `FULL_DUMP_URL` (Open Food Facts' own by default: stack
parameters); the bucket is `DUMP_BUCKET`.
"""

from __future__ import annotations

import os
from typing import Any

from botocore.exceptions import ClientError

from functions.catalog_refresh import full_dump, uploads
from functions.catalog_refresh.uploads import MultipartUpload, s3
from shared.domain.catalog_deltas import DeltaFile, delta_file
from shared.domain.catalog_mapping import SOURCE_OFF
from shared.dump_import.delta_check import checked_records
from shared.dump_import.delta_source import base_url, open_delta, read_index
from shared.dump_import.items import ITEMS_FORMAT, item_lines
from shared.runtime.observability import instrument_handler, logger

DELTAS_PREFIX = "dumps/off/deltas/"


class InvalidRefreshEvent(ValueError):
    """The event is not one the state machine sends."""


def items_key(delta: DeltaFile) -> str:
    return f"{DELTAS_PREFIX}{delta.name.removesuffix('.json.gz')}.jsonl"


def list_files() -> dict[str, Any]:
    index = read_index(base_url(os.environ["DELTA_SOURCE_URL"]))
    if index.skipped:
        logger.warning("Index lines that are not delta names", extra={"skipped": index.skipped})
    files = [
        {"name": f.name, "first_change": f.first_change, "last_change": f.last_change}
        for f in index.files
    ]
    return {"files": files}


# S3 answers a HEAD of a missing key 403, not 404, to a role that may not list the bucket (this
# one may not): either means "not there"; a real denial then fails the upload, loudly.
_ABSENT = ("403", "404", "AccessDenied", "Forbidden", "NoSuchKey", "NotFound")


def _fetched_before(bucket: str, key: str, delta: DeltaFile) -> bool:
    try:
        head = s3().head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _ABSENT:
            return False
        raise
    metadata = head.get("Metadata", {})
    return bool(metadata.get("items") == ITEMS_FORMAT and metadata.get("delta") == delta.name)


def fetch(event: dict[str, Any]) -> dict[str, Any]:
    name = event.get("name")
    delta = delta_file(name) if isinstance(name, str) else None
    if delta is None:
        raise InvalidRefreshEvent("name must be a delta file's name")
    bucket = os.environ["DUMP_BUCKET"]
    key = items_key(delta)
    if _fetched_before(bucket, key, delta):
        return {"key": key, "fetched": False}
    body = open_delta(base_url(os.environ["DELTA_SOURCE_URL"]), delta.name)
    metadata = {"items": ITEMS_FORMAT, "source": SOURCE_OFF, "delta": delta.name}
    upload = MultipartUpload.begin(bucket, key, metadata)
    records = 0
    try:
        with body.stream:
            lines = enumerate(item_lines(checked_records(body.stream, delta.name), SOURCE_OFF), 1)
            for last, part in uploads.parts(lines):
                upload.put(part)
                records = last
        upload.complete()
    except BaseException:
        upload.abort()
        raise
    logger.info("Delta fetched", extra={"delta": delta.name, "records": records})
    return {"key": key, "fetched": True, "records": records}


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    step = event.get("step") if isinstance(event, dict) else None
    if step == "list":
        return list_files()
    if step == "fetch":
        return fetch(event)
    if step == "fetch_full":
        return full_dump.fetch_full(event, context.get_remaining_time_in_millis)
    raise InvalidRefreshEvent("step must be list, fetch or fetch_full")


lambda_handler = instrument_handler(handle, correlation_id_path=None)
