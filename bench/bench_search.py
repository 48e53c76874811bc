"""Search and barcode lookup at Open Food Facts scale (part of `make bench-catalog`).

On a catalog of `CATALOG_BENCH_PRODUCTS` (3·10⁶) products of the real dumps' vocabulary
(`bench.real_shape`: real sample records with names from the long-tailed vocabulary fitted to
the sample, imported by the importer from their projected lines, which map to the same records),
plus the shipped basics, and a device with `DEVICE_PRODUCTS` (10⁴) products named from the same
vocabulary:

- every query of `queries()` (by kind: 1-2 letters, common words, a common word with a rare
  word's prefix, two rare words that never occur together, several words, brand + name, accents,
  typos, misses; the words are the vocabulary's, by rank) through the products function's handler
  in-process, `RUNS` times each, interleaved with today's statement (before issue 20: ILIKE
  substring over the catalog, every match sorted) on the same data: p50 and p99 of each, by kind
  and over all, and the ratio;
- barcode lookups through the same handler: p50 and p99;
- the worst query's plan (`EXPLAIN (ANALYZE, BUFFERS)`).

It runs, alone (`python -m bench.bench_search`) or in `make bench-catalog`, against a catalog
kept between runs (imported on the first run) in the embedded server's `countonme_search_bench`
database.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time
import unicodedata
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text

from bench import real_shape
from bench.bench_catalog import PRODUCTS, ROOT, cached_dump, percentile
from bench.harness import authorizer_context, call_handler
from infra.local.database import LOCAL_DIR, embedded_database_url
from infra.local.events import proxy_event
from shared.db.engine import driver_url
from shared.repositories.common import contains_pattern, escape_like
from shared.search import tiers

DEVICE_PRODUCTS = int(os.environ.get("SEARCH_BENCH_DEVICE_PRODUCTS", "10000"))
RUNS = int(os.environ.get("SEARCH_BENCH_RUNS", "20"))
BASELINE_RUNS = int(os.environ.get("SEARCH_BENCH_BASELINE_RUNS", "3"))
LIMIT = 35  # the app's page (the contract's default)


def _unaccented(word: str) -> str:
    """The word as typed without accents."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _typo(word: str, number: int) -> str:
    """A misspelling as typed: a letter dropped, doubled or two swapped (by `number`)."""
    at = 1 + number % max(1, len(word) - 2)
    dropped = word[:at] + word[at + 1 :]
    typed = (
        dropped,
        word[:at] + word[at] + word[at:],
        word[:at] + word[at + 1] + word[at] + word[at + 2 :],
    )[number % 3]
    return dropped if typed == word else typed


def queries() -> dict[str, list[str]]:
    """The queries by kind, from the vocabulary's ranks: the commonest words are in several
    percent of the names, words past rank 10⁵ in a handful."""
    words = real_shape.vocabulary().words
    common = [w for w in words[:40] if len(w) >= 4 and w.isascii()][:8]
    rare = [w for w in words[100_000::20_011] if len(w) >= 5][:8]
    accented = [w for w in words[:5000] if not w.isascii() and len(w) >= 4][:4]
    rare_prefix = [f"{c} {r[:4]}" for c, r in zip(common[:4], rare[:4], strict=True)]
    return {
        "1-2 letters": [common[0][0], common[1][0], common[2][0], common[0][:2], common[1][:2],
                        common[3][:2]],
        "common word": common,
        "common word + rare prefix": rare_prefix,
        "two rare words": [f"{a} {b}" for a, b in zip(rare[:4], rare[4:], strict=True)],
        "several words": ["dark chocolate", "milk chocolate truffles", "assorted chocolates",
                          "white chocolate chips", "sea salt caramel"],
        "brand + name": ["lindt dark", "ferrero hazelnut", "lindor milk", "welch grape"],
        "accents": [*accented, *(_unaccented(w) for w in accented[:2])],
        "typos": [_typo(w, n) for n, w in enumerate(common[:6])],
        "misses": ["xylophone", "qqzzvv", "zqx7 ban"],
    }  # fmt: skip


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


def vocabulary_dump() -> Path:
    return cached_dump(
        "off-real-vocabulary-{count}.jsonl", PRODUCTS, real_shape.write_projected_jsonl
    )


