"""Counts what one function sends to PostgreSQL, at the driver: every statement pg8000 puts on
the wire (BEGIN, COMMIT, the freshness check and any ping included) and every wire round trip
(a flush of the socket followed by a wait for the server's answer).

SQLAlchemy's cursor events miss what the driver sends by itself (pg8000 opens each transaction
with its own `begin transaction`, and commits outside any cursor), so the counts are taken by
wrapping pg8000's connection methods. Only threads whose name starts with the given prefix are
counted: the emulator names each function's sandbox threads after the function, so the
authorizer's lookup is not counted against a route. Used by the api tests (statement budgets)
and the benchmarks (round trips); never imported by Lambda code.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pg8000.core
from pg8000.core import CoreConnection

# Every statement goes through one of these (SQLAlchemy never asks pg8000 to prepare one).
_STATEMENT_METHODS = ("execute_simple", "execute_unnamed")


@dataclass
class DriverCounts:
    statements: list[str] = field(default_factory=list)
    round_trips: int = 0


@contextmanager
def count_driver(thread_prefix: str) -> Iterator[DriverCounts]:
    """Count statements and round trips sent from threads named `thread_prefix…` in the block."""
    counts = DriverCounts()
    lock = threading.Lock()

    def mine() -> bool:
        return threading.current_thread().name.startswith(thread_prefix)

    def counting_statement(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(self: CoreConnection, statement: str, *args: Any, **kwargs: Any) -> Any:
            if mine():
                with lock:
                    counts.statements.append(statement)
            return original(self, statement, *args, **kwargs)

        return wrapper

    original_flush = pg8000.core._flush

    def counting_flush(sock: Any) -> None:
        if mine():
            with lock:
                counts.round_trips += 1
        original_flush(sock)

    originals = {name: getattr(CoreConnection, name) for name in _STATEMENT_METHODS}
    for name, original in originals.items():
        setattr(CoreConnection, name, counting_statement(original))
    pg8000.core._flush = counting_flush
    try:
        yield counts
    finally:
        for name, original in originals.items():
            setattr(CoreConnection, name, original)
        pg8000.core._flush = original_flush
