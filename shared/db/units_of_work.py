"""ORM sessions per request: `reading` and `writing` for the device routes (freshness first),
`transaction` for the route without a device (registration).

Both run on an autocommit connection (`shared.db.engine.use_autocommit`): a read's single query
needs no BEGIN and COMMIT around it, which would be two more round trips, and its freshness check
shares the query's round trip; a write opens its transaction in the same round trip as its first
statement, the freshness check, which also locks the device row (`shared.db.freshness`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from shared.db import freshness
from shared.db.engine import (
    get_engine,
    retry_on_stale_connection,
    unavailable_as_503,
    use_autocommit,
)
from shared.db.freshness import AuthorizedDevice
from shared.db.pipeline import pipelined_until_next_statement, queue_begin


@contextmanager
def transaction(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work without a device (registration): committed on success, rolled back on
    error, its BEGIN sent with the first statement (`pipelined_until_next_statement`); 503 if
    the database is down. One commit, not one per statement: each commit waits for the WAL
    flush, which costs more than the round trips an autocommitted registration would save."""
    with unavailable_as_503(), (engine or get_engine()).connect() as connection:
        use_autocommit(connection)
        with (
            pipelined_until_next_statement(connection, queue_begin),
            Session(bind=connection) as session,
            session.begin(),
        ):
            yield session


def _checkout() -> Connection:
    """A pooled connection in autocommit (one the server closed was replaced at checkout)."""
    connection = get_engine().connect()
    use_autocommit(connection)
    return connection


def _checked_for_write(caller: AuthorizedDevice) -> Connection:
    """A pooled connection whose transaction has just opened with the freshness check. If the
    connection died after checkout, the check fails and is retried once on a fresh one: nothing
    has been done yet."""

    def attempt() -> Connection:
        connection = _checkout()
        try:
            freshness.check_write(connection, caller)
        except BaseException:
            connection.close()
            raise
        return connection

    return retry_on_stale_connection(attempt)


@contextmanager
def reading(caller: AuthorizedDevice) -> Iterator[Session]:
    """A read-only request: each query autocommitted, the freshness check pipelined with the
    first one (one round trip for both)."""
    with unavailable_as_503():
        connection = _checkout()
        with (
            connection,
            freshness.checking_read(connection, caller),
            Session(bind=connection) as session,
        ):
            yield session


@contextmanager
def writing(caller: AuthorizedDevice) -> Iterator[Session]:
    """A writing request: one transaction that starts with the freshness check and the device
    row lock; committed on success, rolled back on any error."""
    with unavailable_as_503():
        connection = _checked_for_write(caller)
        with connection, Session(bind=connection, expire_on_commit=False) as session:
            yield session
            session.flush()
            connection.commit()


def require_fresh(caller: AuthorizedDevice) -> None:
    """Only the freshness check, for a route that needs no data (a replaced or revoked token is
    refused on every route, not only on those that read)."""
    with reading(caller):
        pass