def ensure_catalog(url: str) -> int:
    """Import the realistic-vocabulary dump (`--full`: it retires any other Open Food Facts
    products) unless the catalog already holds its last products, then the shipped basics (the
    generic foods), through the commands an operator runs."""
    engine = create_engine(driver_url(url))
    last_codes = [real_shape.code(n) for n in range(max(0, PRODUCTS - 1000), PRODUCTS)]
    with engine.connect() as conn:
        held = conn.execute(
            text("SELECT count(*) FROM catalog_products WHERE source_id = ANY(:codes)"),
            {"codes": last_codes},
        ).scalar_one()
    commands = [["infra.catalog.seed"]]
    if not held:
        commands.insert(0, ["infra.catalog.import_dump", str(vocabulary_dump()), "--full"])
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    for command in commands:
        subprocess.run([sys.executable, "-m", *command], cwd=ROOT, env=env, check=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        count = conn.execute(text("SELECT count(*) FROM catalog_products")).scalar_one()
        conn.execute(text("VACUUM ANALYZE catalog_products"))
    engine.dispose()
    return count


def seed_device(engine: Engine) -> uuid.UUID:
    """A device of its own with `DEVICE_PRODUCTS` products named from the catalog's vocabulary."""
    device = uuid.uuid4()
    vocabulary, chooser = real_shape.vocabulary(), random.Random(real_shape.SEED + 1)
    names = [vocabulary.name(chooser) for _ in range(DEVICE_PRODUCTS)]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM devices WHERE token_hash = 'bench-search'"))
        conn.execute(
            text("INSERT INTO devices (id, token_hash) VALUES (:d, 'bench-search')"), {"d": device}
        )
        conn.execute(
            text("INSERT INTO products (device_id, name) SELECT :d, unnest(CAST(:n AS text[]))"),
            {"d": device, "n": names},
        )
        conn.execute(text("ANALYZE products"))
    return device


def barcodes(engine: Engine, count: int = 200) -> list[str]:
    """`count` barcodes of imported products, spread over the dump."""
    step = max(1, PRODUCTS // count)
    codes = [real_shape.code(n) for n in range(0, PRODUCTS, step)]
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT barcode FROM catalog_products WHERE barcode = ANY(:codes)"),
            {"codes": codes},
        )
        return sorted(row[0] for row in rows)


def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def _row(label: str, samples: list[float], before: list[float]) -> str:
    return (
        f"| {label} | {statistics.median(samples):.2f} | {percentile(samples, 0.99):.2f} |"
        f" {statistics.median(before):.1f} |"
    )


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

    by_kind = queries()
    every = [q for kind in by_kind.values() for q in kind]
    ours: dict[str, list[float]] = {q: [] for q in every}
    before: dict[str, list[float]] = {q: [] for q in every}
    for q in every:
        call_handler(lambda_handler, search_event(q))  # warm
    for round_number in range(RUNS):
        for q in every:
            ours[q].append(timed(lambda q=q: call_handler(lambda_handler, search_event(q))))
            if round_number < BASELINE_RUNS:
                before[q].append(timed(lambda q=q: baseline(q)))

    codes = barcodes(engine)
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

    def pooled(samples: dict[str, list[float]], kind: list[str]) -> list[float]:
        return [s for q in kind for s in samples[q]]

    all_ours, all_before = pooled(ours, every), pooled(before, every)
    worst = max(every, key=lambda q: statistics.median(ours[q]))
    lines = [
        f"## Search at scale: {count:,} catalog products, {DEVICE_PRODUCTS:,} of the device's own",
        "",
        f"{len(every)} queries through the products handler in-process, limit {LIMIT}, "
        f"{RUNS} runs each (today's statement before issue 20: {BASELINE_RUNS} runs each, "
        "interleaved). " + real_shape.describe(),
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
        "| kind | new p50 ms | new p99 ms | before p50 ms |",
        "|---|---:|---:|---:|",
        *(
            _row(kind, pooled(ours, kind_queries), pooled(before, kind_queries))
            for kind, kind_queries in by_kind.items()
        ),
        "",
        "| query | new p50 ms | new p99 ms | before p50 ms |",
        "|---|---:|---:|---:|",
        *(_row(f"`{q}`", ours[q], before[q]) for q in every),
        "",
        f"Plan of the slowest query by p50, `{worst}` (the catalog tiers):",
        "```",
        explain(engine, worst),
        "```",
    ]
    engine.dispose()
    return "\n".join(lines)


def explain(engine: Engine, q: str) -> str:
    compiled = tiers.HITS.element.compile(dialect=engine.dialect)
    params = compiled.construct_params(tiers.parameters(q, LIMIT))
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}", params)
        lines = [row[0] for row in rows]
    return "\n".join(lines)


def search_database() -> str:
    """The embedded server's `countonme_search_bench` database, migrated: its catalog is kept
    between runs (importing it takes about 30 minutes)."""
    from functions.migrate.runner import upgrade_database

    server, url = embedded_database_url(LOCAL_DIR / "pg-bench", "countonme_search_bench")
    search_database.server = server  # type: ignore[attr-defined] - keep it running
    upgrade_database(url)
    return url


def main() -> None:
    print(run(search_database()), flush=True)


if __name__ == "__main__":
    main()
