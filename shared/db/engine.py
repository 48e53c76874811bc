"""The container's SQLAlchemy engine and database error classification (Core only: the
authorizer uses this module and must not pay for importing the ORM).

The driver is psycopg 3 (measured against pg8000 in `bench/bench_driver.py`; see
docs/performance.md): one wire round trip per statement where pg8000 needs three, and rows
decoded in C. Statements are never prepared on the server (`prepare_threshold=None`): a named
prepared statement pins an RDS Proxy session.

One engine per Lambda container with a single pooled connection: a sandbox serves one request at a
time, and RDS Proxy multiplexes the connections of all sandboxes. There is no `pool_pre_ping`
(a round trip on every checkout): a connection the server closed while the sandbox was frozen
has the server's goodbye waiting on its socket, which the checkout reads without a round trip
(`closed_by_server`), and the pool replaces it. One that dies after checkout fails the unit of
work's first step, and a write then runs once more on a fresh connection
(`retry_on_stale_connection`), before anything was done. `pool_recycle` stays below the proxy's
idle timeout. No engine option here makes the dialect
issue `SET` (that would pin proxy sessions).
"""

from __future__ import annotations

import select
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, TypeVar, cast

import psycopg
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError

from shared.db.connect import (
    iam_credentials,
    install_connect_hook,
    secret_credentials,
    tls_and_socket_params,
)
from shared.domain.errors import ServiceUnavailableError
from shared.runtime.observability import logger
from shared.runtime.settings import Settings, get_settings

# SQLSTATE classes that mean "the database cannot serve us right now", not "the query is wrong":
# 08 connection exception, 53 insufficient resources, 57P operator intervention (shutdown, startup),
# 57014 a statement cancelled by statement_timeout (stuck on a lock or overloaded).
_UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "53", "57P", "57014")
# Of those, the ones after which the connection itself is unusable: connection exceptions and
# the server terminating the backend (57P01 admin shutdown / pg_terminate_backend, 57P02 crash).
_DEAD_CONNECTION_SQLSTATE_PREFIXES = ("08", "57P01", "57P02", "57P03")

T = TypeVar("T")


def driver_url(database_url: str) -> str:
    """The URL with the psycopg driver selected, whatever driver the operator wrote."""
    url = make_url(database_url)
    return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def tool_engine(database_url: str, **options: Any) -> Engine:
    """An engine for tools and tests (migrations, seeding, imports): the psycopg driver, and, as
    for the functions, no statement ever prepared on the server. psycopg prepares a statement it
    has run five times, and a named prepared statement is gone behind a transaction pooler (the
    next transaction may get another server connection) and pins an RDS Proxy session."""
    return create_engine(
        driver_url(database_url), connect_args={"prepare_threshold": None}, **options
    )


def driver_connection(database_url: str) -> psycopg.Connection[Any]:
    """A plain psycopg connection (for COPY), never preparing, for the same reason."""
    url = make_url(database_url).set(drivername="postgresql")
    return psycopg.connect(url.render_as_string(hide_password=False), prepare_threshold=None)


def settings_connection(settings: Settings) -> psycopg.Connection[Any]:
    """A plain psycopg connection (COPY, long merges) by the settings' mode: `DATABASE_URL`, or
    in AWS fresh IAM or secret credentials over verified TLS, as the engine's connections."""
    if settings.db_auth_mode == "url":
        return driver_connection(settings.database_url)
    credentials = (
        iam_credentials(settings)
        if settings.db_auth_mode == "iam"
        else secret_credentials(settings)
    )
    return psycopg.connect(
        **credentials(), **tls_and_socket_params(settings), prepare_threshold=None
    )


def _connect_args(settings: Settings, in_aws: bool) -> dict[str, object]:
    """The driver's connect arguments. The statement timeout is never a `SET` (that would pin
    RDS Proxy sessions): in AWS it is the app role's own setting, applied by the server at login
    (`functions/migrate/roles.py`); with a plain URL (local, tests) it is a startup option."""
    args: dict[str, object] = {
        "connect_timeout": settings.db_socket_timeout_s,
        "prepare_threshold": None,
    }
    if not in_aws:
        args["options"] = f"-c statement_timeout={settings.db_statement_timeout_ms}"
    return args


