"""The container's SQLAlchemy engine and database error classification (Core only: the
authorizer uses this module and must not pay for importing the ORM).

One engine per Lambda container with a single pooled connection: a sandbox serves one request at a
time, and RDS Proxy multiplexes the connections of all sandboxes. There is no `pool_pre_ping`
(a round trip on every checkout): each unit of work's first statement does its job. When that
statement meets a connection that died while the sandbox was frozen, the connection is discarded
and the work runs once more on a fresh one (`retry_on_stale_connection`), before anything was
done. `pool_recycle` stays below the proxy's idle timeout. No engine option here makes the dialect
issue `SET` (that would pin proxy sessions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError

from shared.db_connect import install_connect_hook
from shared.errors import ServiceUnavailableError
from shared.observability import logger
from shared.settings import Settings, get_settings

# SQLSTATE classes that mean "the database cannot serve us right now", not "the query is wrong":
# 08 connection exception, 53 insufficient resources, 57P operator intervention (shutdown, startup),
# 57014 a statement cancelled by statement_timeout (stuck on a lock or overloaded).
_UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "53", "57P", "57014")
# Of those, the ones after which the connection itself is unusable: connection exceptions and
# the server terminating the backend (57P01 admin shutdown / pg_terminate_backend, 57P02 crash).
_DEAD_CONNECTION_SQLSTATE_PREFIXES = ("08", "57P01", "57P02", "57P03")

T = TypeVar("T")


def pg8000_url(database_url: str) -> str:
    """The URL with the pg8000 driver selected, whatever driver the operator wrote."""
    url = make_url(database_url)
    return url.set(drivername="postgresql+pg8000").render_as_string(hide_password=False)


def _connect_args(settings: Settings, in_aws: bool) -> dict[str, object]:
    """The driver's connect arguments. The statement timeout is never a `SET` (that would pin
    RDS Proxy sessions): in AWS it is the app role's own setting, applied by the server at login
    (`functions/migrate/app_role.py`); with a plain URL (local, tests) it is a startup option."""
    args: dict[str, object] = {"timeout": settings.db_socket_timeout_s}
    if not in_aws:
        options = f"-c statement_timeout={settings.db_statement_timeout_ms}"
        args["startup_params"] = {"options": options}
    return args


def build_engine(settings: Settings) -> Engine:
    """An engine sized for one Lambda sandbox (or `DB_POOL_SIZE` where more threads share it).
    In the AWS modes the URL carries no credentials: `shared.db_connect` supplies them per
    physical connection."""
    in_aws = settings.db_auth_mode != "url"
    engine = create_engine(
        "postgresql+pg8000://" if in_aws else pg8000_url(settings.database_url),
        pool_size=settings.db_pool_size,
        max_overflow=0,
        pool_recycle=settings.db_pool_recycle_s,
        pool_timeout=settings.db_socket_timeout_s,
        connect_args=_connect_args(settings, in_aws),
        # Bound parameters (token hashes, user data) stay out of exception messages and logs.
        hide_parameters=True,
    )
    event.listen(engine, "handle_error", _mark_dead_connections)
    if in_aws:
        install_connect_hook(engine, settings)
    return engine


def _mark_dead_connections(context: ExceptionContext) -> None:
    """Tell SQLAlchemy that a terminated backend is a disconnect (pg8000's dialect only knows
    "network error"), so the connection is invalidated rather than returned to the pool."""
    code = sqlstate(context.original_exception)
    if isinstance(context.sqlalchemy_exception, InterfaceError) or (
        code is not None and code.startswith(_DEAD_CONNECTION_SQLSTATE_PREFIXES)
    ):
        context.is_disconnect = True


@cache
def get_engine() -> Engine:
    """The container's engine, built on first use from the container's settings."""
    return build_engine(get_settings())


def _server_fields(exc: BaseException) -> dict[str, str]:
    """The fields of the server's error message (pg8000 passes them as a dict), else empty."""
    orig = getattr(exc, "orig", exc)
    args = getattr(orig, "args", ())
    return args[0] if args and isinstance(args[0], dict) else {}


def sqlstate(exc: BaseException) -> str | None:
    """The PostgreSQL SQLSTATE code behind a DBAPI error, if the server sent one."""
    return _server_fields(exc).get("C")


def violated_constraint(exc: BaseException) -> str | None:
    """The name of the constraint an integrity error (SQLSTATE class 23) violated.

    pg8000 reports some violations (CHECK, foreign keys) as ProgrammingError rather than
    IntegrityError, so callers must look at the SQLSTATE, never the exception class.
    """
    fields = _server_fields(exc)
    return fields.get("n") if fields.get("C", "").startswith("23") else None


def is_database_unavailable(exc: DBAPIError) -> bool:
    """True when the error means the database is unreachable or overloaded (answer 503)."""
    if exc.connection_invalidated or isinstance(exc, InterfaceError):
        return True
    code = sqlstate(exc)
    return code is not None and code.startswith(_UNAVAILABLE_SQLSTATE_PREFIXES)


def set_autocommit(connection: Connection, enabled: bool) -> None:
    """Switch the driver's autocommit on the connection directly. SQLAlchemy's AUTOCOMMIT
    isolation level would, on the way back to the pool, restore the default with `SET SESSION
    CHARACTERISTICS` (a round trip, and a statement that pins RDS Proxy sessions)."""
    if connection.invalidated:
        return
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is not None:
        dbapi_connection.autocommit = enabled


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
    except OSError as exc:
        # pg8000 lets a socket error while connecting (e.g. a broken pipe as the server goes
        # away) escape unwrapped, so SQLAlchemy never sees it as a database error.
        raise unavailable_error(exc) from exc


@contextmanager
def core_transaction(engine: Engine | None = None) -> Iterator[Connection]:
    """A Core connection in one transaction, committed on success (no ORM involved)."""
    with unavailable_as_503(), (engine or get_engine()).begin() as connection:
        yield connection
