"""Test-wide setup: a real PostgreSQL (embedded unless DATABASE_URL is set), migrated once.

The embedded server keeps its data in `.local/pg-test`, apart from `make run`'s, and the test
database (`TEST_DATABASE`, default countonme_test) is recreated for every run. With
`TEST_POOLER=pgbouncer` the functions reach it through a PgBouncer in transaction pooling mode,
as they reach Aurora through RDS Proxy (`tests/integration/test_through_pgbouncer.py` runs the
api tests that way); migrations and the admin URL stay direct. Settings are read from the
environment once per process, so DATABASE_URL is fixed in `pytest_configure`, before any test
module imports the functions.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool
from starlette.testclient import TestClient

from functions.migrate.runner import upgrade_database
from infra.local.asgi import create_asgi_app
from infra.local.database import LOCAL_DIR, ensure_database, socket_url, start_embedded_server
from infra.local.delta_server import DeltaServer, serving
from infra.local.gateway import ApiGateway
from infra.local.pgbouncer import pgbouncer, pooled_transactions
from infra.local.template import api_config
from shared.db.engine import driver_url, tool_engine
from tests.support import background
from tests.support.api import Device

TEST_DATABASE = os.environ.get("TEST_DATABASE", "countonme_test")
_state: dict[str, Any] = {}


def _recreate_database(admin_url: str, name: str) -> None:
    engine = create_engine(driver_url(admin_url), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()
    ensure_database(driver_url(admin_url), name)


def pytest_configure(config: pytest.Config) -> None:
    configured = os.environ.get("DATABASE_URL")
    if configured:
        admin_url = configured
        url = driver_url(configured)
    else:
        server = start_embedded_server(LOCAL_DIR / "pg-test")
        _state["server"] = server
        admin_url = socket_url(server, "postgres")
        _recreate_database(admin_url, TEST_DATABASE)
        url = socket_url(server, TEST_DATABASE)
    _state["admin_url"] = admin_url
    os.environ.setdefault("DB_POOL_SIZE", "8")
    upgrade_database(url)
    if os.environ.get("TEST_POOLER") == "pgbouncer":
        pooler = pgbouncer(url)
        url = driver_url(pooler.__enter__())
        _state["pooler"] = pooler
        _state["pooled_url"] = url
    os.environ["DATABASE_URL"] = url


@pytest.hookimpl(trylast=True)  # after `-m` and `-k` have deselected
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Start the background runs of the collected tests that wait for one
    (`tests/support/background.py`)."""
    if os.environ.get("TEST_POOLER"):
        return
    collected = {item.nodeid for item in items}
    jobs = [background.pooled_rerun("server" in _state), background.served_fuzz()]
    runs = background.Background([job for job in jobs if job.test in collected])
    runs.start()
    _state["background"] = runs


@pytest.fixture(scope="session")
def background_runs() -> background.Background:
    return _state["background"]


def pytest_unconfigure(config: pytest.Config) -> None:
    if (runs := _state.pop("background", None)) is not None:
        runs.stop()
    if (pooler := _state.pop("pooler", None)) is not None:
        print(f"\npgbouncer pooled transactions: {pooled_transactions(_state['pooled_url'])}")
        pooler.__exit__(None, None, None)


@pytest.fixture(scope="session")
def database_url() -> str:
    return os.environ["DATABASE_URL"]


@pytest.fixture(scope="session")
def embedded_server_url() -> str | None:
    """The embedded server's admin URL, or None when DATABASE_URL named a server."""
    return _state["admin_url"] if "server" in _state else None


@pytest.fixture(scope="session")
def admin_url() -> str:
    """A URL on the same server with rights to create scratch databases."""
    return _state["admin_url"]


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    # Pre-ping: some tests terminate every backend (outages, migrations), pooled ones included.
    engine = tool_engine(database_url, pool_size=2, pool_pre_ping=True)
    yield engine
    engine.dispose()


@pytest.fixture
def scratch_url(admin_url: str) -> Iterator[str]:
    """A brand-new empty database on the test server, dropped afterwards."""
    name = f"scratch_{uuid.uuid4().hex[:12]}"
    admin = create_engine(driver_url(admin_url), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, query = driver_url(admin_url).partition("?")
    yield base.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else "")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def scratch_engine(scratch_url: str) -> Iterator[Engine]:
    engine = tool_engine(scratch_url, poolclass=NullPool)
    yield engine
    engine.dispose()


@pytest.fixture
def clean_db(engine: Engine) -> Iterator[None]:
    """Every test starts from empty tables (the schema stays)."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE devices, catalog_products, catalog_import_staging, catalog_search_words,"
                " catalog_import_runs, catalog_deltas,"
                " rate_limit_hits"
                " RESTART IDENTITY CASCADE"
            )
        )
    yield


@pytest.fixture
def gateway() -> Iterator[ApiGateway]:
    """The API as template.yaml wires it; the authorizer re-checks every request unless a test
    builds its own gateway with a cache TTL."""
    gateway = ApiGateway(api_config(), authorizer_cache_ttl_s=0, sandboxes_per_function=4)
    yield gateway
    gateway.close()


@pytest.fixture
def client(gateway: ApiGateway, clean_db: None) -> Iterator[TestClient]:
    """An HTTP client speaking to the emulator in-process (no socket)."""
    with TestClient(create_asgi_app(gateway), base_url="http://127.0.0.1:8000") as client:
        yield client


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials and region for moto; nothing here reaches AWS."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def device(client: TestClient) -> Device:
    return Device(client)


@pytest.fixture
def other_device(client: TestClient) -> Device:
    return Device(client)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[DeltaServer]:
    """A stand-in for Open Food Facts' data folder on 127.0.0.1, serving an empty folder the
    test fills (`tests/support/deltas.py` writes delta files)."""
    folder = tmp_path / "served"
    folder.mkdir()
    with serving(folder) as server:
        yield server
