"""`make catalog-import FILE=<path> [SOURCE=off|usda] [ARGS="--dry-run --limit N --full"]`:
import an Open Food Facts or FoodData Central dump into the catalog of DATABASE_URL, or of the
embedded database `make run` uses.

A progress bar (records, records/s, ETA from the bytes read) shows on a terminal; a report table
ends every run; rejected records go, one JSON line each with their record number and reason, to
`.local/catalog-import/<file>.rejects.jsonl` (or `--rejects`). A missing file, an unknown format,
a source that does not match the file, or a database not migrated to head is one line on stderr,
exit status 2, and nothing written.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import psycopg
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy.exc import OperationalError as SQLAlchemyOperationalError
from sqlalchemy.pool import NullPool

from functions.migrate.runner import current_revision, head_revision
from infra.local.database import local_database_url
from shared.db.engine import driver_connection, tool_engine
from shared.dump_import.importer import ImportReport, run_import
from shared.dump_import.readers import FORMATS, CatalogFileError, RecordStream, open_records
from shared.runtime.settings import redact_url

REJECTS_DIR = Path(".local/catalog-import")


class ImportRefused(Exception):
    """A reason to write nothing, said in one line."""


# What a command says as "database unreachable" (the driver's or SQLAlchemy's).
DATABASE_ERRORS = (psycopg.OperationalError, SQLAlchemyOperationalError)


def unreachable(exc: Exception) -> str:
    """The database error's first line, for a one-line message."""
    text = str(exc).strip()
    return f"database unreachable: {text.splitlines()[0] if text else type(exc).__name__}"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make catalog-import", description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--source", choices=("off", "usda"), help="refuse a file of another source")
    parser.add_argument("--format", choices=FORMATS, help="skip detection")
    parser.add_argument("--dry-run", action="store_true", help="map and count; write nothing")
    parser.add_argument("--limit", type=int, help="read only the first N records")
    parser.add_argument("--full", action="store_true", help="retire products the file lacks")
    parser.add_argument("--rejects", type=Path, help="where rejected records are listed")
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    if args.full and (args.limit is not None or args.dry_run):
        parser.error("--full retires what the file lacks: it needs a run that reads it all")
    return args


def open_stream(args: argparse.Namespace) -> RecordStream:
    stream = open_records(args.file, args.format)
    if args.source is not None and stream.source != args.source:
        raise ImportRefused(f"{args.file} is a {stream.format} file, not a {args.source} dump")
    return stream


def connect(url: str) -> psycopg.Connection:
    """A psycopg connection to a database migrated to head (the importer talks to the driver
    directly: COPY). No statement timeout: a merge chunk may take longer than the API's."""
    engine = tool_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        current, head = current_revision(connection), head_revision()
    engine.dispose()
    if current != head:
        raise ImportRefused(
            f"database {redact_url(url)} is at {current or 'no revision'}, not {head}:"
            " run `make migrate` first"
        )
    return driver_connection(url)


def report_table(report: ImportReport, stream: RecordStream) -> Table:
    table = Table(title=f"{stream.path.name} ({stream.format})", show_header=False)
    for label, value in (
        ("read", report.read),
        ("inserted", report.inserted),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
        ("retired", report.retired),
        ("rejected", sum(report.rejected.values())),
        *((f"  {reason}", count) for reason, count in sorted(report.rejected.items())),
        ("seconds", f"{report.seconds:.1f}"),
    ):
        table.add_row(label, str(value))
    return table


def run(args: argparse.Namespace, console: Console, out: Console) -> ImportReport:
    stream = open_stream(args)
    connection = None
    if not args.dry_run:
        _server, url = local_database_url()
        connection = connect(url)
    rejects_path = args.rejects or REJECTS_DIR / f"{args.file.name}.rejects.jsonl"
    rejects_path.parent.mkdir(parents=True, exist_ok=True)
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    started = time.perf_counter()
    read = 0

    def advance(count: int) -> None:
        nonlocal read
        read += count
        rate = read / max(time.perf_counter() - started, 1e-6)
        progress.update(task, completed=stream.bytes_read, rate=f"{rate:,.0f} records/s")
        progress.update(records_task, completed=read)

    with progress, rejects_path.open("wb") as rejects:
        task = progress.add_task("reading", total=stream.total_bytes, rate="")
        records_task = progress.add_task("records", total=args.limit, rate="")
        try:
            report = run_import(
                connection,
                stream,
                limit=args.limit,
                full=args.full,
                rejects=rejects,
                on_progress=advance,
            )
        finally:
            if connection is not None:
                connection.close()
    report.seconds = time.perf_counter() - started
    out.print(report_table(report, stream))
    out.print(f"rejected records: {rejects_path}")
    return report


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        run(args, Console(stderr=True), Console())
    except (CatalogFileError, ImportRefused) as exc:
        print(f"catalog-import: {exc}", file=sys.stderr)
        return 2
    except DATABASE_ERRORS as exc:
        print(f"catalog-import: {unreachable(exc)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
