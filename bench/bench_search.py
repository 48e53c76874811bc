"""Search and barcode lookup at Open Food Facts scale (part of `make bench-catalog`).

On a catalog of `CATALOG_BENCH_PRODUCTS` (3·10⁶) synthetic products imported by the importer
(plus the shipped basics), and a device with `DEVICE_PRODUCTS` (10⁴) products of its own:

- every query of `QUERIES` (common words, 1-2 letter prefixes, several words, brand + name, an
  accented one, misspelled ones, misses) through the products function's handler in-process,
  `RUNS` times each, interleaved with today's statement (before issue 20: ILIKE substring over
  the catalog, every match sorted) on the same data: p50 and p99 of each, and the ratio;
- barcode lookups through the same handler: p50 and p99;
- the worst query's plan (`EXPLAIN (ANALYZE, BUFFERS)`).

`python -m bench.bench_search` runs it alone against a catalog kept between runs (imported on the
first run) in the embedded server's `countonme_search_bench` database.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, create_engine, text

from bench.bench_catalog import PRODUCTS, ROOT, dump_file, percentile
from bench.harness import authorizer_context, call_handler
from infra.catalog import synthetic
from infra.local.database import LOCAL_DIR, embedded_database_url
from infra.local.events import proxy_event
from shared.db.engine import driver_url
from shared.repositories.common import contains_pattern, escape_like
from shared.search import tiers

DEVICE_PRODUCTS = int(os.environ.get("SEARCH_BENCH_DEVICE_PRODUCTS", "10000"))
RUNS = int(os.environ.get("SEARCH_BENCH_RUNS", "20"))
BASELINE_RUNS = int(os.environ.get("SEARCH_BENCH_BASELINE_RUNS", "3"))
LIMIT = 35  # the app's page (the contract's default)
QUERIES = (
    # common words
    "milk", "chocolate", "banana", "cheese", "bread", "yogurt", "coffee", "chicken", "rice",
    # one and two letters, as typed
    "m", "c", "b", "ch", "ba", "yo",
    # several words, any order, brand + name
    "dark chocolate", "greek yogurt", "organic milk", "milk chocolate bar", "peanut butter",
    "vanilla ice cream", "smoked salmon slices", "spread chocolate", "nutella", "lindt dark",
    # accented, misspelled, misses
    "crème glacée", "chocolaté", "choclate", "yoghurt", "bananna", "xylophone", "qqzzvv",
)  # fmt: skip

# Today's statement before issue 20 (shared/repositories/product_search.py at that time): the
# baseline of the ratio.
BASELINE_SQL = text(
    """
    SELECT * FROM (
        SELECT p.id, p.name AS sort_name, 0 AS source_rank FROM products p
        WHERE p.device_id = :device AND p.deleted_at IS NULL AND p.name ILIKE :contains
        UNION ALL
        SELECT c.id, c.display_name, 1 FROM catalog_products c
        LEFT JOIN catalog_portions cp ON cp.catalog_product_id = c.id AND cp.is_default
        WHERE c.display_name ILIKE :contains OR c.brand ILIKE :contains
    ) m
    ORDER BY CASE WHEN m.sort_name ILIKE :prefix THEN 0 ELSE 1 END, lower(m.sort_name),
             m.source_rank, m.id
    LIMIT :limit
    """
)


def ensure_catalog(url: str) -> int:
    """Import the synthetic dump unless the catalog already holds it, then the shipped basics
    (the generic foods), through the commands an operator runs."""
    engine = create_engine(driver_url(url))
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM catalog_products")).scalar_one()
    commands = [["infra.catalog.seed"]]
    if count < PRODUCTS * 0.95:  # the quality gates reject under 1% of the synthetic dump
        commands.insert(0, ["infra.catalog.import_dump", str(dump_file(PRODUCTS))])
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    for command in commands:
        subprocess.run([sys.executable, "-m", *command], cwd=ROOT, env=env, check=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        count = conn.execute(text("SELECT count(*) FROM catalog_products")).scalar_one()
        conn.execute(text("VACUUM ANALYZE catalog_products"))
    engine.dispose()
    return count


def seed_device(engine: Engine) -> uuid.UUID:
    """A device of its own with `DEVICE_PRODUCTS` products named like the catalog's."""
    device = uuid.uuid4()
    names = [
        " ".join(w for w in (q, f, form) if w).capitalize()
        for q, f, form in zip(
            synthetic.QUALIFIERS * 500, synthetic.FOODS * 400, synthetic.FORMS * 1000, strict=False
        )
    ][:DEVICE_PRODUCTS]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM devices WHERE token_hash = 'bench-search'"))
        conn.execute(
            text("INSERT INTO devices (id, token_hash) VALUES (:d, 'bench-search')"), {"d": device}
        )
        conn.execute(
            text("INSERT INTO products (device_id, name) SELECT :d, unnest(CAST(:n AS text[]))"),
            {"d": device, "n": [f"{name} {n}" for n, name in enumerate(names)]},
        )
        conn.execute(text("ANALYZE products"))
    return device


