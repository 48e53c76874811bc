"""`make bench-catalog`: the catalog import at Open Food Facts scale, the import by record shape
(`bench/bench_import_shapes.py`), the daily refresh of one delta (`bench/bench_refresh.py`), then
search on the real dumps' vocabulary in a database of its own (`bench/bench_search.py`); up to 45
minutes, and about 30 more on the first run, which imports the search benchmark's catalog.

- A synthetic dump of `CATALOG_BENCH_PRODUCTS` (3·10⁶) products in the OFF JSONL shape
  (`infra/catalog/synthetic.py`, kept in `.local/bench-catalog/` between runs) imported into an
  empty catalog by `make catalog-import`'s command in a process of its own: wall time, products/s
  and the importer's peak RSS (VmHWM, polled).
- While it runs, barcode lookups and catalog searches through the services, from another
  connection, every few milliseconds: their p50/p99 against the same calls on the idle database.
- The same file imported again: rows changed (must be 0).
- Side by side on the first `BASELINE_PRODUCTS` of the same file: a row-at-a-time seeder (one
  INSERT per product and per portion through the same driver, one transaction, as a
  straightforward seeder does) against our import, both into an empty catalog.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bench.network import RTT_MS, delayed_url
from infra.catalog import synthetic
from infra.local.database import LOCAL_DIR
from shared.db.engine import driver_connection
from shared.domain.catalog_mapping import CatalogRecord
from shared.domain.errors import NotFoundError
from shared.dump_import.batches import map_batch, mapper_for
from shared.dump_import.importer import run_import
from shared.dump_import.readers import open_records
from shared.services import catalog as catalog_service

PRODUCTS = int(os.environ.get("CATALOG_BENCH_PRODUCTS", "3000000"))
BASELINE_PRODUCTS = int(os.environ.get("CATALOG_BENCH_BASELINE", "20000"))
ROOT = Path(__file__).resolve().parents[1]


def cached_dump(name: str, count: int, write: Callable[[Path, int], None]) -> Path:
    """The dump `name` (with `{count}` filled in) in `.local/bench-catalog/`, written by `write`
    on first use and kept between runs."""
    folder = LOCAL_DIR / "bench-catalog"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name.format(count=count)
    if not path.exists():
        partial = path.with_name("partial-" + path.name)
        write(partial, count)
        partial.rename(path)
    return path


def dump_file(count: int) -> Path:
    return cached_dump("off-synthetic-{count}.jsonl", count, synthetic.write)


def empty_catalog(url: str) -> None:
    with driver_connection(url) as conn:
        conn.execute("TRUNCATE catalog_products, catalog_import_staging CASCADE")


def row_at_a_time(url: str, records: list[CatalogRecord]) -> float:
    """The baseline seeder: one INSERT per product and one per portion; seconds."""
    started = time.perf_counter()
    with driver_connection(url) as conn, conn.cursor() as cursor:
        for record in records:
            product_id = uuid.uuid4()
            cursor.execute(
                "INSERT INTO catalog_products (id, source, source_id, name, display_name, brand,"
                " barcode, category, popularity) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (product_id, record.source, record.source_id, record.name, record.display_name,
                 record.brand, record.barcode, record.category, record.popularity),
            )  # fmt: skip
            for p in record.portions:
                cursor.execute(
                    "INSERT INTO catalog_portions (id, catalog_product_id, label, base_amount,"
                    " base_unit, gram_weight, calories, protein, carbs, fat, is_default)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (uuid.uuid4(), product_id, p.label, p.base_amount, p.base_unit, p.gram_weight,
                     p.calories, p.protein, p.carbs, p.fat, p.is_default),
                )  # fmt: skip
    return time.perf_counter() - started


class Prober(threading.Thread):
    """Barcode lookups (every few ms) and catalog searches (every second) through the services,
    timed, until stopped."""

    def __init__(self, url: str, codes: list[str]) -> None:
        super().__init__(daemon=True)
        self.engine = create_engine(url, pool_size=1)
        self.codes = codes
        self.stop = threading.Event()
        self.lookups: list[float] = []
        self.searches: list[float] = []

    def one_lookup(self, code: str) -> None:
        with Session(self.engine) as session:
            started = time.perf_counter()
            with suppress(NotFoundError):  # not imported yet: timed all the same
                catalog_service.by_barcode(session, code)
            self.lookups.append((time.perf_counter() - started) * 1000)

    def one_search(self) -> None:
        with Session(self.engine) as session:
            started = time.perf_counter()
            catalog_service.list_products(session, "chocolate", 20, 0)
            self.searches.append((time.perf_counter() - started) * 1000)

    def run(self) -> None:
        last_search = 0.0
        number = 0
        while not self.stop.is_set():
            self.one_lookup(self.codes[number % len(self.codes)])
            number += 1
            if time.monotonic() - last_search > 1:
                self.one_search()
                last_search = time.monotonic()
            time.sleep(0.005)


def side_by_side_rates(url: str, small: Path, records: list[CatalogRecord]) -> tuple[float, float]:
    """(baseline products/s, ours products/s) on the same records, each into an empty catalog."""
    empty_catalog(url)
    baseline_s = row_at_a_time(url, records)
    empty_catalog(url)
    with driver_connection(url) as conn:
        started = time.perf_counter()
        run_import(conn, open_records(small))
        ours_s = time.perf_counter() - started
    return len(records) / baseline_s, len(records) / ours_s


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


def import_in_subprocess(url: str, path: Path) -> tuple[float, int, str]:
    """(seconds, peak RSS in KiB, report) of `make catalog-import`'s command on `path`."""
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "infra.catalog.import_dump", str(path)]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    peak = 0
    status = Path(f"/proc/{process.pid}/status")
    while process.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except (FileNotFoundError, ProcessLookupError):
            break
        time.sleep(0.2)
    output = process.communicate()[0]
    if process.returncode != 0:
        raise RuntimeError(f"import failed ({process.returncode}): {output[-2000:]}")
    return time.perf_counter() - started, peak, output


