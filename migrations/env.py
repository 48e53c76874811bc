"""Alembic environment: runs migrations on a connection handed in, or on DATABASE_URL.

`functions.migrate.runner` passes its own connection (holding the advisory lock) through
`config.attributes["connection"]`; the CLI path builds an engine from the settings. No `fileConfig`:
the application's loggers keep their configuration.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine, pool

from shared.db.engine import driver_url
from shared.models import Base
from shared.runtime.settings import get_settings

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        compare_server_default=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(driver_url(get_settings().database_url), poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run against a database.")
run_migrations_online()
