"""The deploy-time migrate function against a real PostgreSQL, with a local HTTP server standing
in for CloudFormation's pre-signed ResponseURL."""

from __future__ import annotations

import json
import logging
import shutil
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from sqlalchemy import Connection, Engine, create_engine, text

from functions.migrate.handler import LOCK_KEY, SAFETY_MARGIN_S, handle
from functions.migrate.roles import IMPORT_STATEMENT_TIMEOUT_MS
from functions.migrate.runner import MIGRATIONS_DIR, head_revision
from infra.local.events import LambdaContext
from shared.db.engine import build_engine
from shared.runtime.settings import get_settings


class ResponseSink:
    """Collects the PUT bodies CloudFormation would receive."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                length = int(self.headers["Content-Length"])
                sink.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/presigned"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sink() -> Iterator[ResponseSink]:
    sink = ResponseSink()
    yield sink
    sink.close()


def event(sink: ResponseSink, request_type: str = "Create") -> dict[str, Any]:
    return {
        "RequestType": request_type,
        "ResponseURL": sink.url,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/countonme-dev/1",
        "RequestId": "req-1",
        "LogicalResourceId": "DbMigrations",
        "ResourceType": "Custom::DbMigrations",
        "ResourceProperties": {"MigrationsHash": "abc"},
    }


def factory(url: str):
    return lambda: build_engine(replace(get_settings(), database_url=url, db_pool_size=2))


def context(timeout_s: float = 120) -> LambdaContext:
    return LambdaContext(function_name="MigrateFunction", timeout_s=timeout_s)


def migrations_with(tmp_path: Path, body: str) -> Path:
    """A copy of the real migrations plus a revision 9999 (after head) running `body`."""
    location = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, location, ignore=shutil.ignore_patterns("__pycache__"))
    (location / "versions" / "9999_extra.py").write_text(
        "from alembic import op\n\n"
        f"revision = '9999'\ndown_revision = {head_revision()!r}\n"
        "branch_labels = None\ndepends_on = None\n\n\n"
        f"def upgrade():\n{body}\n\n\ndef downgrade():\n    pass\n"
    )
    return location


def revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def test_create_applies_every_revision_and_answers_success(
    sink: ResponseSink, scratch_url: str, scratch_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    result = handle(event(sink), context(), engine_factory=factory(scratch_url))
    assert result == {"Status": "SUCCESS"}
    [body] = sink.bodies
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == "countonme-db-migrations"
    assert (body["RequestId"], body["LogicalResourceId"]) == ("req-1", "DbMigrations")
    assert "0001" in body["Reason"] and head_revision() in body["Reason"]
    assert revision(scratch_engine) == head_revision()
    # Alembic did not silence the application's loggers.
    assert any(r.getMessage() == "Migrations done" for r in caplog.records)

    handle(event(sink, "Update"), context(), engine_factory=factory(scratch_url))
    assert sink.bodies[1]["Status"] == "SUCCESS"
    assert "already at" in sink.bodies[1]["Reason"]


def test_a_broken_migration_fails_naming_the_revision(
    sink: ResponseSink, scratch_url: str, scratch_engine: Engine, tmp_path: Path
) -> None:
    location = migrations_with(tmp_path, "    op.execute('SELECT * FROM no_such_table')")
    handle(event(sink), context(), engine_factory=factory(scratch_url), script_location=location)
    [body] = sink.bodies
    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith("migration 9999 failed")
    assert revision(scratch_engine) == head_revision()  # the good revisions stay applied


def test_concurrent_invocations_wait_and_apply_once(
    sink: ResponseSink, scratch_url: str, scratch_engine: Engine, tmp_path: Path
) -> None:
    location = migrations_with(
        tmp_path,
        "    op.execute('CREATE TABLE applied (n int)')\n"
        "    op.execute('SELECT pg_sleep(1)')\n"
        "    op.execute('INSERT INTO applied VALUES (1)')",
    )

    def invoke() -> None:
        handle(
            event(sink), context(), engine_factory=factory(scratch_url), script_location=location
        )

    threads = [threading.Thread(target=invoke) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [b["Status"] for b in sink.bodies] == ["SUCCESS", "SUCCESS"]
    with scratch_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM applied")).scalar_one() == 1
    assert revision(scratch_engine) == "9999"


def test_a_database_ahead_of_the_code_is_success(
    sink: ResponseSink, scratch_url: str, scratch_engine: Engine
) -> None:
    with scratch_engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('from_the_future')"))
    handle(event(sink, "Update"), context(), engine_factory=factory(scratch_url))
    [body] = sink.bodies
    assert body["Status"] == "SUCCESS"
    assert "ahead" in body["Reason"]
    assert revision(scratch_engine) == "from_the_future"


def test_delete_answers_success_without_touching_the_database(sink: ResponseSink) -> None:
    def no_database() -> Engine:
        raise AssertionError("Delete must not connect")

    handle(event(sink, "Delete"), context(), engine_factory=no_database)
    assert [b["Status"] for b in sink.bodies] == ["SUCCESS"]


def test_unexpected_errors_still_answer(sink: ResponseSink) -> None:
    def broken() -> Engine:
        raise RuntimeError("cannot build engine")

    handle(event(sink), context(), engine_factory=broken)
    [body] = sink.bodies
    assert body["Status"] == "FAILED"
    assert "RuntimeError: cannot build engine" in body["Reason"]


def test_lock_wait_is_bounded(sink: ResponseSink, scratch_url: str) -> None:
    holder = create_engine(scratch_url)
    with holder.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": LOCK_KEY})
        conn.commit()
        handle(event(sink), context(SAFETY_MARGIN_S + 6), engine_factory=factory(scratch_url))
    holder.dispose()
    [body] = sink.bodies
    assert body["Status"] == "FAILED"
    assert "holds the lock" in body["Reason"]


def test_near_timeout_answers_failed_once(
    sink: ResponseSink, scratch_url: str, tmp_path: Path
) -> None:
    location = migrations_with(tmp_path, "    op.execute('SELECT pg_sleep(4)')")
    handle(
        event(sink),
        context(SAFETY_MARGIN_S + 1.5),
        engine_factory=factory(scratch_url),
        script_location=location,
    )
    [body] = sink.bodies  # the late SUCCESS is not sent after the timer's FAILED
    assert body["Status"] == "FAILED"
    assert "before the timeout" in body["Reason"]


def role_settings(conn: Connection, role: str) -> list[str]:
    """The settings PostgreSQL applies at the role's every login."""
    return conn.execute(
        text(
            "SELECT s.setconfig FROM pg_db_role_setting s"
            " JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = :r"
        ),
        {"r": role},
    ).scalar_one()


