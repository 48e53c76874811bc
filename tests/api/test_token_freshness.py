"""Token replacement and revocation take effect at once on every function, whatever the
authorizer cache TTL (contract §2, design "Token freshness"), and a pooled connection that died
between two invocations is replaced without the client noticing."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.pool import NullPool
from starlette.testclient import TestClient

from functions.products.handler import lambda_handler
from infra.local.asgi import create_asgi_app
from infra.local.events import LambdaContext, proxy_event
from infra.local.gateway import ApiGateway
from infra.local.template import api_config
from shared.db.engine import driver_url, get_engine
from tests.support.api import bearer, count_statements, is_freshness_check, register

INVALID = {"detail": "Invalid token", "code": "INVALID_TOKEN"}
REVOKED = {"detail": "Device revoked", "code": "DEVICE_REVOKED"}
CALCULATE = {
    "gender": "male",
    "birth_date": "1990-01-01",
    "height_cm": 180,
    "current_weight_kg": 80,
    "activity_level": "moderate",
    "weight_goal_type": "maintain",
}
# One read and one write (or data-free route) of every function behind the authorizer.
ROUTES = [
    ("GET", "/v1/devices/me", None),
    ("GET", "/v1/products", None),
    ("POST", "/v1/products", {"name": "Oats"}),
    ("GET", "/v1/catalog/products", None),
    ("GET", "/v1/food-entries", None),
    ("DELETE", "/v1/data/reset", None),
    ("GET", "/v1/stats/day/2026-03-15", None),
    ("GET", "/v1/goals/current", None),
    ("POST", "/v1/goals/calculate", CALCULATE),
    ("GET", "/v1/body-weights", None),
    ("POST", "/v1/body-weights", {"day": "2026-03-15", "weight_kg": 80}),
]


@pytest.fixture
def cached_client(clean_db: None) -> Iterator[tuple[TestClient, ApiGateway]]:
    """The API with the staging/prod authorizer cache TTL of 300 s."""
    gateway = ApiGateway(api_config(), authorizer_cache_ttl_s=300)
    with TestClient(create_asgi_app(gateway)) as client:
        yield client, gateway
    gateway.close()


def _call(client: TestClient, token: str, method: str, path: str, body: object):
    return client.request(method, path, json=body, headers=bearer(token))


def _warm_the_cache(client: TestClient, token: str) -> None:
    for method, path, body in ROUTES:
        assert _call(client, token, method, path, body).status_code < 300, path


def test_a_replaced_token_is_401_at_once_on_every_route(
    cached_client: tuple[TestClient, ApiGateway],
) -> None:
    client, gateway = cached_client
    device_id, old = register(client)
    _warm_the_cache(client, old)
    cached_decisions = gateway.authorizer_invocations
    _, new = register(client, device_id)
    for method, path, body in ROUTES:
        response = _call(client, old, method, path, body)
        assert (response.status_code, response.json()) == (401, INVALID), path
        assert _call(client, new, method, path, body).status_code < 300, path
    # The old token's Allow was served from the cache: the functions refused it themselves.
    assert gateway.authorizer_invocations == cached_decisions + 1  # the new token's first call


def test_a_revoked_token_is_403_at_once_on_every_route(
    cached_client: tuple[TestClient, ApiGateway],
) -> None:
    client, gateway = cached_client
    _, token = register(client)
    _warm_the_cache(client, token)
    assert client.delete("/v1/devices/me", headers=bearer(token)).status_code == 204
    before = gateway.authorizer_invocations
    for method, path, body in ROUTES:
        response = _call(client, token, method, path, body)
        assert (response.status_code, response.json()) == (403, REVOKED), path
    assert gateway.authorizer_invocations == before


def test_a_direct_invocation_without_the_generation_is_401(client: TestClient) -> None:
    """A decision without `token_generation` in its context (a misrouted invocation, or one
    cached before generations existed) is refused by the function itself."""
    device_id, _ = register(client)
    event = proxy_event(
        "GET",
        "/v1/products",
        resource="/v1/products",
        authorizer={"principalId": str(device_id), "device_id": str(device_id)},
    )
    result = lambda_handler(event, LambdaContext(function_name="ProductsFunction"))
    assert result["statusCode"] == 401


def _terminate_pooled_connections(admin_url: str, database_url: str) -> int:
    """Kill every other backend of the test database, as RDS Proxy or a failover would, and wait
    until each has exited: a sandbox thaws long after, with the server's goodbye on its socket.
    Without the wait the next request could check a connection out before that goodbye was
    written (CI saw it once: BEGIN sent on the dead connection, then again on a new one)."""
    database = database_url.split("?")[0].rsplit("/", 1)[1]
    killer = create_engine(driver_url(admin_url), poolclass=NullPool)
    with killer.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid, :wait_ms)) FROM pg_stat_activity"
                " WHERE datname = :db AND pid <> pg_backend_pid()"
            ),
            {"db": database, "wait_ms": 5000},
        ).scalar_one()
    killer.dispose()
    return killed


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("GET", "/v1/products", None), ("POST", "/v1/products", {"name": "Rice"})],
)
@pytest.mark.direct_connection
def test_a_connection_killed_between_invocations_is_replaced_transparently(
    cached_client: tuple[TestClient, ApiGateway],
    engine: Engine,
    admin_url: str,
    database_url: str,
    method: str,
    path: str,
    body: object,
) -> None:
    client, gateway = cached_client
    # Start from an empty pool: connections that an earlier invalidation marked stale would be
    # replaced silently at checkout and hide the path under test.
    get_engine().dispose()
    _, token = register(client)
    # Warm: afterwards the authorizer's decision is cached, so the function is the first to use
    # a pooled connection (in-process they all share one pool; in Lambda each has its own).
    assert _call(client, token, "GET", "/v1/products", None).status_code == 200
    invocations = gateway.authorizer_invocations
    assert _terminate_pooled_connections(admin_url, database_url) >= 1
    engine.dispose()  # the suite's own engine lost its connections too
    with count_statements("ProductsFunction") as statements:
        response = _call(client, token, method, path, body)
    assert response.status_code < 300, response.text
    # The dead connection was found at checkout (the server's goodbye waiting on its socket) and
    # replaced before anything was sent on it.
    assert statements.count(statements[0]) == 1  # (a write's first is its BEGIN)
    assert len([s for s in statements if is_freshness_check(s)]) == 1
    assert gateway.authorizer_invocations == invocations


@pytest.mark.direct_connection
def test_a_write_whose_connection_dies_after_checkout_is_retried_once(
    cached_client: tuple[TestClient, ApiGateway],
    engine: Engine,
    admin_url: str,
    database_url: str,
) -> None:
    """A connection that dies between checkout and the first statement (too late for the
    checkout probe) fails before anything was done: the write runs once more on a fresh
    connection, and happens once."""
    client, _ = cached_client
    _, token = register(client)
    assert _call(client, token, "GET", "/v1/products", None).status_code == 200
    function_engine = get_engine()
    killed: list[int] = []
    checkouts: list[object] = []

    def kill_once(dbapi_connection, _record, _proxy) -> None:
        checkouts.append(dbapi_connection)
        if not killed:
            killed.append(_terminate_pooled_connections(admin_url, database_url))
            while not dbapi_connection.broken:  # until the client sees the socket close
                try:
                    dbapi_connection.pgconn.consume_input()
                except Exception:
                    break

    event.listen(function_engine, "checkout", kill_once)
    try:
        with count_statements("ProductsFunction") as statements:
            response = _call(client, token, "POST", "/v1/products", {"name": "Rice"})
    finally:
        event.remove(function_engine, "checkout", kill_once)
        engine.dispose()  # the suite's own engine lost its connections too
    assert killed and killed[0] >= 1
    assert response.status_code == 201, response.text
    assert len(checkouts) == 2 and checkouts[0] is not checkouts[1]  # retried on a new one
    # (the killer's own statements ran on this thread too, hence the filter)
    assert len([s for s in statements if is_freshness_check(s)]) == 1
    products = client.get("/v1/products", headers=bearer(token)).json()
    assert [p["name"] for p in products] == ["Rice"]


def _authorized_operations(client: TestClient) -> list[tuple[str, str]]:
    """Every (method, path) of the merged OpenAPI document that the authorizer guards."""
    paths = client.get("/openapi.json").json()["paths"]
    return [
        (method.upper(), path)
        for path, operations in paths.items()
        for method, operation in operations.items()
        if "401" in operation["responses"]
    ]


def _wrong_requests(method: str, path: str) -> list[tuple[str, str, bytes | None]]:
    """The same operation made wrong three ways: an id that is not one, a query the input
    guard refuses (NUL), and a body that is not JSON."""
    with_ids = re.sub(r"\{[^}]+\}", "not-an-id", path)
    filled = re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000000", path)
    wrong = [(method, f"{filled}?limit=%00", None), (method, filled, b"{not json")]
    if with_ids != path:
        wrong.append((method, with_ids, None))
    return wrong


def test_a_dead_token_is_refused_whatever_else_is_wrong_with_the_request(
    cached_client: tuple[TestClient, ApiGateway],
) -> None:
    """Before any other refusal (404, 405, 409, 413, 422), a replaced token is 401 and a revoked
    one 403, on every operation of the document: the request's refusal never tells a dead
    token's holder anything, and the app re-registers."""
    client, _ = cached_client
    device_id, replaced = register(client)
    _warm_the_cache(client, replaced)
    _, current = register(client, device_id)
    _, revoked = register(client)
    _warm_the_cache(client, revoked)
    assert client.delete("/v1/devices/me", headers=bearer(revoked)).status_code == 204
    operations = _authorized_operations(client)
    assert len(operations) >= 30
    wrong_answers = []
    for method, path in operations:
        for wrong_method, url, body in _wrong_requests(method, path):
            for token, expected in ((replaced, (401, INVALID)), (revoked, (403, REVOKED))):
                response = client.request(wrong_method, url, content=body, headers=bearer(token))
                if (response.status_code, response.json()) != expected:
                    wrong_answers.append((wrong_method, url, response.status_code))
            # The current token gets the request's own refusal.
            response = client.request(wrong_method, url, content=body, headers=bearer(current))
            assert 400 <= response.status_code < 500 and response.status_code not in (401, 403)
    assert wrong_answers == []
