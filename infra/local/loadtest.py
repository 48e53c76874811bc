"""`make load`: a bounded load test of `make run`'s server, on loopback only.

It starts the server (`infra.local.serve`, the emulator with the real authorizer and handlers)
on a free 127.0.0.1 port with an embedded database of its own (`.local/pg-load`, recreated each
run), then drives it with LOAD_DEVICES simulated devices (default 50) doing the app's day flow
for LOAD_SECONDS (default 60): register, products, portions, entries, the day list and stats,
weights, goals and a sync page. It stops by itself, verifies every device's final state (its
export) against what the device wrote, and prints throughput and p50/p99 per route. Any error
status or mismatch fails it. The per-IP registration limit is raised for the run: all simulated
devices share 127.0.0.1.

`LOAD_POOLER=pgbouncer` (`make load-pooled`) puts a PgBouncer in transaction pooling mode between
the functions and the database, as RDS Proxy sits between Lambda and Aurora: LOAD_DEVICES (200 by
default there) drive as many simulated sandboxes, each holding its own connection, multiplexed
over LOAD_SERVER_CONNECTIONS (20) server connections.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
import uuid
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx2

from functions.migrate.runner import upgrade_database
from infra.local.database import LOCAL_DIR, recreated_database
from infra.local.pgbouncer import pgbouncer
from infra.local.ports import serving

POOLER = os.environ.get("LOAD_POOLER", "")
DEVICES = int(os.environ.get("LOAD_DEVICES", "200" if POOLER else "50"))
SERVER_CONNECTIONS = int(os.environ.get("LOAD_SERVER_CONNECTIONS", "20"))
# Functions behind the authorizer, plus it: the sandboxes are shared out among them.
FUNCTIONS = 8
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
DATABASE = "countonme_load"
GOAL = {
    "daily_calories_kcal": 2000,
    "protein_percent": 30,
    "carbs_percent": 40,
    "fat_percent": 30,
    "water_ml": 2500,
}


@dataclass
class Wrote:
    """What one device created and did not delete: its final state must match."""

    products: set[str] = field(default_factory=set)
    portions: set[str] = field(default_factory=set)
    entries: set[str] = field(default_factory=set)
    weights: dict[str, str] = field(default_factory=dict)  # id -> weight_kg
    goal: str | None = None


class Recorder:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []

    async def call(
        self, client: httpx2.AsyncClient, route: str, method: str, path: str, **kw: Any
    ) -> httpx2.Response:
        started = time.perf_counter()
        response = await client.request(method, path, **kw)
        self.latencies[route].append((time.perf_counter() - started) * 1000)
        if response.status_code >= 400:
            self.errors.append(f"{route}: {response.status_code} {response.text[:200]}")
        return response


async def device_day(base: str, deadline: float, recorder: Recorder, n: int) -> list[str]:
    """One simulated device until the deadline; returns the mismatches found at the end."""
    async with httpx2.AsyncClient(base_url=base, timeout=30) as client:
        device_id = str(uuid.uuid4())
        registered = await recorder.call(
            client,
            "POST /v1/devices/register",
            "POST",
            "/v1/devices/register",
            json={"device_id": device_id},
        )
        if registered.status_code != 200:
            return [f"{device_id}: not registered"]  # the error is recorded
        client.headers["Authorization"] = f"Bearer {registered.json()['device_token']}"
        wrote = Wrote()
        day = 0
        while time.monotonic() < deadline:
            day += 1
            date = f"2026-{1 + (day // 28) % 12:02d}-{1 + day % 28:02d}"
            product = (
                await recorder.call(
                    client,
                    "POST /v1/products",
                    "POST",
                    "/v1/products",
                    json={"id": str(uuid.uuid4()), "name": f"food {n}-{day}"},
                )
            ).json()
            wrote.products.add(product["id"])
            portion = (
                await recorder.call(
                    client,
                    "POST /v1/products/{id}/portions",
                    "POST",
                    f"/v1/products/{product['id']}/portions",
                    json={"label": "100 g", "base_amount": 100, "base_unit": "g", "calories": 250},
                )
            ).json()
            wrote.portions.add(portion["id"])
            for meal in ("breakfast", "lunch", "dinner"):
                entry = (
                    await recorder.call(
                        client,
                        "POST /v1/food-entries",
                        "POST",
                        "/v1/food-entries",
                        json={
                            "id": str(uuid.uuid4()),
                            "product_id": product["id"],
                            "portion_id": portion["id"],
                            "day": date,
                            "meal_type": meal,
                            "amount": 80,
                            "unit": "g",
                        },
                    )
                ).json()
                wrote.entries.add(entry["id"])
            await recorder.call(
                client, "GET /v1/food-entries", "GET", "/v1/food-entries", params={"day": date}
            )
            await recorder.call(client, "GET /v1/stats/day/{day}", "GET", f"/v1/stats/day/{date}")
            weight = (
                await recorder.call(
                    client,
                    "POST /v1/body-weights",
                    "POST",
                    "/v1/body-weights",
                    json={"day": date, "weight_kg": 70 + day % 5},
                )
            ).json()
            wrote.weights[weight["id"]] = weight["weight_kg"]
            if day % 5 == 1:
                goal = await recorder.call(
                    client, "POST /v1/goals/manual", "POST", "/v1/goals/manual", json=GOAL
                )
                wrote.goal = goal.json()["id"]
            await recorder.call(client, "GET /v1/products", "GET", "/v1/products")
            await recorder.call(
                client, "GET /v1/sync/since", "GET", "/v1/sync/since", params={"limit": 50}
            )
        export = (
            await recorder.call(client, "GET /v1/data/export", "GET", "/v1/data/export")
        ).json()
    return _mismatches(device_id, wrote, export)


def _mismatches(device_id: str, wrote: Wrote, export: dict[str, Any]) -> list[str]:
    found = {
        "products": {p["id"] for p in export["products"]} == wrote.products,
        "portions": {p["id"] for p in export["portions"]} == wrote.portions,
        "entries": {e["id"] for e in export["food_entries"]} == wrote.entries,
        "weights": {w["id"]: w["weight_kg"] for w in export["body_weights"]} == wrote.weights,
        "goal": [g["id"] for g in export["goals"]] == ([wrote.goal] if wrote.goal else []),
    }
    return [f"{device_id}: {name} differ" for name, same in found.items() if not same]


async def _drive(base: str) -> tuple[Recorder, list[str], float]:
    recorder = Recorder()
    started = time.monotonic()
    deadline = started + SECONDS
    results = await asyncio.gather(
        *(device_day(base, deadline, recorder, n) for n in range(DEVICES))
    )
    return recorder, [m for found in results for m in found], time.monotonic() - started


def _report(recorder: Recorder, mismatches: list[str], elapsed: float) -> str:
    total = sum(len(v) for v in recorder.latencies.values())
    lines = [
        f"{DEVICES} devices, {elapsed:.0f} s: {total} requests, {total / elapsed:.0f} req/s,"
        f" {len(recorder.errors)} errors, {len(mismatches)} devices' state mismatched",
        "",
        "| route | requests | p50 ms | p99 ms |",
        "|---|---:|---:|---:|",
    ]
    for route, samples in sorted(recorder.latencies.items()):
        ordered = sorted(samples)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        lines.append(f"| {route} | {len(samples)} | {statistics.median(samples):.1f} | {p99:.1f} |")
    return "\n".join(lines)


def main() -> int:
    _server, url = recreated_database(
        LOCAL_DIR / "pg-load", DATABASE
    )  # keep the server referenced: it stops with this process
    with ExitStack() as stack:
        if POOLER == "pgbouncer":
            upgrade_database(url)  # migrations go direct, as the migrate function does
            url = stack.enter_context(pgbouncer(url, server_connections=SERVER_CONNECTIONS))
        elif POOLER:
            print(f"LOAD_POOLER={POOLER!r}: only pgbouncer is known", file=sys.stderr)
            return 2
        return _serve_and_drive(url)


def _serve_and_drive(url: str) -> int:
    sandboxes = max(4, -(-DEVICES // FUNCTIONS)) if POOLER else 4
    settings = {
        "REGISTER_RATE_LIMIT": str(DEVICES * 10),
        "SANDBOXES_PER_FUNCTION": str(sandboxes),
        "DB_POOL_SIZE": str(sandboxes * FUNCTIONS),
    }
    try:
        with serving(url, settings) as base:
            recorder, mismatches, elapsed = asyncio.run(_drive(base))
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    if POOLER:
        print(
            f"through {POOLER}: {sandboxes * FUNCTIONS} sandbox connections over"
            f" {SERVER_CONNECTIONS} server connections"
        )
    print(_report(recorder, mismatches, elapsed))
    for problem in (recorder.errors + mismatches)[:20]:
        print("FAIL", problem, file=sys.stderr)
    return 1 if recorder.errors or mismatches else 0


if __name__ == "__main__":
    raise SystemExit(main())
