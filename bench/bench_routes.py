"""Warm routes against their stack floor (`bench.stack_floor`), on the local socket and behind
the simulated network (`bench.network`, RTT_MS per wire round trip), as in-process handler
invocations with REST API proxy events: p50 and p99 of ours and of the floor, interleaved, and
the wire round trips of ours. Writes a PNG of the p50s (`PLOT`).
"""

from __future__ import annotations

import io
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import create_engine, text
from starlette.routing import Match

from bench.harness import Timing, authorizer_context, call_handler, seed_device, seed_diary
from bench.network import RTT_MS, added_rtt_ms, delayed_url
from bench.stack_floor import Recording, floor_handler, recording
from infra.local.database import REPO_ROOT
from infra.local.events import LambdaContext, proxy_event
from shared.runtime.settings import get_settings
from shared.snapstart import drop_connections
from tests.support.driver_counter import count_driver

RUNS = 200
DAY = date(2026, 6, 30)
PLOT = REPO_ROOT / "docs" / "performance-latency.png"


@dataclass(frozen=True)
class Case:
    name: str
    function: str
    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None


def _cases(ids: dict[str, str]) -> list[Case]:
    def daily(days: int) -> dict[str, str]:
        return {"from": (DAY - timedelta(days=days - 1)).isoformat(), "to": DAY.isoformat()}

    return [
        Case("list a day (20 entries)", "entries", "GET", "/v1/food-entries", {"day": str(DAY)}),
        Case("day stats", "entries", "GET", f"/v1/stats/day/{DAY}"),
        Case("daily stats, 7 days", "entries", "GET", "/v1/stats/daily", daily(7)),
        Case("daily stats, 90 days", "entries", "GET", "/v1/stats/daily", daily(90)),
        Case("products (10)", "products", "GET", "/v1/products"),
        Case("portions", "products", "GET", f"/v1/products/{ids['product']}/portions"),
        Case("current goal", "goals", "GET", "/v1/goals/current"),
        Case("body weights (30)", "weights", "GET", "/v1/body-weights"),
        Case("sync, first page", "sync", "GET", "/v1/sync/since"),
        Case("device", "auth", "GET", "/v1/devices/me"),
        Case("patch entry", "entries", "PATCH", f"/v1/food-entries/{ids['entry']}",
             body={"amount": 75}),
    ]  # fmt: skip


def _routers(function: str) -> list[Any]:
    """The function's own routers (to find a route's response model)."""
    if function == "auth":
        from functions.auth import handler

        return [handler.devices_router]
    if function == "products":
        from functions.products import routes

        return [routes.products_router, routes.catalog_router]
    module = __import__(f"functions.{function}.routes", fromlist=["router"])
    return [module.router]


def _response_model(case: Case) -> TypeAdapter[Any]:
    scope = {"type": "http", "path": case.path, "method": case.method}
    for router in _routers(case.function):
        for route in router.routes:
            if route.matches(scope)[0] is Match.FULL:
                return TypeAdapter(route.response_model)
    raise LookupError(case)


def _event(case: Case, device_id: uuid.UUID, path: str | None = None) -> dict[str, Any]:
    body = json.dumps(case.body).encode() if case.body is not None else b""
    return proxy_event(
        case.method,
        path or case.path,
        query=list(case.query.items()),
        headers=[("Content-Type", "application/json")] if body else [],
        body=body,
        authorizer=authorizer_context(device_id),
    )


def _handler(function: str) -> Callable[..., Any]:
    return __import__(f"functions.{function}.handler", fromlist=["lambda_handler"]).lambda_handler


def _seed(url: str) -> tuple[uuid.UUID, dict[str, str]]:
    engine = create_engine(url)
    with engine.begin() as conn:
        ids = seed_device(conn)
        device_id, product, _ = ids
        params = {"d": device_id}
        entry = seed_diary(conn, ids, DAY)
        conn.execute(
            text(
                "WITH made AS (INSERT INTO products (device_id, name) SELECT :d, 'Food ' || g"
                " FROM generate_series(1, 9) g RETURNING id)"
                " INSERT INTO product_portions (device_id, product_id, label, base_amount,"
                " base_unit, calories, protein, carbs, fat, is_default)"
                " SELECT :d, id, '100 g', 100, 'g', 200, 10, 20, 5, true FROM made"
            ),
            params,
        )
        conn.execute(
            text(
                "INSERT INTO body_weights (device_id, day, weight_kg)"
                " SELECT :d, :day - g, 70 + g / 10.0 FROM generate_series(0, 29) g"
            ),
            {**params, "day": DAY},
        )
        conn.execute(text("ANALYZE"))
    engine.dispose()
    goal = {
        "daily_calories_kcal": 2000,
        "protein_percent": 30,
        "carbs_percent": 40,
        "fat_percent": 30,
        "water_ml": 2500,
    }
    create = Case("goal", "goals", "POST", "/v1/goals/manual", body=goal)
    with redirect_stdout(io.StringIO()):
        result = _handler("goals")(_event(create, device_id), LambdaContext(function_name="b"))
    assert result["statusCode"] == 201, result
    return device_id, {"product": str(product), "entry": str(entry)}


