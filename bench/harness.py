"""Shared benchmark plumbing: an embedded database of its own, timing, and the report table."""

from __future__ import annotations

import io
import os
import statistics
import time
import uuid
from collections.abc import Callable
from contextlib import redirect_stdout
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, text

from infra.local.database import LOCAL_DIR, recreated_database
from infra.local.events import LambdaContext
from shared.db.engine import driver_url

BENCH_DATABASE = "countonme_bench"


def prepare_database() -> str:
    """A freshly migrated benchmark database (DATABASE_URL's server, else an embedded one)."""
    from functions.migrate.runner import upgrade_database

    configured = os.environ.get("BENCH_DATABASE_URL")
    if configured:
        url = driver_url(configured)
    else:
        server, url = recreated_database(LOCAL_DIR / "pg-bench", BENCH_DATABASE)
        prepare_database.server = server  # type: ignore[attr-defined] - keep it running
    os.environ["DATABASE_URL"] = url
    upgrade_database(url)
    return url


def seed_device(conn: Connection) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """Empty the device tables, then one device with a product and its 100 g default portion;
    returns (device, product, portion) ids. Rows are written directly, not through the API."""
    device_id = uuid.uuid4()
    conn.execute(text("TRUNCATE devices CASCADE"))
    conn.execute(text("INSERT INTO devices (id, token_hash) VALUES (:d, 'x')"), {"d": device_id})
    product = conn.execute(
        text("INSERT INTO products (device_id, name) VALUES (:d, 'Oats') RETURNING id"),
        {"d": device_id},
    ).scalar_one()
    portion = conn.execute(
        text(
            "INSERT INTO product_portions (device_id, product_id, label, base_amount,"
            " base_unit, calories, protein, carbs, fat, is_default)"
            " VALUES (:d, :p, '100 g', 100, 'g', 380, 13, 68, 6.5, true) RETURNING id"
        ),
        {"d": device_id, "p": product},
    ).scalar_one()
    return device_id, product, portion


def seed_diary(
    conn: Connection, ids: tuple[uuid.UUID, uuid.UUID, uuid.UUID], day: date
) -> uuid.UUID:
    """A diary for `seed_device`'s (device, product, portion): 20 entries on `day` over the four
    meals and 2 on each of the 89 days before; returns the id of one entry on `day`."""
    device_id, product, portion = ids
    insert = text(
        "INSERT INTO food_entries (device_id, product_id, portion_id, day, meal_type, amount,"
        " unit) SELECT :d, :p, :q, :day, (ARRAY['breakfast','lunch','dinner','snacks'])"
        "[1 + mod(g, 4)], 40 + g, 'g' FROM generate_series(1, :n) g RETURNING id"
    )
    params = {"d": device_id, "p": product, "q": portion}
    first = conn.execute(insert, {**params, "day": day, "n": 20}).scalars().first()
    for back in range(1, 90):
        conn.execute(insert, {**params, "day": day - timedelta(days=back), "n": 2})
    assert first is not None
    return first


def authorizer_context(device_id: uuid.UUID) -> dict[str, str]:
    """What the authorizer puts in the event for a seeded device (token generation 1)."""
    return {"principalId": str(device_id), "device_id": str(device_id), "token_generation": "1"}


def call_handler(handler: Callable[..., Any], event: dict[str, Any]) -> dict[str, Any]:
    """One invocation, its printed EMF metrics swallowed; it must answer 200."""
    with redirect_stdout(io.StringIO()):
        result = handler(event, LambdaContext(function_name="bench"))
    assert result["statusCode"] == 200, result
    return result


@dataclass
class Timing:
    name: str
    samples_ms: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p99(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def measure(name: str, action: Callable[[], object], *, runs: int, warmup: int = 3) -> Timing:
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return Timing(name, samples)


def table(rows: list[Timing], baseline: Timing) -> str:
    lines = [
        f"| case | median ms | p99 ms | ratio to {baseline.name} |",
        "|---|---:|---:|---:|",
    ]
    for row in rows:
        ratio = row.median / baseline.median
        lines.append(f"| {row.name} | {row.median:.2f} | {row.p99:.2f} | {ratio:.2f} |")
    return "\n".join(lines)
