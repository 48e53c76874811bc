"""`python -m bench.bench_refresh` (in `make bench-catalog`): the daily refresh on one day's
delta of the real dumps' shape.

A delta file of `REFRESH_BENCH_PRODUCTS` (10⁴) products of `bench.real_shape` (real sample
records, about 22 KB each, new codes and names; the name Open Food Facts gives its daily files),
served by the local delta server on 127.0.0.1, applied by `make catalog-refresh`'s command in a
process of its own to an empty catalog (download, the whole-file check, the import, the record);
against it, in the same run, `make catalog-import`'s command on the same file (the import alone:
the baseline). Then the same delta applied again (every product unchanged). `REFRESH_BENCH_RUNS`
(3) alternating runs of each; medians, the refresh's ratio to the import, the rows.
"""

from __future__ import annotations

import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import real_shape
from bench.bench_catalog import ROOT, import_in_subprocess
from infra.local.database import LOCAL_DIR, embedded_database_url
from infra.local.delta_server import serving
from shared.db.engine import driver_connection

PRODUCTS = int(os.environ.get("REFRESH_BENCH_PRODUCTS", "10000"))
RUNS = int(os.environ.get("REFRESH_BENCH_RUNS", "3"))
# 2026-12-01, one day: the name only has to be a delta file's.
DELTA_NAME = "openfoodfacts_products_1796083200_1796169599.json.gz"


def delta_file(count: int) -> Path:
    """The delta of `count` real-shape products, kept in `.local/bench-refresh/<count>/`."""
    folder = LOCAL_DIR / "bench-refresh" / str(count)
    path = folder / DELTA_NAME
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / "partial"
        with gzip.open(partial, "wb", compresslevel=6) as out:  # as Open Food Facts compresses
            for line in real_shape.records(count):
                out.write(line + b"\n")
        partial.rename(path)
    return path


def refresh_database() -> str:
    from functions.migrate.runner import upgrade_database

    server, url = embedded_database_url(LOCAL_DIR / "pg-bench", "countonme_refresh_bench")
    refresh_database.server = server  # type: ignore[attr-defined] - keep it running
    upgrade_database(url)
    return url


def empty_catalog(url: str) -> None:
    with driver_connection(url) as conn:
        conn.execute("TRUNCATE catalog_products, catalog_import_staging, catalog_deltas CASCADE")


def refresh_in_subprocess(url: str, source: str) -> float:
    with tempfile.TemporaryDirectory() as downloads:
        env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-m", "infra.catalog.refresh",
                   "--source-url", source, "--downloads", downloads]  # fmt: skip
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"refresh failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds


def recorded(url: str) -> dict[str, object]:
    with driver_connection(url) as conn:
        row = conn.execute("SELECT report FROM catalog_deltas").fetchone()
    assert row is not None
    return dict(row[0])


def row(label: str, seconds: float, baseline: float) -> str:
    return f"| {label} | {seconds:.1f} | {PRODUCTS / seconds:,.0f} | {seconds / baseline:.2f}x |"


def run(url: str) -> str:
    path = delta_file(PRODUCTS)
    size_mb = path.stat().st_size / 1e6
    imports, refreshes, again = [], [], []
    with serving(path.parent) as server:
        for _ in range(RUNS):
            empty_catalog(url)
            imports.append(import_in_subprocess(url, path)[0])
            empty_catalog(url)
            refreshes.append(refresh_in_subprocess(url, server.url))
            first = recorded(url)
            with driver_connection(url) as conn:
                conn.execute("DELETE FROM catalog_deltas")
            again.append(refresh_in_subprocess(url, server.url))
            second = recorded(url)
    baseline = statistics.median(imports)
    rows = ", ".join(f"{key} {first[key]:,}" for key in ("read", "inserted", "updated"))
    rejected = sum(first["rejected"].values())  # type: ignore[union-attr]
    return "\n".join([
        f"## Daily refresh: one delta of {PRODUCTS:,} real-shape products"
        f" ({size_mb:.0f} MB gzipped)",
        "",
        f"| run (median of {RUNS}) | seconds | products/s | ratio |",
        "|---|---:|---:|---:|",
        row("`make catalog-import` of the file (baseline)", baseline, baseline),
        row("`make catalog-refresh`: download, check, import, record",
            statistics.median(refreshes), baseline),
        row("the same delta applied again", statistics.median(again), baseline),
        "",
        f"Rows of the first application: {rows}, rejected {rejected:,}; applied again: inserted"
        f" {second['inserted']}, updated {second['updated']}, unchanged {second['unchanged']:,}.",
        f"Runs, seconds: import {[round(s, 1) for s in imports]}, refresh"
        f" {[round(s, 1) for s in refreshes]}, again {[round(s, 1) for s in again]}.",
    ])  # fmt: skip


def main() -> None:
    print(run(refresh_database()), flush=True)


if __name__ == "__main__":
    main()
