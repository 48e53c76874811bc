"""The emulator as an ASGI app, for uvicorn (`make run`) and for in-process HTTP tests.

Besides the template's routes it serves `/docs` and `/openapi.json`: one OpenAPI document merged
from every function's app, which the Lambda functions themselves never expose. Swagger UI's
script, style sheet and icon are served from `/docs-assets/`, out of a wheel pinned in the lock
file (`fastapi-offline`, used for its bundled Swagger UI 5 files only), so the docs page works
with no internet access.
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import anyio.to_thread
import fastapi_offline
from fastapi.openapi.docs import get_swagger_ui_html

from infra.local.gateway import ApiGateway, HttpRequest, HttpResponse
from infra.local.openapi_docs import merged_openapi

Scope = dict[str, Any]
DOCS_ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
DOCS_ASSETS_PREFIX = "/docs-assets/"
DOCS_ASSETS = {"swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"}


async def _read_body(receive: Any) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _send(send: Any, response: HttpResponse) -> None:
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


def _docs_response(gateway: ApiGateway, path: str) -> HttpResponse | None:
    if path == "/openapi.json":
        body = json.dumps(merged_openapi(gateway)).encode()
        return HttpResponse(200, [("Content-Type", "application/json")], body)
    if path == "/docs":
        page = get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="CountOnMe API (local)",
            swagger_js_url=f"{DOCS_ASSETS_PREFIX}swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS_PREFIX}swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS_PREFIX}favicon.png",
        )
        return HttpResponse(200, [("Content-Type", "text/html; charset=utf-8")], page.body)
    name = path.removeprefix(DOCS_ASSETS_PREFIX)
    if path.startswith(DOCS_ASSETS_PREFIX) and name in DOCS_ASSETS:
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        body = (DOCS_ASSETS_DIR / name).read_bytes()
        return HttpResponse(200, [("Content-Type", content_type)], body)
    return None


def create_asgi_app(gateway: ApiGateway) -> Any:
    """An ASGI callable that turns each HTTP request into one gateway invocation."""

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        path = scope["path"]
        if scope["method"] == "GET" and gateway.match("GET", path) is None:
            docs = _docs_response(gateway, path)
            if docs is not None:
                await _send(send, docs)
                return
        query = scope.get("query_string", b"").decode("latin-1")
        request = HttpRequest(
            method=scope["method"],
            path=path,
            headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]],
            query=_parse_query(query),
            body=body,
            source_ip=(scope.get("client") or ("127.0.0.1", 0))[0],
        )
        response = await anyio.to_thread.run_sync(gateway.handle, request)
        await _send(send, response)

    return app


def _parse_query(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=True)