def _record(case: Case, device_id: uuid.UUID) -> Recording:
    handler, event = _handler(case.function), _event(case, device_id)
    call_handler(handler, event)  # warm: compiled statements, pooled connection
    recorded = Recording(device_id, _response_model(case), writes=case.method != "GET")
    with recording(recorded):
        recorded.body = json.loads(call_handler(handler, event)["body"])
    return recorded


@contextmanager
def _database(url: str) -> Iterator[None]:
    """Point the container's engine at `url` for the block (rebuilt on first use)."""
    previous = os.environ["DATABASE_URL"]
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    drop_connections()
    try:
        yield
    finally:
        os.environ["DATABASE_URL"] = previous
        get_settings.cache_clear()
        drop_connections()


def _interleaved(ours: Callable[[], object], floor: Callable[[], object]) -> tuple[Timing, Timing]:
    for _ in range(20):
        ours()
        floor()
    samples: dict[str, list[float]] = {"ours": [], "floor": []}
    for _ in range(RUNS):
        for name, action in (("ours", ours), ("floor", floor)):
            started = time.perf_counter()
            action()
            samples[name].append((time.perf_counter() - started) * 1000)
    return Timing("ours", samples["ours"]), Timing("floor", samples["floor"])


def _measure(cases: list[Case], device_id: uuid.UUID, recordings: dict[str, Recording]) -> list:
    floor = floor_handler(recordings)
    rows = []
    for case in cases:
        handler, event = _handler(case.function), _event(case, device_id)
        floor_event = _event(case, device_id, path=f"/floor/{case.name}")
        ours, base = _interleaved(
            partial(call_handler, handler, event), partial(call_handler, floor, floor_event)
        )
        with count_driver("MainThread") as counts:
            call_handler(handler, event)
        rows.append((case, ours, base, counts.round_trips))
    return rows


def run(url: str) -> str:
    device_id, ids = _seed(url)
    cases = _cases(ids)
    recordings = {case.name: _record(case, device_id) for case in cases}
    results = {"local socket": _measure(cases, device_id, recordings)}
    with delayed_url(url) as delayed:
        added = added_rtt_ms(url, delayed)
        with _database(delayed):
            results[f"{RTT_MS} ms RTT"] = _measure(cases, device_id, recordings)
    _plot(results)
    sections = [f"### Routes against the stack floor ({RUNS} interleaved runs each)"]
    for network, rows in results.items():
        lines = [
            f"#### {network}",
            "",
            "| route | round trips | ours p50 ms | ours p99 ms | floor p50 ms | floor p99 ms"
            " | ours / floor (p50) |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for case, ours, base, trips in rows:
            lines.append(
                f"| {case.name} | {trips} | {ours.median:.2f} | {ours.p99:.2f} | {base.median:.2f}"
                f" | {base.p99:.2f} | {ours.median / base.median:.2f} |"
            )
        sections.append("\n".join(lines))
    calibration = f"The proxy added {added:.2f} ms per round trip (a `SELECT 1` through it, alone)."
    return "\n\n".join([*sections, calibration, f"Plot: {PLOT.relative_to(REPO_ROOT)}"])


def _plot(results: dict[str, list]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    networks = list(results)
    names = [case.name for case, *_ in results[networks[0]]]
    figure, axis = plt.subplots(figsize=(11, 5.5))
    width = 0.2
    series = [
        (f"{variant}, {network}", [row[index].median for row in results[network]])
        for network in networks
        for variant, index in (("ours", 1), ("floor", 2))
    ]
    for offset, (label, values) in enumerate(series):
        positions = [n + (offset - 1.5) * width for n in range(len(names))]
        axis.bar(positions, values, width, label=label)
    axis.set_xticks(range(len(names)), names, rotation=30, ha="right")
    axis.set_ylabel("p50 latency, ms (warm, in-process handler)")
    axis.set_title("Latency per route: ours vs stack floor, local socket and 0.5 ms RTT")
    axis.legend()
    figure.tight_layout()
    Path(PLOT).parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(PLOT, dpi=110)
    plt.close(figure)
