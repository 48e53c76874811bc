"""Entries reads as warm handler invocations: a day of 20 entries, day stats, 7/30/90-day daily
stats, with 1 000 and with 1 000 000 entries in the table (spread over 1 000 devices).

The measured device holds the same rows in both cases (20 entries on the listed day, 2 a day
before it), so the ratio shows what the table's size costs; it should stay near 1 (indexes).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import Engine, create_engine, text

from bench.harness import (
    Timing,
    authorizer_context,
    call_handler,
    measure,
    seed_device,
    seed_diary,
    table,
)
from infra.local.events import proxy_event

FILLER_DEVICES = 999
TARGET_DAY = date(2026, 6, 30)
RUNS = 200


def _seed_measured_device(engine: Engine) -> uuid.UUID:
    with engine.begin() as conn:
        ids = seed_device(conn)
        seed_diary(conn, ids, TARGET_DAY)
        device_id = ids[0]
        conn.execute(
            text(
                "INSERT INTO devices (id, token_hash) SELECT gen_random_uuid(), 'filler'"
                " FROM generate_series(1, :n)"
            ),
            {"n": FILLER_DEVICES},
        )
        conn.execute(
            text(
                "INSERT INTO products (device_id, name) SELECT id, 'Filler' FROM devices"
                " WHERE token_hash = 'filler'"
            )
        )
        conn.execute(
            text(
                "INSERT INTO product_portions (device_id, product_id, label, base_amount,"
                " base_unit, calories, protein, carbs, fat, is_default) SELECT device_id, id,"
                " '100 g', 100, 'g', 250, 10, 30, 8, true FROM products WHERE name = 'Filler'"
            )
        )
    return device_id


def _fill_to(engine: Engine, total: int) -> None:
    """Add filler entries (other devices, two years of days) until the table holds `total`."""
    with engine.begin() as conn:
        have = conn.execute(text("SELECT count(*) FROM food_entries")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO food_entries (device_id, product_id, portion_id, day, meal_type,"
                " amount, unit)"
                " SELECT f.device_id, f.product_id, f.id, date '2025-01-01' + mod(g, 730),"
                " (ARRAY['breakfast','lunch','dinner','snacks'])[1 + mod(g, 4)],"
                " 50 + mod(g, 200), 'g'"
                " FROM generate_series(0, :n - 1) g JOIN ("
                "   SELECT row_number() OVER (ORDER BY id) - 1 AS n, device_id, product_id, id"
                "   FROM product_portions WHERE label = '100 g' AND calories = 250"
                " ) f ON f.n = mod(g, :devices)"
            ),
            {"n": total - have, "devices": FILLER_DEVICES},
        )
        conn.execute(text("ANALYZE"))


def _invoker(device_id: uuid.UUID) -> Callable[[str, str, dict[str, str]], None]:
    from functions.entries.handler import lambda_handler

    def invoke(path: str, resource: str, query: dict[str, str]) -> None:
        event = proxy_event(
            "GET",
            path,
            resource=resource,
            query=list(query.items()),
            authorizer=authorizer_context(device_id),
        )
        call_handler(lambda_handler, event)

    return invoke


def _cases(invoke: Callable[[str, str, dict[str, str]], None]) -> dict[str, Callable[[], None]]:
    day = TARGET_DAY.isoformat()

    def daily(days: int) -> Callable[[], None]:
        start = (TARGET_DAY - timedelta(days=days - 1)).isoformat()
        return lambda: invoke("/v1/stats/daily", "/v1/stats/daily", {"from": start, "to": day})

    return {
        "list a day (20 entries)": lambda: invoke(
            "/v1/food-entries", "/v1/food-entries", {"day": day}
        ),
        "day stats": lambda: invoke(f"/v1/stats/day/{day}", "/v1/stats/day/{proxy+}", {}),
        "daily stats, 7 days": daily(7),
        "daily stats, 30 days": daily(30),
        "daily stats, 90 days": daily(90),
    }


def run(url: str) -> str:
    engine = create_engine(url)
    device_id = _seed_measured_device(engine)
    invoke = _invoker(device_id)
    results: dict[int, dict[str, Timing]] = {}
    for total in (1_000, 1_000_000):
        _fill_to(engine, total)
        results[total] = {
            name: measure(f"{name} @ {total:,}", action, runs=RUNS, warmup=10)
            for name, action in _cases(invoke).items()
        }
    engine.dispose()
    sections = []
    for name in results[1_000]:
        small, large = results[1_000][name], results[1_000_000][name]
        sections.append(table([small, large], baseline=small))
    return f"### Entries reads, warm ({RUNS} runs each)\n\n" + "\n\n".join(sections)
