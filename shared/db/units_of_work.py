"""The units of work a route runs in, one per request; this is where a route meets the database.

- `reading(caller)`: a read-only request. Each query autocommits (no BEGIN/COMMIT round trips).
  The token freshness check is pipelined with the first query the block sends, and a replaced
  token (401) or revoked device (403) is raised *from that query's execution*: a repository call
  inside the block is where `InvalidTokenError`/`DeviceRevokedError` surface, and that query's
  rows are never used (`shared.db.freshness.checking_read`).
- `writing(caller)`: one transaction whose BEGIN travels with the freshness check, which also
  locks the device row; the check fails before the block runs. Committed on success.
- `transaction_opened_by(statement)`: a transaction without a device (registration), opened in
  the same round trip as its first statement, whose first row the caller gets.

Every write's BEGIN travels with its first statement the same way (`shared.db.pipeline.begin_with`);
all of these answer 503 when the database cannot serve. docs/request-path.md walks the whole path.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from shared.db import freshness
from shared.db.engine import (
    get_engine,
    retry_on_stale_connection,
    unavailable_as_503,
    use_autocommit,
)
from shared.db.pipeline import Statement, begin_with

if TYPE_CHECKING:  # a type only: db/ never imports auth/ at run time (pyproject.toml)
    from shared.auth.identity import AuthorizedDevice


def _checkout(engine: Engine | None = None) -> Connection:
    """A pooled connection in autocommit (one the server closed was replaced at checkout)."""
    connection = (engine or get_engine()).connect()
    use_autocommit(connection)
    return connection


@contextmanager
def _committed_on_success(connection: Connection) -> Iterator[Session]:
    """An ORM session on `connection`, whose transaction is already open: flushed and committed
    when the block succeeds, rolled back (by closing the connection) when it raises."""
    with connection, Session(bind=connection, expire_on_commit=False) as session:
        yield session
        session.flush()
        connection.commit()


@contextmanager
def transaction_opened_by(
    statement: Statement, engine: Engine | None = None
) -> Iterator[tuple[Session, tuple[Any, ...] | None]]:
    """A unit of work without a device: BEGIN and `statement` in one round trip, then the block
    with the session and that statement's first row. One commit, not one per statement: each
    commit waits for the WAL flush, which costs more than a round trip."""
    with unavailable_as_503():
        connection = _checkout(engine)
        try:
            first_row = begin_with(connection, *statement)
        except BaseException:
            connection.close()
            raise
        with _committed_on_success(connection) as session:
            yield session, first_row


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
    first one (one round trip for both). The check's 401/403 is raised by that first query."""
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
    row lock (401/403 before the block runs); committed on success, rolled back on any error."""
    with unavailable_as_503(), _committed_on_success(_checked_for_write(caller)) as session:
        yield session


def require_fresh(caller: AuthorizedDevice) -> None:
    """Only the freshness check, for a route that needs no data (a replaced or revoked token is
    refused on every route, not only on those that read)."""
    with reading(caller):
        pass
