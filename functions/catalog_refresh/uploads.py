"""S3 multipart uploads the fetch function writes, resumable across invocations: the upload's
id and its parts' ETags travel in the state machine's data (a few KB for a 7 GB object), so a
conversion longer than one invocation goes on where the last one stopped."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import boto3

# S3's smallest part but the last is 5 MiB; 8 MiB parts keep a day's delta to a few requests.
PART_BYTES = 8 << 20


@cache
def s3() -> Any:
    return boto3.client("s3")


class MultipartUpload:
    """One object's multipart upload; `state()` to carry it to the next invocation."""

    def __init__(self, bucket: str, key: str, upload_id: str, parts: list[dict[str, Any]]) -> None:
        self.bucket, self.key, self.upload_id, self.parts = bucket, key, upload_id, parts

    @classmethod
    def begin(cls, bucket: str, key: str, metadata: dict[str, str]) -> MultipartUpload:
        created = s3().create_multipart_upload(
            Bucket=bucket, Key=key, ContentType="application/jsonl", Metadata=metadata
        )
        return cls(bucket, key, created["UploadId"], [])

    @classmethod
    def resumed(cls, state: dict[str, Any]) -> MultipartUpload:
        return cls(state["bucket"], state["key"], state["upload_id"], list(state["parts"]))

    def state(self) -> dict[str, Any]:
        return {"bucket": self.bucket, "key": self.key, "upload_id": self.upload_id,
                "parts": self.parts}  # fmt: skip

    def put(self, data: bytes) -> None:
        number = len(self.parts) + 1
        sent = s3().upload_part(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, PartNumber=number, Body=data
        )
        self.parts.append({"PartNumber": number, "ETag": sent["ETag"]})

    def complete(self) -> None:
        if not self.parts:  # an empty object is one empty part
            self.put(b"")
        s3().complete_multipart_upload(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            MultipartUpload={"Parts": self.parts},
        )

    def abort(self) -> None:
        s3().abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)


def parts(lines: Iterator[tuple[int, bytes]]) -> Iterator[tuple[int, bytes]]:
    """(the last line's number, the part) for parts of at least PART_BYTES of the numbered
    lines, and the rest as the last part."""
    part: list[bytes] = []
    size = last = 0
    for last, line in lines:
        part.append(line)
        size += len(line)
        if size >= PART_BYTES:
            yield last, b"".join(part)
            part, size = [], 0
    if part:
        yield last, b"".join(part)
