"""`make catalog-refresh [SOURCE_URL=]`: bring the catalog of DATABASE_URL (or of the embedded
database `make run` uses) up to date with Open Food Facts' daily delta files.

The index is read; each file not recorded as applied is downloaded (streamed to
`.local/catalog-refresh/<name>.part`, resumed with a Range request when a run stopped during
it), checked whole (`delta_check`), imported in window order with `make catalog-import`'s
importer (not full: a delta cannot say a product was deleted), recorded as applied, and deleted.
A second run does nothing; a run killed during a file's import applies that file again (the
import skips what is unchanged). A file that fails its check is reported, deleted so that the
next run downloads it again, and stops the run (later files must not apply before it): exit 1.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn
from rich.table import Table

from infra.catalog import import_dump
from infra.local.database import local_database_url
from shared.domain.catalog_deltas import DeltaFile, pending
from shared.dump_import.delta_check import BrokenDeltaFile, check_delta
from shared.dump_import.delta_source import (
    OFF_DELTA_URL,
    DeltaSourceError,
    base_url,
    open_delta,
    read_index,
)
from shared.dump_import.importer import ImportReport
from shared.repositories import catalog_deltas

DOWNLOADS = Path(".local/catalog-refresh")
# A delta of a day holds a few thousand products (tens of MB); a body past this is not a delta.
MAX_DELTA_BYTES = 4 << 30
CHUNK = 1 << 20


@dataclass
class RefreshReport:
    """The files a run applied and their imports' totals."""

    files: list[str] = field(default_factory=list)
    total: ImportReport = field(default_factory=ImportReport)

    def add(self, name: str, report: ImportReport) -> None:
        self.files.append(name)
        self.total.add(report)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="make catalog-refresh", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--source-url",
        default=OFF_DELTA_URL,
        help=f"where index.txt and the files are (default {OFF_DELTA_URL})",
    )
    parser.add_argument("--downloads", type=Path, default=DOWNLOADS, help="where files download")
    return parser.parse_args(argv)


def download(base: str, delta: DeltaFile, folder: Path, console: Console) -> Path:
    """The file on disk, whole: downloaded, or resumed from its `.part`, or already there."""
    done = folder / delta.name
    if done.exists():
        return done
    part = folder / f"{delta.name}.part"
    start = part.stat().st_size if part.exists() else 0
    body = open_delta(base, delta.name, start)
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=console,
        transient=True,
    )
    with body.stream, progress, part.open("r+b" if body.start else "wb") as out:
        out.seek(body.start)
        out.truncate()
        task = progress.add_task(delta.name, total=body.size, completed=body.start)
        while chunk := body.stream.read(CHUNK):
            out.write(chunk)
            if out.tell() > MAX_DELTA_BYTES:
                raise DeltaSourceError(f"{delta.name}: over {MAX_DELTA_BYTES} bytes")
            progress.update(task, completed=out.tell())
        size = out.tell()
    if body.size is not None and size != body.size:
        raise DeltaSourceError(f"{delta.name}: {size} of {body.size} bytes arrived")
    part.rename(done)
    return done


def import_args(path: Path, folder: Path) -> argparse.Namespace:
    """`make catalog-import`'s arguments for one delta file (OFF JSON Lines, not full)."""
    return argparse.Namespace(
        file=path,
        source="off",
        format="off-jsonl",
        dry_run=False,
        limit=None,
        full=False,
        rejects=folder / f"{path.name}.rejects.jsonl",
    )


def recorded_report(report: ImportReport) -> dict[str, Any]:
    return {
        "read": report.read,
        "inserted": report.inserted,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": dict(report.rejected),
        "seconds": round(report.seconds, 3),
    }


def summary(report: RefreshReport, in_index: int, fresh: object) -> Table:
    table = Table(title="catalog refresh", show_header=False)
    total = report.total
    for label, value in (
        ("files in the index", in_index),
        ("files applied", len(report.files)),
        ("records read", total.read),
        ("inserted", total.inserted),
        ("updated", total.updated),
        ("unchanged", total.unchanged),
        ("rejected", sum(total.rejected.values())),
        ("seconds", f"{total.seconds:.1f}"),
        ("fresh through", fresh or "never refreshed"),
    ):
        table.add_row(label, str(value))
    return table


def refresh(args: argparse.Namespace, console: Console, out: Console) -> RefreshReport:
    base = base_url(args.source_url)
    index = read_index(base)
    _server, url = local_database_url()
    connection = import_dump.connect(url)
    report = RefreshReport()
    try:
        applied = catalog_deltas.applied_names(connection, [f.name for f in index.files])
        args.downloads.mkdir(parents=True, exist_ok=True)
        for delta in pending(index, applied):
            path = download(base, delta, args.downloads, console)
            try:
                check_delta(path)
            except BrokenDeltaFile:
                path.unlink()
                raise
            imported = import_dump.run(import_args(path, args.downloads), console, out)
            catalog_deltas.record_applied(connection, delta, recorded_report(imported))
            report.add(delta.name, imported)
            path.unlink()
        out.print(summary(report, len(index.files), catalog_deltas.fresh_through(connection)))
    finally:
        connection.close()
    return report


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        refresh(args, Console(stderr=True), Console())
    except (DeltaSourceError, BrokenDeltaFile, import_dump.ImportRefused) as exc:
        print(f"catalog-refresh: {exc}", file=sys.stderr)
        return 1
    except import_dump.DATABASE_ERRORS as exc:
        print(f"catalog-refresh: {import_dump.unreachable(exc)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
