"""`make run`: embedded PostgreSQL (unless DATABASE_URL is set), migrations, and the whole API on
http://$HOST:$PORT (default 127.0.0.1:8000) through the API Gateway emulator. Ctrl-C stops all
of it. `HOST=0.0.0.0` serves a phone on the LAN, and so exposes the API to that network.
"""

from __future__ import annotations

import os

import uvicorn
from sqlalchemy.pool import NullPool

from functions.migrate.runner import upgrade_database
from infra.catalog.seed import DEFAULT_FILE, catalog_is_empty, load_file
from infra.local.asgi import create_asgi_app
from infra.local.database import LOCAL_DIR, local_database_url
from infra.local.gateway import ApiGateway
from infra.local.template import load_template, parse_api
from shared.db.engine import tool_engine
from shared.runtime.settings import redact_url

DEFAULT_HOST = "127.0.0.1"
# Threads per function: the emulator serves several requests at once, like warm Lambda sandboxes
# (`make load`'s pooler variant raises it to simulate hundreds).
LOCAL_SANDBOXES = int(os.environ.get("SANDBOXES_PER_FUNCTION", "4"))


def load_starter_catalog(database_url: str) -> None:
    """Fill an empty catalog with the shipped dataset, so search works out of the box."""
    engine = tool_engine(database_url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            if catalog_is_empty(connection):
                count = load_file(connection, DEFAULT_FILE)
                print(f"Catalog loaded: {count} products from {DEFAULT_FILE.name}")
    finally:
        engine.dispose()


def main() -> None:
    host = os.environ.get("HOST") or DEFAULT_HOST
    port = int(os.environ.get("PORT", "8000"))
    server, url = local_database_url()  # keep `server`: it stops when this process exits
    if server is not None:
        os.environ["DATABASE_URL"] = url
        print(f"Embedded PostgreSQL: data in {LOCAL_DIR / 'pgdata'}")
    os.environ.setdefault("DB_POOL_SIZE", str(LOCAL_SANDBOXES))
    # EMF metric lines are for CloudWatch; locally they would drown the request log.
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    database_url = os.environ["DATABASE_URL"]
    upgrade_database(database_url)
    print(f"Database migrated: {redact_url(database_url)}")
    load_starter_catalog(database_url)

    ttl = os.environ.get("AUTHORIZER_CACHE_TTL")
    overrides = {"AuthorizerCacheTtl": int(ttl)} if ttl else {}
    gateway = ApiGateway(
        parse_api(load_template(), overrides), sandboxes_per_function=LOCAL_SANDBOXES
    )
    shown = "127.0.0.1" if host == "0.0.0.0" else host  # noqa: S104 (the address being bound)
    print(f"\nCountOnMe API:  http://{shown}:{port}")
    print(f"API docs:       http://{shown}:{port}/docs")
    if host != DEFAULT_HOST:
        print(f"Listening on {host}: anyone on this network can reach the API.")
    print("Stop with Ctrl-C (stops the embedded database too).\n")
    try:
        # No forwarded headers are trusted: the client's address is the socket's. uvicorn would
        # take X-Forwarded-For from 127.0.0.1, which a tunnel or an adb forward is, and so walk
        # registration's per-address limit around.
        uvicorn.run(
            create_asgi_app(gateway), host=host, port=port, log_level="info", proxy_headers=False
        )
    finally:
        gateway.close()


if __name__ == "__main__":
    main()
