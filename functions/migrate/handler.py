"""The `Custom::DbMigrations` handler: applies Alembic migrations when a deploy changes them.

Create/Update: take a PostgreSQL advisory lock (waiting at most until shortly before the Lambda
times out), apply pending revisions one transaction each, then keep each job's database role in
step with its secret and its grants (`roles`). A database already ahead of this
code is success, so rolling the stack back never wedges it. Delete does nothing: data are never
dropped by a stack operation. CloudFormation always gets SUCCESS or FAILED, with a reason naming the
failing revision; a timer answers FAILED if time runs out first.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from aws_lambda_powertools.utilities.parameters import get_secret
from sqlalchemy import Engine, text

from functions.migrate.cfn_response import FAILED, SUCCESS, CfnResponder
from functions.migrate.roles import (
    API_GRANTS,
    AUTHORIZER_GRANTS,
    IMPORT_CONNECTIONS_BESIDE_BATCHES,
    IMPORT_GRANTS,
    IMPORT_STATEMENT_TIMEOUT_MS,
    Role,
    ensure_role,
)
from functions.migrate.runner import MIGRATIONS_DIR, MigrationFailed, upgrade_stepwise
from shared.db.engine import build_engine
from shared.runtime.observability import instrument_handler, logger, metrics
from shared.runtime.settings import get_settings, int_env

PHYSICAL_ID = "countonme-db-migrations"
# pg_advisory_lock key shared by every migrate invocation ("CountOnM" as a 64-bit integer).
LOCK_KEY = int.from_bytes(b"CountOnM", "big") - 2**63
# Answer CloudFormation this long before Lambda would kill the invocation.
SAFETY_MARGIN_S = 15.0
LOCK_POLL_S = 0.5


class LockTimeout(Exception):
    """Another migration held the lock for longer than this invocation may wait."""


def _migration_engine() -> Engine:
    """Two connections: one holds the advisory lock, one applies the revisions."""
    return build_engine(replace(get_settings(), db_pool_size=2))


def migrate(engine: Engine, deadline: float, script_location: Path = MIGRATIONS_DIR) -> str:
    with engine.connect() as lock:
        while not lock.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar():
            lock.rollback()
            if time.monotonic() >= deadline:
                raise LockTimeout("another migration still holds the lock; gave up waiting")
            time.sleep(LOCK_POLL_S)
        lock.commit()
        try:
            return upgrade_stepwise(engine, script_location).describe()
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
            lock.commit()


def _job_roles() -> list[Role]:
    """The roles this stage's environment names: the API's and the authorizer's from their
    secrets (RDS Proxy logs in with those passwords), the import's by name (IAM only)."""
    timeout_ms = get_settings().db_statement_timeout_ms
    roles = []
    for secret_variable, grants, limit_variable, default_limit in (
        ("APP_DB_SECRET_ARN", API_GRANTS, "DB_API_CONNECTION_LIMIT", 400),
        ("AUTHORIZER_DB_SECRET_ARN", AUTHORIZER_GRANTS, "DB_AUTHORIZER_CONNECTION_LIMIT", 100),
    ):
        if arn := os.environ.get(secret_variable):
            secret = get_secret(arn, transform="json", max_age=0)
            limit = int_env(os.environ, limit_variable, default_limit, 1, 5000)
            roles.append(Role(secret["username"], grants, timeout_ms, limit, secret["password"]))
    if import_user := os.environ.get("IMPORT_DB_USER"):
        batches = int_env(os.environ, "IMPORT_MAX_CONCURRENCY", 8, 1, 5000)
        limit = batches + IMPORT_CONNECTIONS_BESIDE_BATCHES
        roles.append(Role(import_user, IMPORT_GRANTS, IMPORT_STATEMENT_TIMEOUT_MS, limit))
    return roles


def handle(
    event: dict[str, Any],
    context: Any,
    *,
    engine_factory=_migration_engine,
    script_location: Path = MIGRATIONS_DIR,
) -> dict[str, str]:
    responder = CfnResponder(event, PHYSICAL_ID)
    budget_s = context.get_remaining_time_in_millis() / 1000 - SAFETY_MARGIN_S
    responder.fail_before(max(budget_s, 0.0), "migrations did not finish before the timeout")
    request = event.get("RequestType")
    try:
        if request == "Delete":
            responder.send(SUCCESS, "Delete leaves the database and its data in place")
        elif request in ("Create", "Update"):
            engine = engine_factory()
            try:
                outcome = migrate(engine, time.monotonic() + budget_s - 5, script_location)
                for role in _job_roles():
                    ensure_role(engine, role)
                    outcome += f"; role {role.name} granted its job's tables"
            finally:
                engine.dispose()
            logger.info("Migrations done", extra={"outcome": outcome})
            responder.send(SUCCESS, outcome, {"Outcome": outcome})
        else:
            responder.send(FAILED, f"unknown RequestType {request!r}")
    except MigrationFailed as exc:
        metrics.add_metric(name="MigrationFailed", unit="Count", value=1)
        logger.exception("Migration failed", extra={"revision": exc.revision})
        responder.send(FAILED, str(exc))
    except Exception as exc:
        metrics.add_metric(name="MigrationFailed", unit="Count", value=1)
        logger.exception("Migrate handler failed")
        responder.send(FAILED, f"{type(exc).__name__}: {exc}")
    finally:
        responder.cancel()
    return {"Status": responder.sent or FAILED}


lambda_handler = instrument_handler(handle, correlation_id_path=None)
