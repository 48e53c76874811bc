"""The daily refresh's internet side: one function, outside the VPC and without any database
access, called by the CatalogRefresh state machine (template.yaml) with `{"step": ...}`.

- `list`: the delta files Open Food Facts' index names, oldest first (`{"files": [...]}`); the
  import function then leaves out those already applied (it alone reaches the database).
- `fetch`: one file, `{"name": ...}`, streamed from the source into the dump bucket as the
  import's items (`shared.dump_import.items`) by a multipart upload, checked as it streams (the
  gzip CRC, every line a JSON object): a broken file aborts the upload, writes nothing and fails
  the step (`BrokenDeltaFile`). A file fetched before (a retry, a redrive) is not fetched again.

The source is `DELTA_SOURCE_URL` (Open Food Facts' own by default: a stack parameter); the bucket
is `DUMP_BUCKET`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import cache
from typing import Any

import boto3
from botocore.exceptions import ClientError

from shared.domain.catalog_deltas import DeltaFile, delta_file
from shared.domain.catalog_mapping import SOURCE_OFF
from shared.dump_import.delta_check import checked_records
from shared.dump_import.delta_source import base_url, open_delta, read_index
from shared.dump_import.items import ITEMS_FORMAT, item_lines
from shared.runtime.observability import instrument_handler, logger

# S3's smallest part but the last is 5 MiB; 8 MiB parts keep a day's delta to a few requests.
PART_BYTES = 8 << 20
DELTAS_PREFIX = "dumps/off/deltas/"


class InvalidRefreshEvent(ValueError):
    """The event is not one the state machine sends."""


@cache
def _s3() -> Any:
    return boto3.client("s3")


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


def _fetched_before(bucket: str, key: str, delta: DeltaFile) -> bool:
    try:
        head = _s3().head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    metadata = head.get("Metadata", {})
    return bool(metadata.get("items") == ITEMS_FORMAT and metadata.get("delta") == delta.name)


class _Upload:
    """One multipart upload of an items object; parts of at least PART_BYTES but the last."""

    def __init__(self, bucket: str, key: str, metadata: dict[str, str]) -> None:
        self.bucket, self.key = bucket, key
        created = _s3().create_multipart_upload(
            Bucket=bucket, Key=key, ContentType="application/jsonl", Metadata=metadata
        )
        self.upload_id: str = created["UploadId"]
        self.parts: list[dict[str, Any]] = []
        self.records = 0

    def _put(self, data: bytes) -> None:
        number = len(self.parts) + 1
        sent = _s3().upload_part(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, PartNumber=number, Body=data
        )
        self.parts.append({"PartNumber": number, "ETag": sent["ETag"]})

    def write(self, lines: Iterator[bytes]) -> None:
        part: list[bytes] = []
        size = 0
        for line in lines:
            part.append(line)
            size += len(line)
            self.records += 1
            if size >= PART_BYTES:
                self._put(b"".join(part))
                part, size = [], 0
        if part or not self.parts:  # an empty delta is one empty part
            self._put(b"".join(part))

    def complete(self) -> None:
        _s3().complete_multipart_upload(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            MultipartUpload={"Parts": self.parts},
        )

    def abort(self) -> None:
        _s3().abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)


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
    upload = _Upload(bucket, key, metadata)
    try:
        with body.stream:
            upload.write(item_lines(checked_records(body.stream, delta.name), SOURCE_OFF))
        upload.complete()
    except BaseException:
        upload.abort()
        raise
    logger.info("Delta fetched", extra={"delta": delta.name, "records": upload.records})
    return {"key": key, "fetched": True, "records": upload.records}


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    step = event.get("step") if isinstance(event, dict) else None
    if step == "list":
        return list_files()
    if step == "fetch":
        return fetch(event)
    raise InvalidRefreshEvent("step must be list or fetch")


lambda_handler = instrument_handler(handle, correlation_id_path=None)
