"""`async def` routes that do blocking database I/O against plain `def` routes, measured.

FastAPI runs a `def` route in a worker thread (anyio's thread pool) and an `async def` route on
the event loop itself. Our routes are `async def` and call the database synchronously: the loop
is blocked for the query, which is harmless where one request runs at a time per loop (a Lambda
sandbox; the local gateway gives each sandbox thread a loop of its own) and costs the thread hop
otherwise. This benchmark serves the same route body both ways through Mangum with a REST proxy
event, interleaved, on a seeded device: the products list, a read of one short query.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from sqlalchemy import create_engine

from bench.harness import Timing, authorizer_context, call_handler, measure, seed_device, table
from infra.local.events import proxy_event
from shared.db.units_of_work import reading
from shared.schemas.products import ProductOut
from shared.services import products
from shared.web.app_factory import create_app, create_lambda_handler
from shared.web.dependencies import Caller

RUNS = 400


def _handlers() -> dict[str, Callable[..., Any]]:
    as_async, as_sync = APIRouter(), APIRouter()

    @as_async.get("/v1/products", response_model=list[ProductOut])
    async def list_async(caller: Caller):
        with reading(caller) as session:
            return products.list_live(session, caller.device_id, None, 0)

    @as_sync.get("/v1/products", response_model=list[ProductOut])
    def list_sync(caller: Caller):
        with reading(caller) as session:
            return products.list_live(session, caller.device_id, None, 0)

    return {
        "async def (as shipped)": create_lambda_handler(create_app(as_async, title="async")),
        "def (thread pool)": create_lambda_handler(create_app(as_sync, title="sync")),
    }


def run(url: str) -> str:
    engine = create_engine(url)
    with engine.begin() as conn:
        device_id, _, _ = seed_device(conn)
    engine.dispose()
    event = proxy_event("GET", "/v1/products", authorizer=authorizer_context(device_id))
    event["requestContext"]["requestId"] = str(uuid.uuid4())
    handlers = _handlers()
    samples: dict[str, list[float]] = {name: [] for name in handlers}
    for _ in range(RUNS // 50):  # interleaved in rounds, so drift hits both alike
        for name, handler in handlers.items():
            timing = measure(name, lambda h=handler: call_handler(h, event), runs=50)
            samples[name] += timing.samples_ms
    rows = [Timing(name, values) for name, values in samples.items()]
    return "### Route style: async def vs def, GET /v1/products in-process\n\n" + table(
        rows, rows[0]
    )


if __name__ == "__main__":
    from bench.harness import prepare_database

    print(run(prepare_database()))
