"""The importer holds one source document at a time: each is mapped as soon as it is read, and a
batch keeps mapped records only. A real-shape Open Food Facts document is about 22 KB of JSON and
several times that as Python objects; 5,000 held for a batch were most of the importer's memory
(894 MiB peak on real-shape records, 86 MiB since: docs/performance.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.domain.catalog_mapping import CatalogRecord, Rejection, map_off
from shared.dump_import import batches, importer
from shared.dump_import.readers import RecordStream, SourceRecord

RECORDS = 12_000  # more than two batches


def test_each_document_is_mapped_before_the_next_is_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    counts = {"read": 0, "mapped": 0, "most_unmapped": 0}

    def documents(_advance: Callable[[int], None]) -> Iterator[SourceRecord]:
        for number in range(1, RECORDS + 1):
            unmapped = counts["read"] - counts["mapped"]
            counts["most_unmapped"] = max(counts["most_unmapped"], unmapped)
            counts["read"] += 1
            yield SourceRecord(number, {"code": f"{number:013d}", "product_name": "Oats"})

    def counting(document: dict[str, Any]) -> CatalogRecord | Rejection:
        counts["mapped"] += 1
        return map_off(document)

    monkeypatch.setattr(batches, "map_off", counting)
    dump = tmp_path / "dump.jsonl"
    dump.write_bytes(b"")
    report = importer.run_import(None, RecordStream(dump, "off-jsonl", documents))
    assert report.read == counts["mapped"] == RECORDS
    assert counts["most_unmapped"] <= 1
