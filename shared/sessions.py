"""ORM sessions per request: `reading` and `writing` for the device routes (freshness first),
`autocommitting` for the route without a device (registration).

Both run on an autocommit connection (`shared.db.use_autocommit`): a read's single query needs no
BEGIN and COMMIT around it, which would be two more round trips, and a write opens its transaction
in the same round trip as its first statement, the freshness check, which also locks the device
row (`shared.freshness`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from shared import freshness
from shared.db import (
    autocommit_connection,
    get_engine,
    retry_on_stale_connection,
    unavailable_as_503,
    use_autocommit,
)
from shared.freshness import AuthorizedDevice


@contextmanager
def autocommitting(engine: Engine | None = None) -> Iterator[Session]:
    """Work without a device whose statements each commit on their own: registration's
    rate-limit hit and its device upsert are each one atomic statement, so a transaction around
    them would only add the BEGIN and COMMIT round trips. 503 if the database is down."""
    with autocommit_connection(engine) as connection, Session(bind=connection) as session:
        yield session


def _checked_connection(caller: AuthorizedDevice, *, write: bool) -> Connection:
    """A pooled connection on which the freshness check has just passed. A dead connection
    fails the check and is retried once on a fresh one: nothing has been done yet."""

    def attempt() -> Connection:
        connection = get_engine().connect()
        try:
            use_autocommit(connection)
            freshness.check(connection, caller, lock=write)
        except BaseException:
            connection.close()
            raise
        return connection

    return retry_on_stale_connection(attempt)


@contextmanager
def reading(caller: AuthorizedDevice) -> Iterator[Session]:
    """A read-only request: the freshness check, then the queries, each autocommitted."""
    with unavailable_as_503():
        connection = _checked_connection(caller, write=False)
        with connection, Session(bind=connection) as session:
            yield session


@contextmanager
def writing(caller: AuthorizedDevice) -> Iterator[Session]:
    """A writing request: one transaction that starts with the freshness check and the device
    row lock; committed on success, rolled back on any error."""
    with unavailable_as_503():
        connection = _checked_connection(caller, write=True)
        with connection, Session(bind=connection, expire_on_commit=False) as session:
            yield session
            session.flush()
            connection.commit()


def require_fresh(caller: AuthorizedDevice) -> None:
    """Only the freshness check, for a route that needs no data (a replaced or revoked token is
    refused on every route, not only on those that read)."""
    with reading(caller):
        pass
