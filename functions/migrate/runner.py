"""Runs the Alembic migrations in `migrations/` programmatically, on connections we control.

Used by `make run`, `make migrate`, the tests and the deploy-time migrate function. Handing Alembic
our own connection lets the caller hold locks around the upgrade and apply one revision per
transaction, so a failure can name the revision that failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine
from sqlalchemy.pool import NullPool

from shared.db.engine import tool_engine

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


class MigrationFailed(Exception):
    """A revision failed to apply; the revisions before it stay applied."""

    def __init__(self, revision: str, cause: BaseException):
        super().__init__(f"migration {revision} failed: {type(cause).__name__}: {cause}")
        self.revision = revision


@dataclass(frozen=True)
class UpgradeResult:
    revision: str | None
    applied: tuple[str, ...]
    ahead_of_code: bool = False

    def describe(self) -> str:
        if self.ahead_of_code:
            return f"database at {self.revision} is ahead of this code; left as it is"
        if not self.applied:
            return f"database already at {self.revision}"
        return f"applied {', '.join(self.applied)}; database at {self.revision}"


def alembic_config(
    connection: Connection | None = None, script_location: Path = MIGRATIONS_DIR
) -> Config:
    """An Alembic config without an ini file (so no logging reconfiguration)."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["connection"] = connection
    return config


def head_revision(script_location: Path = MIGRATIONS_DIR) -> str | None:
    return ScriptDirectory.from_config(alembic_config(None, script_location)).get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


def downgrade_to_base(connection: Connection) -> None:
    command.downgrade(alembic_config(connection), "base")


def upgrade_stepwise(engine: Engine, script_location: Path = MIGRATIONS_DIR) -> UpgradeResult:
    """Apply pending revisions one transaction each. A database at a revision this code does not
    know (a rollback of the code after a newer deploy) is left alone, not failed."""
    script = ScriptDirectory.from_config(alembic_config(None, script_location))
    with engine.connect() as connection:
        current = current_revision(connection)
    known = {revision.revision for revision in script.walk_revisions()}
    if current is not None and current not in known:
        return UpgradeResult(current, (), ahead_of_code=True)
    pending = list(reversed(list(script.iterate_revisions("heads", current or "base"))))
    applied: list[str] = []
    for revision in pending:
        try:
            with engine.begin() as connection:
                command.upgrade(alembic_config(connection, script_location), revision.revision)
        except Exception as exc:
            raise MigrationFailed(revision.revision, exc) from exc
        applied.append(revision.revision)
    return UpgradeResult(applied[-1] if applied else current, tuple(applied))


def upgrade_database(database_url: str) -> None:
    """Bring the database at `database_url` to the newest revision (local runs and tests)."""
    engine = tool_engine(database_url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            upgrade_to_head(connection)
    finally:
        engine.dispose()