def drop_role(conn: Connection, role: str) -> None:
    conn.execute(text(f'DROP OWNED BY "{role}"'))
    conn.execute(text(f'DROP ROLE "{role}"'))
    conn.commit()


def test_app_role_follows_its_secret_with_data_access_only(
    sink: ResponseSink,
    scratch_url: str,
    scratch_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    aws_credentials: None,
) -> None:
    role = f"app_{uuid.uuid4().hex[:8]}"
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        secret = {"username": role, "password": "it's-a-secret"}
        arn = client.create_secret(Name="app", SecretString=json.dumps(secret))["ARN"]
        monkeypatch.setenv("APP_DB_SECRET_ARN", arn)
        handle(event(sink), context(), engine_factory=factory(scratch_url))
        handle(event(sink, "Update"), context(), engine_factory=factory(scratch_url))
    assert [b["Status"] for b in sink.bodies] == ["SUCCESS", "SUCCESS"]
    assert f"role {role} granted" in sink.bodies[0]["Reason"]
    with scratch_engine.connect() as conn:

        def can(check: str) -> bool:
            return conn.execute(text(f"SELECT {check}"), {"r": role}).scalar_one()

        assert can("has_table_privilege(:r, 'food_entries', 'INSERT')")
        assert can("has_table_privilege(:r, 'products', 'SELECT, UPDATE, DELETE')")
        assert not can("has_schema_privilege(:r, 'public', 'CREATE')")
        assert not can("has_table_privilege(:r, 'products', 'TRUNCATE')")
        assert can("has_table_privilege(:r, 'catalog_products', 'SELECT')")
        assert not can("has_table_privilege(:r, 'catalog_products', 'INSERT')")
        assert not can("has_table_privilege(:r, 'alembic_version', 'SELECT')")
        assert can(
            "(SELECT rolcanlogin AND rolpassword IS NOT NULL FROM pg_authid WHERE rolname = :r)"
        )
        # The statement timeout is the role's own setting (no SET from the functions).
        settings = role_settings(conn, role)
        assert settings == [f"statement_timeout={get_settings().db_statement_timeout_ms}"]
        drop_role(conn, role)


def test_import_role_may_fill_the_catalog_and_nothing_else(
    sink: ResponseSink,
    scratch_url: str,
    scratch_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    role = f"import_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("IMPORT_DB_USER", role)
    handle(event(sink), context(), engine_factory=factory(scratch_url))
    handle(event(sink, "Update"), context(), engine_factory=factory(scratch_url))
    assert [b["Status"] for b in sink.bodies] == ["SUCCESS", "SUCCESS"]
    assert f"role {role} granted" in sink.bodies[0]["Reason"]
    with scratch_engine.connect() as conn:

        def can(check: str) -> bool:
            return conn.execute(text(f"SELECT {check}"), {"r": role}).scalar_one()

        for table in ("catalog_products", "catalog_import_staging", "catalog_search_words"):
            assert can(f"has_table_privilege(:r, '{table}', 'SELECT, INSERT, UPDATE, DELETE')")
        assert can("has_sequence_privilege(:r, 'catalog_import_staging_seq_seq', 'USAGE')")
        for table in ("devices", "products", "food_entries", "user_goals"):
            assert not can(f"has_table_privilege(:r, '{table}', 'SELECT')"), table
        assert not can("has_schema_privilege(:r, 'public', 'CREATE')")
        assert can("(SELECT rolcanlogin AND rolpassword IS NULL FROM pg_authid WHERE rolname = :r)")
        # The batches the state machine runs at once (default 8), and prepare/merge/finish.
        assert can("(SELECT rolconnlimit = 10 FROM pg_roles WHERE rolname = :r)")
        settings = role_settings(conn, role)
        assert settings == [f"statement_timeout={IMPORT_STATEMENT_TIMEOUT_MS}"]
        drop_role(conn, role)
