"""pg8000 against psycopg 3 on the same database, in the same run: the measurement behind the
driver choice (README, docs/performance.md). Both through SQLAlchemy Core, as the functions use
them, on the local socket and behind the simulated network (`bench.network`), where each wire
round trip costs RTT_MS.

Cases: a parameterized SELECT of 7 rows and a day of 20 entries (the list route's columns), both
autocommitted as the functions' reads are, and a write transaction of one UPDATE (BEGIN, UPDATE,
COMMIT as each driver sends them)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import Engine, create_engine, text

from bench.harness import Timing, measure, seed_device, table
from bench.network import RTT_MS, delayed_url, with_driver
from tests.support.driver_counter import count_driver

DRIVERS = ("pg8000", "psycopg")
RUNS = 300

_SEVEN_PORTIONS = text(
    "SELECT id, label, base_amount, base_unit, calories, protein, carbs, fat, is_default"
    " FROM product_portions WHERE device_id = :d ORDER BY label LIMIT 7"
)
_DAY_OF_ENTRIES = text(
    "SELECT id, product_id, portion_id, day, meal_type, amount, unit, created_at, updated_at"
    " FROM food_entries WHERE device_id = :d AND day = :day AND deleted_at IS NULL"
    " ORDER BY created_at, id"
)
_TOUCH = text("UPDATE devices SET change_seq = change_seq + 1 WHERE id = :d")


def _seed(engine: Engine) -> uuid.UUID:
    with engine.begin() as conn:
        device_id, product, portion = seed_device(conn)
        conn.execute(
            text(
                "INSERT INTO product_portions (device_id, product_id, label, base_amount,"
                " base_unit, calories) SELECT :d, :p, 'size ' || g, g, 'g', 10 * g"
                " FROM generate_series(1, 6) g"
            ),
            {"d": device_id, "p": product},
        )
        conn.execute(
            text(
                "INSERT INTO food_entries (device_id, product_id, portion_id, day, meal_type,"
                " amount, unit) SELECT :d, :p, :q, date '2026-06-30', 'lunch', 40 + g, 'g'"
                " FROM generate_series(1, 20) g"
            ),
            {"d": device_id, "p": product, "q": portion},
        )
    return device_id


def _engines(url: str) -> tuple[Engine, Engine]:
    """(reads, writes): reads on connections left in autocommit (no reset on check-in)."""
    reads = create_engine(url, pool_size=1, isolation_level="AUTOCOMMIT")
    return reads, create_engine(url, pool_size=1)


def _cases(reads: Engine, writes: Engine, device_id: uuid.UUID) -> dict[str, Callable[[], None]]:
    def seven() -> None:
        with reads.connect() as conn:
            assert len(conn.execute(_SEVEN_PORTIONS, {"d": device_id}).all()) == 7

    def day() -> None:
        with reads.connect() as conn:
            rows = conn.execute(_DAY_OF_ENTRIES, {"d": device_id, "day": "2026-06-30"}).all()
            assert len(rows) == 20

    def write() -> None:
        with writes.begin() as conn:
            conn.execute(_TOUCH, {"d": device_id})

    return {"select 7 rows": seven, "a day of 20 entries": day, "write (1 UPDATE)": write}


def _round_trips(url: str, device_id: uuid.UUID) -> dict[str, int]:
    """psycopg's round trips per case, counted after a first warm run (which connects)."""
    engines = _engines(with_driver(url, "psycopg"))
    counts = {}
    for name, action in _cases(*engines, device_id).items():
        action()
        with count_driver("MainThread") as counted:
            action()
        counts[name] = counted.round_trips
    for engine in engines:
        engine.dispose()
    return counts


def run(url: str) -> str:
    seeding = create_engine(url)
    device_id = _seed(seeding)
    seeding.dispose()
    lines = []
    for network, rtt in (("local socket", 0.0), (f"{RTT_MS} ms RTT", RTT_MS)):
        rows: list[Timing] = []
        with delayed_url(url, rtt) as delayed:
            target = url if rtt == 0 else delayed
            for driver in DRIVERS:
                engines = _engines(with_driver(target, driver))
                for name, action in _cases(*engines, device_id).items():
                    rows.append(measure(f"{name}, {driver}", action, runs=RUNS, warmup=20))
                for engine in engines:
                    engine.dispose()
        lines.append(f"#### {network}\n\n" + _pairs(rows))
    trips = _round_trips(url, device_id)
    trip_note = ", ".join(f"{name}: {count}" for name, count in trips.items())
    return (
        f"### Driver: pg8000 vs psycopg 3 (SQLAlchemy Core, {RUNS} runs each)\n\n"
        + "\n\n".join(lines)
        + f"\n\npsycopg wire round trips: {trip_note} (pg8000: 3 per statement with parameters)."
    )


def _pairs(rows: list[Timing]) -> str:
    """One table per case, psycopg against pg8000 as the baseline."""
    by_name = {row.name: row for row in rows}
    cases = dict.fromkeys(row.name.rsplit(", ", 1)[0] for row in rows)
    return "\n\n".join(
        table([by_name[f"{case}, {driver}"] for driver in DRIVERS], by_name[f"{case}, pg8000"])
        for case in cases
    )
