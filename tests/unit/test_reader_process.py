"""The dump read and mapped in a process of its own gives the importer what reading in its own
process gives: the same batches, rejections and progress, and the reading process's errors."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest

from shared.dump_import.batches import BATCH_SIZE, mapped_batches, mapper_for
from shared.dump_import.importer import ImportReport, run_import
from shared.dump_import.reader_process import batches_read_apart
from shared.dump_import.readers import open_records
from tests.support.catalog_data import FDC_FOUNDATION, OFF_JSONL, OFF_PARQUET


def dry_run(path: Path, read_apart: bool) -> tuple[ImportReport, bytes]:
    rejects = io.BytesIO()
    report = run_import(None, open_records(path), rejects=rejects, read_apart=read_apart)
    report.seconds = 0.0
    return report, rejects.getvalue()


@pytest.mark.parametrize("dump", [OFF_JSONL, OFF_PARQUET, FDC_FOUNDATION], ids=str)
def test_read_apart_gives_what_reading_in_process_gives(dump: Path) -> None:
    apart, in_process = dry_run(dump, read_apart=True), dry_run(dump, read_apart=False)
    assert apart == in_process
    assert apart[0].staged > 0


def test_batches_come_in_file_order_and_progress_follows_the_reader(tmp_path: Path) -> None:
    lines = gzip.decompress(OFF_JSONL.read_bytes()).splitlines()
    dump = tmp_path / "three-batches.jsonl"
    dump.write_bytes(b"\n".join(lines * (2 * BATCH_SIZE // len(lines) + 1)) + b"\n")
    stream = open_records(dump)
    positions, codes = [], []
    for read, accepted, rejected in batches_read_apart(stream, limit=None):
        positions.append(stream.bytes_read)
        numbers = [r.number for r in rejected]
        assert numbers == sorted(numbers) and read == len(accepted) + len(rejected)
        codes.extend(record.source_id for record in accepted)
    in_process = mapped_batches(open_records(dump), mapper_for("off"), limit=None)
    expected = [record.source_id for _, accepted, _ in in_process for record in accepted]
    assert len(positions) == 3 and positions == sorted(positions)
    assert positions[-1] == dump.stat().st_size
    assert codes == expected


def test_an_error_in_the_reading_process_is_raised_by_the_import(tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.jsonl.gz"
    truncated.write_bytes(OFF_JSONL.read_bytes()[:50_000])
    with pytest.raises(EOFError):
        dry_run(truncated, read_apart=False)
    with pytest.raises(EOFError):
        dry_run(truncated, read_apart=True)
