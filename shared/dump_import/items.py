"""The AWS import's items: what the import state machine's Distributed Map reads from the dump
bucket, written by `make catalog-upload` (any dump format) and by the daily refresh's fetch
function (Open Food Facts deltas). One item a line, uncompressed JSON Lines (the map's
`InputType: JSONL` takes no compression): `{"record": <number in the dump>, "document": <the
record cut to the fields the mapper reads>}`. A whole Open Food Facts document is often tens of
KB, a projected one a few hundred bytes, so a batch of 256 KiB holds hundreds of them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import orjson

from shared.dump_import.projection import Projector, projector_for
from shared.dump_import.readers import SourceRecord

ITEMS_FORMAT = "countonme-catalog-items-v1"
# Far below the 256 KiB a batch may carry: a record this large is sent as a malformed one.
MAX_ITEM_BYTES = 64 * 1024


def item_line(record: SourceRecord, project: Projector) -> bytes:
    """The record as an item line (projected; too large or malformed: a null document)."""
    document = None if record.document is None else project(record.document)
    line = orjson.dumps({"record": record.number, "document": document})
    if len(line) > MAX_ITEM_BYTES:
        line = orjson.dumps({"record": record.number, "document": None})
    return line + b"\n"


def item_lines(records: Iterable[SourceRecord], source: str) -> Iterator[bytes]:
    """The records as item lines."""
    project = projector_for(source)
    return (item_line(record, project) for record in records)
