"""Counts what one function sends to PostgreSQL, at the driver: every statement psycopg puts on
the wire (BEGIN, COMMIT and the freshness check included), every wire round trip (psycopg
flushing what it queued and waiting for the server's answer), and any statement prepared on the
server (there must be none: a named prepared statement pins an RDS Proxy session).

SQLAlchemy's cursor events miss what the driver sends by itself (psycopg opens each transaction
with its own BEGIN and commits outside any cursor), so the counts are taken by wrapping psycopg's
own send and wait steps; in pipeline mode (`shared.db.pipeline.fetch_pipelined`) a round trip is
one Sync, however many statements it closes. Only threads whose name starts with the given prefix
are counted: the emulator names each function's sandbox threads after the function, so the
authorizer's lookup is not counted against a route. Used by the api tests (statement and round-trip
budgets) and the benchmarks; never imported by Lambda code.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from psycopg import _connection_base, _cursor_base, _pipeline_base, generators


@dataclass
class DriverCounts:
    statements: list[str] = field(default_factory=list)
    round_trips: int = 0
    prepared: int = 0


def _text(query: bytes | str) -> str:
    return query.decode() if isinstance(query, bytes) else query


@contextmanager
def _patched(owner: Any, name: str, replacement: Any) -> Iterator[None]:
    original = getattr(owner, name)
    setattr(owner, name, replacement)
    try:
        yield
    finally:
        setattr(owner, name, original)


@contextmanager
def count_driver(thread_prefix: str) -> Iterator[DriverCounts]:
    """Count statements and round trips sent from threads named `thread_prefix…` in the block."""
    counts = DriverCounts()
    lock = threading.Lock()

    def mine() -> bool:
        return threading.current_thread().name.startswith(thread_prefix)

    def record(statement: str) -> None:
        if mine():
            with lock:
                counts.statements.append(statement)

    def counting_send(original: Callable[..., None]) -> Callable[..., None]:
        def send(self: Any, query: Any, *args: Any, **kwargs: Any) -> None:
            record(_text(query.query))
            original(self, query, *args, **kwargs)

        return send

    original_command = _connection_base.BaseConnection._exec_command

    def command(self: Any, statement: Any, *args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        record(_text(statement) if isinstance(statement, bytes | str) else str(statement))
        return (yield from original_command(self, statement, *args, **kwargs))

    original_prepare = _cursor_base.BaseCursor._send_prepare

    def prepare(self: Any, *args: Any, **kwargs: Any) -> None:
        if mine():
            with lock:
                counts.prepared += 1
        original_prepare(self, *args, **kwargs)

    original_execute = generators.execute

    def execute(pgconn: Any) -> Generator[Any, Any, Any]:
        if mine():
            with lock:
                counts.round_trips += 1
        return (yield from original_execute(pgconn))

    original_sync = _pipeline_base.BasePipeline._enqueue_sync

    def sync(self: Any) -> None:
        if mine():
            with lock:
                counts.round_trips += 1
        original_sync(self)

    with ExitStack() as patches:
        cursor_send = counting_send(_cursor_base.BaseCursor._execute_send)
        patches.enter_context(_patched(_cursor_base.BaseCursor, "_execute_send", cursor_send))
        patches.enter_context(_patched(_connection_base.BaseConnection, "_exec_command", command))
        patches.enter_context(_patched(_cursor_base.BaseCursor, "_send_prepare", prepare))
        patches.enter_context(_patched(_pipeline_base.BasePipeline, "_enqueue_sync", sync))
        # The cursor module binds `execute` by name; the connection module looks it up on
        # `generators` at each call.
        patches.enter_context(_patched(_cursor_base, "execute", execute))
        patches.enter_context(_patched(generators, "execute", execute))
        yield counts