def build_engine(settings: Settings) -> Engine:
    """An engine sized for one Lambda sandbox (or `DB_POOL_SIZE` where more threads share it).
    In the AWS modes the URL carries no credentials: `shared.db.connect` supplies them per
    physical connection."""
    in_aws = settings.db_auth_mode != "url"
    engine = create_engine(
        "postgresql+psycopg://" if in_aws else driver_url(settings.database_url),
        pool_size=settings.db_pool_size,
        max_overflow=0,
        pool_recycle=settings.db_pool_recycle_s,
        pool_timeout=settings.db_socket_timeout_s,
        connect_args=_connect_args(settings, in_aws),
        # Bound parameters (token hashes, user data) stay out of exception messages and logs.
        hide_parameters=True,
        # No hstore lookup on the first connection: a round trip for a type nothing uses.
        use_native_hstore=False,
    )
    event.listen(engine, "handle_error", _mark_dead_connections)
    event.listen(engine, "checkout", _discard_if_closed_by_server)
    event.listen(engine, "checkin", _restore_transactions)
    if in_aws:
        install_connect_hook(engine, settings)
    return engine


def closed_by_server(dbapi_connection: psycopg.Connection[Any]) -> bool:
    """Whether the server closed this idle connection, found without a round trip: an idle
    connection's socket has nothing to read unless the server said goodbye (a FATAL message,
    then end of file), so a readable one is read without blocking until it is drained or the
    connection turns out to be gone."""
    pgconn = dbapi_connection.pgconn
    try:
        for _ in range(3):  # at most a goodbye message, then the end of file
            if not select.select([pgconn.socket], [], [], 0)[0]:
                return False
            pgconn.consume_input()
    except psycopg.OperationalError:
        return True
    return pgconn.status == psycopg.pq.ConnStatus.BAD


