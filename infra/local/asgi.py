"""The emulator as an ASGI app, for uvicorn (`make run`) and for in-process HTTP tests.

Besides the template's routes it serves `/docs` and `/openapi.json`: one OpenAPI document merged
from every function's app, which the Lambda functions themselves never expose.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import anyio.to_thread
from fastapi.openapi.docs import get_swagger_ui_html

from infra.local.gateway import ApiGateway, HttpRequest, HttpResponse
from infra.local.openapi_docs import merged_openapi

Scope = dict[str, Any]


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
        page = get_swagger_ui_html(openapi_url="/openapi.json", title="CountOnMe API (local)")
        return HttpResponse(200, [("Content-Type", "text/html; charset=utf-8")], page.body)
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
