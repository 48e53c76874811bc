"""Statements sent to psycopg directly, where SQLAlchemy's execution would wait on the wire more
often than the work needs: a write's BEGIN travelling with its first statement, several reads in
one pipeline, and a read's freshness check riding along with the request's first query.

Each of these runs on an autocommit connection (`shared.db.engine.use_autocommit`). Errors are
wrapped and classified as SQLAlchemy does for its own statements, so the 503 mapping and the
stale-connection retry apply unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, suppress
from typing import Any

import psycopg
from psycopg.rows import dict_row
from sqlalchemy import Connection, event

from shared.db.engine import as_database_errors, psycopg_connection

Statement = tuple[str, Mapping[str, object]]
_SETTLE = "countonme.settle_pipeline"


def begin_with(
    connection: Connection, statement: str, params: Mapping[str, object]
) -> tuple[Any, ...] | None:
    """Open a transaction and run its first statement (`%(name)s` placeholders) in the same wire
    round trip; return that statement's first row.

    psycopg would send BEGIN on its own and wait for it: one round trip more on every write. Here
    BEGIN and the statement go in one pipeline with one Sync. SQLAlchemy is told
    of the transaction (its `begin` sends nothing to this driver), so `commit` and `rollback`
    work as usual.
    """
    connection.begin()
    dbapi_connection = psycopg_connection(connection)
    with as_database_errors(connection, statement), dbapi_connection.cursor() as cursor:
        with dbapi_connection.pipeline():
            # psycopg's own BEGIN (outside autocommit) is synced on its own even in pipeline
            # mode, so the connection is in autocommit and the transaction is opened here.
            dbapi_connection.execute("BEGIN")
            cursor.execute(statement, params)
        return cursor.fetchone()


def fetch_pipelined(
    connection: Connection, statements: Sequence[Statement]
) -> list[list[dict[str, Any]]]:
    """Run read-only statements (`%(name)s` placeholders) in one wire round trip and return each
    one's rows as dicts, for rows that go straight into response models. psycopg's pipeline mode
    sends them all, then one Sync, then reads every result; they run in the one implicit
    transaction the Sync closes, so they also see one snapshot. A statement deferred on the
    connection (`deferred`) shares that round trip."""
    dbapi_connection = psycopg_connection(connection)
    with as_database_errors(connection, statements[0][0]), ExitStack() as cursors:
        opened = [
            cursors.enter_context(dbapi_connection.cursor(row_factory=dict_row)) for _ in statements
        ]
        settle = connection.info.get(_SETTLE)
        with ExitStack() as pipeline:
            if settle is None:
                pipeline.enter_context(dbapi_connection.pipeline())
            for cursor, (statement, params) in zip(opened, statements, strict=True):
                cursor.execute(statement, params)
        if settle is not None:
            settle()
        return [cursor.fetchall() for cursor in opened]


@contextmanager
def deferred(
    connection: Connection, statement: Statement, on_row: Callable[[tuple[Any, ...] | None], None]
) -> Iterator[None]:
    """Queue `statement` (a read) without waiting for it and keep the autocommit connection in
    psycopg's pipeline mode until the next statement sent on it has been queued; then send one
    Sync for both, and hand `statement`'s first row to `on_row`. So it shares the round trip of
    the block's first statement, whether SQLAlchemy sends it (an `after_cursor_execute`
    listener syncs) or `fetch_pipelined` does (through `connection.info`). `on_row` may raise to
    refuse the request: the raise then comes out of that first statement's execution, and its
    rows are never used. If the block sends nothing, the Sync happens at its end."""
    dbapi_connection = psycopg_connection(connection)
    pipeline = ExitStack()
    cursor = dbapi_connection.cursor()
    with as_database_errors(connection, statement[0]):
        pipeline.enter_context(dbapi_connection.pipeline())
        cursor.execute(*statement)

    def sync() -> None:
        del connection.info[_SETTLE]
        with as_database_errors(connection, statement[0]):
            pipeline.close()
            row = cursor.fetchone()
        on_row(row)

    def after_next_statement(*_: Any) -> None:
        if _SETTLE in connection.info:
            sync()

    connection.info[_SETTLE] = sync
    event.listen(connection, "after_cursor_execute", after_next_statement)
    try:
        yield
        if _SETTLE in connection.info:
            sync()
    except BaseException:
        if _SETTLE in connection.info:  # the block failed before sending anything: just leave
            del connection.info[_SETTLE]  # pipeline mode
            with suppress(psycopg.Error):
                pipeline.close()
        raise
    finally:
        event.remove(connection, "after_cursor_execute", after_next_statement)
        cursor.close()