def _discard_if_closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Pool checkout: a connection the server (or RDS Proxy) closed while the sandbox was frozen
    is replaced before anything is sent on it (the pool retries on DisconnectionError)."""
    if closed_by_server(dbapi_connection):
        raise DisconnectionError("closed by the server while idle")


def _mark_dead_connections(context: ExceptionContext) -> None:
    """Tell SQLAlchemy that a terminated backend is a disconnect even before the driver has
    noticed the socket is gone, so the connection is invalidated rather than returned to the
    pool."""
    code = sqlstate(context.original_exception)
    if isinstance(context.sqlalchemy_exception, InterfaceError) or (
        code is not None and code.startswith(_DEAD_CONNECTION_SQLSTATE_PREFIXES)
    ):
        context.is_disconnect = True


@cache
def get_engine() -> Engine:
    """The container's engine, built on first use from the container's settings."""
    return build_engine(get_settings())


def sqlstate(exc: BaseException) -> str | None:
    """The PostgreSQL SQLSTATE code behind a DBAPI error, if the server sent one."""
    return getattr(getattr(exc, "orig", exc), "sqlstate", None)


def violated_constraint(exc: BaseException) -> str | None:
    """The name of the constraint an integrity error (SQLSTATE class 23) violated. Callers look
    at the SQLSTATE, never the exception class, which differs between drivers."""
    code = sqlstate(exc)
    if code is None or not code.startswith("23"):
        return None
    diagnostic = getattr(getattr(exc, "orig", exc), "diag", None)
    return getattr(diagnostic, "constraint_name", None)


def is_database_unavailable(exc: DBAPIError) -> bool:
    """True when the error means the database is unreachable or overloaded (answer 503): the
    connection died, the driver could not reach the server (an operational error without a
    SQLSTATE: refused, timed out, closed), or the server said it cannot serve us now."""
    if exc.connection_invalidated or isinstance(exc, InterfaceError):
        return True
    code = sqlstate(exc)
    if code is None:
        return isinstance(exc, OperationalError)
    return code.startswith(_UNAVAILABLE_SQLSTATE_PREFIXES)


def psycopg_connection(connection: Connection) -> psycopg.Connection[Any]:
    """The psycopg connection under a checked-out SQLAlchemy one (every engine here is
    psycopg's; SQLAlchemy types it as any DB-API connection)."""
    return cast("psycopg.Connection[Any]", connection.connection.driver_connection)


@contextmanager
def as_database_errors(connection: Connection, statement: str) -> Iterator[None]:
    """For work done on psycopg directly: wrap and classify its errors as SQLAlchemy does for its
    own statements (a dead connection is invalidated; the error is a DBAPIError, so the 503
    mapping and the stale-connection retry apply)."""
    try:
        yield
    except psycopg.Error as exc:
        dbapi_connection = connection.connection.dbapi_connection
        code = getattr(exc, "sqlstate", None) or ""
        dead = dbapi_connection is None or dbapi_connection.broken
        dead = dead or code.startswith(_DEAD_CONNECTION_SQLSTATE_PREFIXES)
        if dead:
            connection.invalidate(exc)
        raise DBAPIError.instance(
            statement, None, exc, psycopg.Error, hide_parameters=True, connection_invalidated=dead
        ) from exc


def use_autocommit(connection: Connection) -> None:
    """Let each statement on this checked-out connection commit on its own: a read needs no
    BEGIN and COMMIT around it (two round trips), and a write opens its transaction itself with
    `begin_with`. The driver's own switch, no SQL: SQLAlchemy's AUTOCOMMIT isolation level would
    restore the default on the way back to the pool with `SET SESSION CHARACTERISTICS` (a round
    trip, and a statement that pins RDS Proxy sessions). `_restore_transactions` switches it
    back when the connection returns to the pool."""
    with as_database_errors(connection, "autocommit"):  # a connection lost since checkout
        psycopg_connection(connection).autocommit = True


def _restore_transactions(dbapi_connection: Any, record: Any) -> None:
    """Pool check-in (after the reset's rollback): the next checkout gets the driver's default,
    one transaction per unit of work, whatever the last one used. A connection not back to idle
    (still in pipeline mode or a transaction after a failure) is not trusted: it is dropped."""
    if dbapi_connection is None or dbapi_connection.broken:
        return
    pgconn = dbapi_connection.pgconn
    idle = pgconn.transaction_status == psycopg.pq.TransactionStatus.IDLE
    if not idle or pgconn.pipeline_status != psycopg.pq.PipelineStatus.OFF:
        record.invalidate()
    elif dbapi_connection.autocommit:
        dbapi_connection.autocommit = False


def _connection_died(exc: BaseException) -> bool:
    """True when `exc` (or the database error behind a 503) invalidated its connection."""
    cause = exc if isinstance(exc, DBAPIError) else exc.__cause__
    return isinstance(cause, DBAPIError) and cause.connection_invalidated


def retry_on_stale_connection(work: Callable[[], T]) -> T:
    """Run `work`; if it failed because its pooled connection had died (the error invalidated the
    connection), run it once more on a fresh one. Only for work that is safe to repeat after such
    a failure: its first statement failed, or it is read-only or idempotent. A second failure
    propagates (a database that is really down answers 503)."""
    try:
        return work()
    except (DBAPIError, ServiceUnavailableError) as exc:
        if not _connection_died(exc):
            raise
    return work()


def unavailable_error(exc: BaseException) -> ServiceUnavailableError:
    """The 503 for a database that cannot serve us, logged once with the error's type only."""
    logger.warning("Database unavailable", extra={"error_type": type(exc).__name__})
    return ServiceUnavailableError(get_settings().db_unavailable_retry_after_s)


@contextmanager
def unavailable_as_503() -> Iterator[None]:
    """Turn "the database cannot serve us" into ServiceUnavailableError (503 + Retry-After)."""
    try:
        yield
    except DBAPIError as exc:
        if is_database_unavailable(exc):
            raise unavailable_error(exc) from exc
        raise


@contextmanager
def autocommit_connection(engine: Engine | None = None) -> Iterator[Connection]:
    """A pooled connection whose statements commit one by one (see `use_autocommit`), for work
    that needs no transaction; 503 if the database is down."""
    with unavailable_as_503(), (engine or get_engine()).connect() as connection:
        use_autocommit(connection)
        yield connection
