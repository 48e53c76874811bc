"""Databases on the embedded PostgreSQL (`infra/local/embedded_postgres.py`) for `make run`, the
tests, the load test, the fuzzer and the benchmarks. The server stops when the last process that
asked for it exits, so Ctrl-C on `make run` also stops the database.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from infra.local import embedded_postgres
from infra.local.embedded_postgres import EmbeddedServer

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCAL_DIR = REPO_ROOT / ".local"


def start_embedded_server(pgdata: Path) -> EmbeddedServer:
    """Start (or join) the embedded server whose data lives in `pgdata`."""
    return embedded_postgres.start(pgdata)


def socket_url(server: EmbeddedServer, database: str) -> str:
    """A psycopg URL for `database` on the server's Unix socket (libpq takes the socket's
    directory as the host)."""
    directory = quote(str(server.socket_dir), safe="/")
    return f"postgresql+psycopg://{server.postgres_user}@/{database}?host={directory}&port={server.port}"


def ensure_database(admin_url: str, database: str) -> None:
    """Create `database` on the server of `admin_url` unless it exists."""
    engine = create_engine(admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": database}
            ).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{database}"'))
    finally:
        engine.dispose()


def recreated_database(pgdata: Path, database: str) -> tuple[EmbeddedServer, str]:
    """Start the embedded server in `pgdata` and give it an empty `database` (dropped first if it
    exists, whoever is connected): a run of its own for the load test and the fuzzer."""
    server = start_embedded_server(pgdata)
    admin = socket_url(server, "postgres")
    engine = create_engine(admin, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    finally:
        engine.dispose()
    ensure_database(admin, database)
    return server, socket_url(server, database)


def embedded_database_url(pgdata: Path, database: str) -> tuple[EmbeddedServer, str]:
    """Start the embedded server, make sure `database` exists, and return its URL."""
    server = start_embedded_server(pgdata)
    ensure_database(socket_url(server, "postgres"), database)
    return server, socket_url(server, database)


def local_database_url() -> tuple[object | None, str]:
    """DATABASE_URL when set, else the embedded development database (started on demand). The
    first item keeps the embedded server alive while the caller holds it."""
    configured = os.environ.get("DATABASE_URL")
    if configured:
        return None, configured
    return embedded_database_url(LOCAL_DIR / "pgdata", "countonme")