def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def run(url: str) -> str:
    count = ensure_catalog(url)
    os.environ["DATABASE_URL"] = url
    engine = create_engine(driver_url(url), pool_size=1)
    device = seed_device(engine)
    from functions.products.handler import lambda_handler

    def search_event(q: str) -> dict[str, Any]:
        return proxy_event(
            "GET",
            "/v1/products/search",
            query=[("q", q), ("limit", str(LIMIT))],
            authorizer=authorizer_context(device),
        )

    def baseline(q: str) -> None:
        params = {
            "device": device,
            "contains": contains_pattern(q),
            "prefix": escape_like(q) + "%",
            "limit": LIMIT,
        }
        with engine.connect() as conn:
            conn.execute(BASELINE_SQL, params).all()

    ours: dict[str, list[float]] = {q: [] for q in QUERIES}
    before: dict[str, list[float]] = {q: [] for q in QUERIES}
    for q in QUERIES:
        call_handler(lambda_handler, search_event(q))  # warm
    for round_number in range(RUNS):
        for q in QUERIES:
            ours[q].append(timed(lambda q=q: call_handler(lambda_handler, search_event(q))))
            if round_number < BASELINE_RUNS:
                before[q].append(timed(lambda q=q: baseline(q)))

    codes = [synthetic.ean13(n) for n in range(0, PRODUCTS, max(1, PRODUCTS // 200))]
    lookups = []
    for code in codes:
        event = proxy_event(
            "GET",
            f"/v1/catalog/products/barcode/{code}",
            resource="/v1/catalog/products/barcode/{barcode}",
            path_parameters={"barcode": code},
            authorizer=authorizer_context(device),
        )
        call_handler(lambda_handler, event)
        lookups.append(timed(lambda event=event: call_handler(lambda_handler, event)))

    all_ours = [s for samples in ours.values() for s in samples]
    all_before = [s for samples in before.values() for s in samples]
    worst = max(QUERIES, key=lambda q: statistics.median(ours[q]))
    lines = [
        f"## Search at scale: {count:,} catalog products, {DEVICE_PRODUCTS:,} of the device's own",
        "",
        f"{len(QUERIES)} queries through the products handler in-process, limit {LIMIT}, "
        f"{RUNS} runs each (today's statement before issue 20: {BASELINE_RUNS} runs each, "
        "interleaved).",
        "",
        "| measure | new search | statement before | ratio before / new |",
        "|---|---:|---:|---:|",
        f"| p50 over all queries, ms | {statistics.median(all_ours):.2f} |"
        f" {statistics.median(all_before):.1f} |"
        f" {statistics.median(all_before) / statistics.median(all_ours):.0f}x |",
        f"| p99 over all queries, ms | {percentile(all_ours, 0.99):.2f} |"
        f" {percentile(all_before, 0.99):.1f} |"
        f" {percentile(all_before, 0.99) / percentile(all_ours, 0.99):.0f}x |",
        f"| barcode lookup p50 / p99, ms ({len(codes)} codes) | {statistics.median(lookups):.2f}"
        f" / {percentile(lookups, 0.99):.2f} | | |",
        "",
        "| query | new p50 ms | new p99 ms | before p50 ms |",
        "|---|---:|---:|---:|",
        *(
            f"| `{q}` | {statistics.median(ours[q]):.2f} | {percentile(ours[q], 0.99):.2f} |"
            f" {statistics.median(before[q]):.1f} |"
            for q in QUERIES
        ),
        "",
        f"Plan of the slowest query by p50, `{worst}` (the catalog tiers):",
        "```",
        explain(engine, worst),
        "```",
    ]
    engine.dispose()
    return "\n".join(lines)


def explain(engine: Engine, q: str) -> str:
    compiled = tiers.matches(q, LIMIT).element.compile(dialect=engine.dialect)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}", compiled.params)
        lines = [row[0] for row in rows]
    return "\n".join(lines)


def main() -> None:
    _server, url = embedded_database_url(LOCAL_DIR / "pg-bench", "countonme_search_bench")
    from functions.migrate.runner import upgrade_database

    upgrade_database(url)
    print(run(url), flush=True)


if __name__ == "__main__":
    main()
