"""A delta file is checked whole before any of it is imported, so that a truncated or corrupt
download is reported and never half-applied: the gzip stream must end with its CRC and length
right (the gzip module checks both at the end), and every line must be a JSON object, as in the
full JSONL dump. Records the mapping rejects (no name, no energy) are not a broken file: the
import reports them as it does for any dump."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import orjson

from shared.dump_import.readers import SourceRecord


class BrokenDeltaFile(Exception):
    """The file is not a complete gzipped JSON Lines file; the message says where."""


def checked_records(compressed: IO[bytes], name: str, skip: int = 0) -> Iterator[SourceRecord]:
    """The records of a gzipped dump read from `compressed`, after its first `skip` lines (read,
    not parsed: a conversion resumed in a later invocation); BrokenDeltaFile (raised when the
    reader gets there) at the first line that is not a JSON object or at a broken gzip stream."""
    try:
        with gzip.GzipFile(fileobj=compressed, mode="rb") as lines:
            for number, line in enumerate(lines, start=1):
                if number <= skip or not line.strip():
                    continue
                try:
                    document = orjson.loads(line)
                except orjson.JSONDecodeError:
                    raise BrokenDeltaFile(f"{name}: line {number} is not JSON") from None
                if not isinstance(document, dict):
                    raise BrokenDeltaFile(f"{name}: line {number} is not a JSON object")
                yield SourceRecord(number, document)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise BrokenDeltaFile(f"{name}: not a complete gzip file ({exc})") from None


def check_delta(path: Path) -> None:
    """Read the delta file at `path` through; BrokenDeltaFile when it is broken."""
    with path.open("rb") as compressed:
        for _record in checked_records(compressed, path.name):
            pass
