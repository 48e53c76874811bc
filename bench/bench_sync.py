"""Sync and export of one device holding 10 000 food entries, as warm handler invocations:
median time, and the peak Python memory one export allocates (tracemalloc), against a first sync
page of 200 entries as the baseline."""

from __future__ import annotations

import tracemalloc
import uuid
from collections.abc import Callable

from sqlalchemy import create_engine, text

from bench.harness import authorizer_context, call_handler, measure, seed_device, table
from infra.local.events import proxy_event

ENTRIES = 10_000
RUNS = 15


def _seed(url: str) -> uuid.UUID:
    engine = create_engine(url)
    with engine.begin() as conn:
        device_id, product, portion = seed_device(conn)
        conn.execute(
            text(
                "INSERT INTO food_entries (device_id, product_id, portion_id, day, meal_type,"
                " amount, unit) SELECT :d, :p, :q, date '2025-01-01' + mod(g, 365), 'lunch', 50,"
                " 'g' FROM generate_series(1, :n) AS g"
            ),
            {"d": device_id, "p": product, "q": portion, "n": ENTRIES},
        )
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return device_id


def _invoker(device_id: uuid.UUID) -> Callable[[str, list[tuple[str, str]]], int]:
    from functions.sync.handler import lambda_handler

    def invoke(path: str, query: list[tuple[str, str]]) -> int:
        event = proxy_event(
            "GET",
            path,
            resource=path,
            query=query,
            authorizer=authorizer_context(device_id),
        )
        return len(call_handler(lambda_handler, event)["body"])

    return invoke


def run(url: str) -> str:
    invoke = _invoker(_seed(url))
    page = measure("first sync page (200)", lambda: invoke("/v1/sync/since", []), runs=RUNS)
    full = measure(
        "sync page of 500", lambda: invoke("/v1/sync/since", [("limit", "500")]), runs=RUNS
    )
    export = measure("export (10 000 entries)", lambda: invoke("/v1/data/export", []), runs=RUNS)
    tracemalloc.start()
    size = invoke("/v1/data/export", [])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (
        f"### Sync and export, one device with {ENTRIES} entries ({RUNS} runs each)\n\n"
        + table([page, full, export], page)
        + f"\n\nExport: {size / 1e6:.1f} MB of JSON; peak Python allocation {peak / 2**20:.1f} MiB."
    )
