"""Each job's database role may do its job and nothing more (issue 32, finding 4). The roles are
made by the migrate function's own code on the test database; each test logs in as the role and
tries what it must not do, and the API's whole route list runs with the functions logged in as
the API role, so a grant the code needs and the list lacks fails here, not in AWS."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, make_url, text
from starlette.testclient import TestClient

from functions.migrate.roles import (
    API_GRANTS,
    AUTHORIZER_GRANTS,
    CATALOG_TABLES,
    DEVICE_TABLES,
    IMPORT_GRANTS,
    IMPORT_WORK_TABLES,
    OWNER_ONLY_TABLES,
    Role,
    ensure_role,
)
from shared.auth.device_auth import Verdict, verify_token
from shared.auth.tokens import parse_token
from shared.db.engine import get_engine, tool_engine
from shared.runtime.settings import get_settings
from tests.api.test_statement_budgets import ROUTES, _fill, scenario  # noqa: F401 (fixture)
from tests.support.api import Device, register


def _role(engine: Engine, job: str, grants: tuple[tuple[str, str], ...]) -> Iterator[str]:
    name = f"test_{job}_{uuid.uuid4().hex[:8]}"
    ensure_role(engine, Role(name, grants, 10_000, 5, "pw"))
    yield name
    with engine.begin() as conn:
        conn.execute(text(f'DROP OWNED BY "{name}"'))
        conn.execute(text(f'DROP ROLE "{name}"'))


@pytest.fixture
def api_role(engine: Engine) -> Iterator[str]:
    yield from _role(engine, "api", API_GRANTS)


@pytest.fixture
def authorizer_role(engine: Engine) -> Iterator[str]:
    yield from _role(engine, "authorizer", AUTHORIZER_GRANTS)


@pytest.fixture
def import_role(engine: Engine) -> Iterator[str]:
    yield from _role(engine, "import", IMPORT_GRANTS)


def _url_as(database_url: str, role: str) -> str:
    url = make_url(database_url).set(username=role, password=None, drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _refused(database_url: str, role: str, statement: str, params: Any = None) -> bool:
    """True when PostgreSQL refuses the statement to the role for want of a privilege."""
    with psycopg.connect(_url_as(database_url, role)) as conn:
        try:
            conn.execute(statement, params)
        except psycopg.errors.InsufficientPrivilege:
            return True
        finally:
            conn.rollback()
    return False


def test_every_table_belongs_to_exactly_one_job(engine: Engine) -> None:
    with engine.connect() as conn:
        tables = set(
            conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ).scalars()
        )
    listed = [*OWNER_ONLY_TABLES, *DEVICE_TABLES, *CATALOG_TABLES, *IMPORT_WORK_TABLES]
    assert len(listed) == len(set(listed))
    assert tables == set(listed)


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT name FROM products",
        "SELECT created_at FROM devices",
        "UPDATE devices SET token_hash = 'x'",
        "UPDATE devices SET revoked_at = now()",
        "INSERT INTO devices (id, token_hash) VALUES (gen_random_uuid(), 'x')",
        "DELETE FROM devices",
        "SELECT * FROM catalog_products",
        "SELECT * FROM alembic_version",
        "CREATE TABLE stolen (x int)",
    ],
)
def test_the_authorizer_role_cannot(
    database_url: str, authorizer_role: str, statement: str
) -> None:
    assert _refused(database_url, authorizer_role, statement)


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO catalog_products (source, source_id, name) VALUES ('off', '1', 'x')",
        "UPDATE catalog_products SET name = 'x'",
        "DELETE FROM catalog_search_words",
        "SELECT * FROM catalog_import_runs",
        "INSERT INTO catalog_import_staging DEFAULT VALUES",
        "UPDATE alembic_version SET version_num = '0001'",
        "SELECT * FROM alembic_version",
        "DELETE FROM devices",
        "TRUNCATE products",
        "CREATE TABLE stolen (x int)",
        "ALTER TABLE products ADD COLUMN x int",
    ],
)
def test_the_api_role_cannot(database_url: str, api_role: str, statement: str) -> None:
    assert _refused(database_url, api_role, statement)


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM devices",
        "SELECT * FROM products",
        "SELECT * FROM food_entries",
        "UPDATE user_goals SET updated_at = now()",
        "SELECT * FROM alembic_version",
        "CREATE TABLE stolen (x int)",
    ],
)
def test_the_import_role_cannot(database_url: str, import_role: str, statement: str) -> None:
    assert _refused(database_url, import_role, statement)


def test_the_authorizer_role_verifies_tokens(
    client: TestClient, database_url: str, authorizer_role: str
) -> None:
    """What the authorizer sends (a lookup and a `last_seen_at` touch) is all its role needs."""
    _, token = register(client)
    as_authorizer = tool_engine(_url_as(database_url, authorizer_role))
    try:
        with as_authorizer.connect() as conn:
            verdict = verify_token(conn, parse_token(token), bcrypt_rounds=4)
            conn.commit()
    finally:
        as_authorizer.dispose()
    assert verdict.verdict is Verdict.ALLOW


@pytest.fixture
def as_api_role(database_url: str, api_role: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The functions log in as the API role for the rest of the test."""
    monkeypatch.setenv("DATABASE_URL", _url_as(database_url, api_role))
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield api_role
    get_engine().dispose()
    monkeypatch.undo()
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.mark.parametrize(("function", "method", "path", "body"), ROUTES)
def test_every_route_works_with_the_functions_logged_in_as_the_api_role(
    device: Device,
    scenario: dict[str, str],  # noqa: F811
    as_api_role: str,
    function: str,
    method: str,
    path: str,
    body: Any,
) -> None:
    ids = {**scenario, "new": str(uuid.uuid4())}
    response = device.client.request(
        method, _fill(path, ids), json=_fill(body, ids), headers=device.headers
    )
    assert response.status_code < 300, response.text
    with get_engine().connect() as conn:
        assert conn.execute(text("SELECT current_user")).scalar_one() == as_api_role


def test_registration_and_rekeying_work_as_the_api_role(
    client: TestClient, as_api_role: str
) -> None:
    """Creation, then a re-keying (the per-device throttle and the row lock)."""
    device_id, _ = register(client)
    assert register(client, device_id)[0] == device_id


def test_a_role_at_its_connection_limit_is_a_503_not_a_500(
    device: Device, database_url: str, as_api_role: str
) -> None:
    """The role's CONNECTION LIMIT (5 here) is the server's to enforce: one more login is
    refused with SQLSTATE 53300, which the functions answer 503 with Retry-After."""
    held = [psycopg.connect(_url_as(database_url, as_api_role)) for _ in range(5)]
    try:
        get_engine().dispose()
        response = device.get("/v1/products")
    finally:
        for conn in held:
            conn.close()
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"]
    assert device.get("/v1/products").status_code == 200
