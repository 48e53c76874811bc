"""A dump's records mapped and gated in batches: the accepted catalog records and the
rejections with their record numbers. The local import maps the whole dump batch by batch
(`importer`); the AWS import maps one batch per invocation (`functions/catalog_import`)."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any

from shared.domain.catalog_mapping import SOURCE_USDA, CatalogRecord, Rejection, map_fdc, map_off
from shared.domain.catalog_widths import SOURCE_ID_WIDTH
from shared.dump_import.readers import SourceRecord

BATCH_SIZE = 5_000


@dataclass(frozen=True)
class Rejected:
    number: int
    reason: Rejection
    source_id: str | None


Mapper = Callable[[dict[str, Any]], CatalogRecord | Rejection]
# (records read, accepted, rejected): one batch.
MappedBatch = tuple[int, list[CatalogRecord], list[Rejected]]


def mapper_for(source: str) -> Mapper:
    return map_fdc if source == SOURCE_USDA else map_off


def map_batch(
    records: Iterable[SourceRecord], mapper: Mapper
) -> tuple[list[CatalogRecord], list[Rejected]]:
    """Map and gate a batch: the accepted catalog records and the rejections with their record
    numbers. A malformed or unexpected record is a rejection, never an exception."""
    accepted: list[CatalogRecord] = []
    rejected: list[Rejected] = []
    for record in records:
        document = record.document
        try:
            outcome = Rejection.MALFORMED if document is None else mapper(document)
        except (TypeError, AttributeError, ValueError, KeyError):
            outcome = Rejection.MALFORMED
        if isinstance(outcome, Rejection):
            source_id = None
            if document is not None:
                raw_id = document.get("code") or document.get("fdcId")
                source_id = None if raw_id is None else str(raw_id)[:SOURCE_ID_WIDTH]
            rejected.append(Rejected(record.number, outcome, source_id))
        else:
            accepted.append(outcome)
    return accepted, rejected


def mapped_batches(
    stream: Iterable[SourceRecord], mapper: Mapper, limit: int | None
) -> Generator[MappedBatch, None, None]:
    """The stream's batches. Each document is mapped as soon as it is read, so a batch holds
    mapped records only: a real-shape document (about 22 KB of JSON) takes several times that
    as Python objects, and 5,000 of them held at once were most of the importer's memory."""
    records = iter(stream) if limit is None else islice(stream, limit)
    while True:
        accepted, rejected = map_batch(islice(records, BATCH_SIZE), mapper)
        if not accepted and not rejected:
            return
        yield len(accepted) + len(rejected), accepted, rejected
