"""The stack floor: the least a route can cost on this stack. A minimal FastAPI app behind the same
Mangum adapter and Powertools instrumentation (`create_lambda_handler`), whose one route runs a
recorded route's exact SQL through the same engine and driver and returns the recorded response
through the same response model. What a real route adds on top (ORM, services, validation of
input, building the response from rows) is what the benchmark's ratio measures.

A recording is taken from one warm invocation of the real route: the statements SQLAlchemy sent
(text and parameters, as the driver got them), the batches sent pipelined (the sync feed's lists,
`shared.db.pipeline.fetch_pipelined`, replayed the same way), whether the route wrote (then its
first statement is the freshness check with its BEGIN; a read's check shares its first query's
round trip, as in the real routes), the response body and model.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter
from sqlalchemy import Connection, event

from shared.auth.identity import AuthorizedDevice
from shared.db import freshness
from shared.db.engine import autocommit_connection, get_engine
from shared.db.pipeline import fetch_pipelined
from shared.repositories import sync as sync_repository
from shared.web.app_factory import create_app, create_lambda_handler


@dataclass
class Recording:
    device_id: uuid.UUID
    model: TypeAdapter[Any]
    body: Any = None
    writes: bool = False
    statements: list[tuple[str, Any]] = field(default_factory=list)
    pipelined: list[list[tuple[str, Any]]] = field(default_factory=list)


@contextmanager
def recording(recording: Recording) -> Iterator[None]:
    """Record into `recording` what the container's engine sends in the block."""

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        recording.statements.append((statement, parameters))

    def pipelined(connection: Connection, statements: list[tuple[str, Any]]) -> Any:
        recording.pipelined.append(list(statements))
        return fetch_pipelined(connection, statements)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", record)
    original, sync_repository.fetch_pipelined = sync_repository.fetch_pipelined, pipelined
    try:
        yield
    finally:
        sync_repository.fetch_pipelined = original
        event.remove(engine, "before_cursor_execute", record)


def floor_handler(recordings: Mapping[str, Recording]) -> Callable[..., Any]:
    """A Lambda handler whose route `/floor/{name}` replays recording `name`."""
    router = APIRouter()

    def replay(connection: Connection, recording: Recording) -> None:
        for statement, parameters in recording.statements:
            result = connection.exec_driver_sql(statement, parameters)
            if result.returns_rows:
                result.all()
        for batch in recording.pipelined:
            fetch_pipelined(connection, batch)

    @router.api_route("/floor/{name}", methods=["GET", "PATCH"])
    async def floor(name: str, request: Request) -> JSONResponse:
        recording = recordings[name]
        await request.body()
        caller = AuthorizedDevice(recording.device_id, 1)
        with autocommit_connection() as connection:
            if recording.writes:
                freshness.check_write(connection, caller)
                replay(connection, recording)
                connection.commit()
            else:
                with freshness.checking_read(connection, caller):
                    replay(connection, recording)
        value = recording.model.validate_python(recording.body)
        return JSONResponse(recording.model.dump_python(value, mode="json"))

    return create_lambda_handler(create_app(router, title="stack floor"))
