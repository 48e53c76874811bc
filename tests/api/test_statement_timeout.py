"""A statement stuck on a lock fails fast with 503 (statement_timeout, set as a startup option
here and as the app role's setting in AWS, never with SET), rather than holding the sandbox."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from infra.local.asgi import create_asgi_app
from infra.local.gateway import ApiGateway
from infra.local.template import api_config
from shared.db.engine import build_engine
from shared.runtime.settings import get_settings
from tests.support.api import Device
from tests.support.engines import use_engine

TIMEOUT_MS = 300


@pytest.fixture
def impatient(
    database_url: str, monkeypatch: pytest.MonkeyPatch, clean_db: None
) -> Iterator[Device]:
    """A device on an API whose statements give up after 300 ms; the authorizer's decision is
    cached, so only the functions' statements meet the lock."""
    engine = build_engine(
        replace(get_settings(), database_url=database_url, db_statement_timeout_ms=TIMEOUT_MS)
    )
    use_engine(monkeypatch, engine)
    gateway = ApiGateway(api_config(), authorizer_cache_ttl_s=300)
    with TestClient(create_asgi_app(gateway)) as client:
        device = Device(client)
        device.product("Oats")  # warm: the authorizer's Allow is cached from here on
        yield device
    gateway.close()
    engine.dispose()


def test_the_timeout_is_a_startup_option_not_a_set(impatient: Device) -> None:
    from shared.db import engine as db

    with db.get_engine().connect() as conn:
        assert conn.execute(text("SHOW statement_timeout")).scalar_one() == f"{TIMEOUT_MS}ms"


@pytest.mark.parametrize(
    ("lock", "method", "path", "body"),
    [
        ("SELECT 1 FROM devices WHERE id = :d FOR UPDATE", "POST", "/v1/products",
         {"name": "Rice"}),
        ("LOCK TABLE products IN ACCESS EXCLUSIVE MODE", "GET", "/v1/products", None),
    ],
)  # fmt: skip
def test_a_statement_waiting_on_a_lock_is_a_fast_503(
    impatient: Device, engine: Engine, lock: str, method: str, path: str, body: object
) -> None:
    with engine.connect() as holder:
        holder.execute(text(lock), {"d": impatient.id})  # held until the block ends
        started = time.monotonic()
        response = impatient.client.request(method, path, json=body, headers=impatient.headers)
        elapsed = time.monotonic() - started
        holder.rollback()
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "SERVICE_UNAVAILABLE"
    assert response.headers["retry-after"]
    assert elapsed < 5  # the timeout, not the lock holder, ended the wait
    assert (
        impatient.client.request(method, path, json=body, headers=impatient.headers).status_code
        < 300
    )
