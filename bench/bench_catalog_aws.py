"""`make bench-catalog-aws`: the AWS import's function, in-process, on one worker, against the
local importer in the same run, on the same synthetic Open Food Facts dump (`bench_catalog`'s,
`CATALOG_AWS_BENCH_PRODUCTS` products, default 100,000). The figures feed the cost estimate of a
full import in docs/operations.md:

- item size: the projected item lines `make catalog-upload` writes, and so how many fit a batch
  (Step Functions' 256 KiB payload, `MaxItemsPerBatch` 1,000);
- the batch step's time (map, gate, record and COPY one batch), median and p99;
- merge and finish (merge, vocabulary, report) after the last batch;
- records/s of the whole path against `make catalog-import`'s importer.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

import orjson

from bench.bench_catalog import dump_file, empty_catalog
from bench.harness import Timing, prepare_database
from functions.catalog_import import handler
from shared.db.engine import driver_connection
from shared.dump_import.importer import run_import
from shared.dump_import.items import item_lines
from shared.dump_import.readers import open_records

PRODUCTS = int(os.environ.get("CATALOG_AWS_BENCH_PRODUCTS", "100000"))
MAX_ITEMS, MAX_BYTES = 1000, 256 * 1024
EXECUTION = "arn:aws:states:eu-central-1:123456789012:execution:bench:run"


class Context:
    def get_remaining_time_in_millis(self) -> int:
        return 900_000


def batches(lines: list[bytes]) -> list[list[Any]]:
    """The items grouped as the Distributed Map's ItemBatcher does."""
    grouped: list[list[Any]] = [[]]
    size = 0
    for line in lines:
        if len(grouped[-1]) == MAX_ITEMS or size + len(line) > MAX_BYTES:
            grouped.append([])
            size = 0
        grouped[-1].append(orjson.loads(line))
        size += len(line)
    return grouped


def run(url: str) -> str:
    path = dump_file(PRODUCTS)
    lines = list(item_lines(stream := open_records(path), stream.source))
    grouped = batches(lines)

    empty_catalog(url)
    started = time.perf_counter()
    with driver_connection(url) as connection:
        local = run_import(connection, open_records(path))
    local_s = time.perf_counter() - started

    empty_catalog(url)
    with driver_connection(url) as connection:
        connection.execute("TRUNCATE catalog_import_runs CASCADE")
        connection.commit()
    started = time.perf_counter()
    event = {"step": "prepare", "execution": EXECUTION, "key": "k", "source": "off"}
    run_ = handler.handle(event, Context())
    samples = []
    for items in grouped:
        began = time.perf_counter()
        batch_input = {"run_id": run_["run_id"], "source": "off"}
        handler.handle({"step": "batch", "BatchInput": batch_input, "Items": items}, Context())
        samples.append((time.perf_counter() - began) * 1000)
    staged_s = time.perf_counter() - started
    while not handler.handle({"step": "merge", "run_id": run_["run_id"]}, Context())["done"]:
        pass
    report = handler.handle({"step": "finish", "run_id": run_["run_id"]}, Context())
    aws_s = time.perf_counter() - started
    assert report["inserted"] == local.inserted, (report, local)

    timing = Timing("batch step", samples)
    per_batch = statistics.mean(len(b) for b in grouped)
    item_bytes = statistics.mean(len(line) for line in lines)
    rows = [
        "| figure | value |",
        "|---|---:|",
        f"| records | {len(lines):,} |",
        f"| item line, mean / max bytes | {item_bytes:,.0f} / {max(map(len, lines)):,} |",
        f"| items per batch (mean) | {per_batch:,.0f} |",
        f"| batches | {len(grouped):,} |",
        f"| batch step p50 / p99 ms | {timing.median:.1f} / {timing.p99:.1f} |",
        f"| all batches, one worker, s | {staged_s:.1f} |",
        f"| merge + finish s | {aws_s - staged_s:.1f} |",
        f"| AWS path, one worker, records/s | {len(lines) / aws_s:,.0f} |",
        f"| local importer (baseline), records/s | {local.read / local_s:,.0f} |",
        f"| ratio AWS path / local | {(len(lines) / aws_s) / (local.read / local_s):.2f} |",
    ]
    return "## Catalog import in AWS (one worker, in-process)\n\n" + "\n".join(rows)


def main() -> None:
    print(run(prepare_database()))


if __name__ == "__main__":
    main()