def run(url: str) -> str:
    dump = dump_file(PRODUCTS)
    lines: list[str] = [f"## Catalog import: {PRODUCTS:,} synthetic products (OFF JSONL shape)", ""]

    # Side by side on the same first records: row at a time, then ours, locally and over RTT.
    small = dump.parent / f"off-synthetic-first-{BASELINE_PRODUCTS}.jsonl"
    synthetic.write(small, BASELINE_PRODUCTS)
    stream = open_records(small)
    records, _ = map_batch(stream, mapper_for(stream.source))
    side_by_side = {"local socket": side_by_side_rates(url, small, records)}
    with delayed_url(url, RTT_MS) as slow:
        side_by_side[f"{RTT_MS} ms RTT"] = side_by_side_rates(slow, small, records)

    # The full file into an empty catalog, probed from another connection.
    empty_catalog(url)
    codes = [synthetic.ean13(n) for n in range(0, PRODUCTS, max(1, PRODUCTS // 500))]
    idle = Prober(url, codes)
    for code in codes[:200]:
        idle.one_lookup(code)
    for _ in range(5):
        idle.one_search()
    prober = Prober(url, codes)
    prober.start()
    seconds, peak_kib, report = import_in_subprocess(url, dump)
    prober.stop.set()
    prober.join()
    with driver_connection(url) as conn:
        row = conn.execute("SELECT count(*), max(updated_at) FROM catalog_products").fetchone()
    assert row is not None
    imported, last_update = row
    rate = imported / seconds
    baseline_rate = side_by_side["local socket"][0]

    # The same file again: nothing may change.
    again_s, _, again_report = import_in_subprocess(url, dump)
    with driver_connection(url) as conn:
        moved = conn.execute(
            "SELECT count(*) FROM catalog_products WHERE updated_at > %s", (last_update,)
        ).fetchone()
    assert moved is not None

    lines += [
        "| measure | value |",
        "|---|---:|",
        f"| products imported (after the quality gates) | {imported:,} |",
        f"| import wall time | {seconds:.0f} s ({seconds / 60:.1f} min) |",
        f"| products/s, full file | {rate:,.0f} |",
        f"| importer peak RSS (VmHWM) | {peak_kib / 1024:.0f} MiB |",
        f"| re-import of the same file: wall time | {again_s:.0f} s |",
        f"| re-import: products whose updated_at moved | {moved[0]} |",
        f"| ratio, ours on the full file / baseline on the local socket"
        f" | {rate / baseline_rate:.1f}x |",
        "",
        f"Side by side on the same first {len(records):,} products (after the gates), each into"
        " an empty catalog:",
        "",
        "| link | row-at-a-time products/s | ours products/s | ratio ours / baseline |",
        "|---|---:|---:|---:|",
        *(
            f"| {link} | {baseline:,.0f} | {ours:,.0f} | {ours / baseline:.1f}x |"
            for link, (baseline, ours) in side_by_side.items()
        ),
        "",
        "| during the import, from another connection | calls | p50 ms | p99 ms |"
        " idle p50 ms | idle p99 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, busy, calm in (
        ("barcode lookup", prober.lookups, idle.lookups),
        ("catalog search 'chocolate'", prober.searches, idle.searches),
    ):
        lines.append(
            f"| {name} | {len(busy)} | {statistics.median(busy):.2f} |"
            f" {percentile(busy, 0.99):.2f} | {statistics.median(calm):.2f} |"
            f" {percentile(calm, 0.99):.2f} |"
        )
    lines += ["", "First import's report:", "```", report.strip(), "```"]
    lines += ["", "Re-import's report:", "```", again_report.strip(), "```"]
    return "\n".join(lines)


def main() -> None:
    from bench import bench_import_shapes, bench_refresh, bench_search
    from bench.harness import prepare_database

    url = prepare_database()
    print(run(url), end="\n\n", flush=True)
    print(bench_import_shapes.run(url), end="\n\n", flush=True)
    print(bench_refresh.run(bench_refresh.refresh_database()), end="\n\n", flush=True)
    print(bench_search.run(bench_search.search_database()), flush=True)


if __name__ == "__main__":
    main()
