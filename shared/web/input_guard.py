"""The one place that refuses hostile input before any route sees it (contract §1).

PostgreSQL cannot store a NUL character, and a lone UTF-16 surrogate (which JSON's `\\ud800`
escape can carry) is not valid UTF-8, so either would reach the database as an error and a 500.
This ASGI middleware checks every query parameter, the path and every string (keys included) of a
JSON body (which must be UTF-8), and answers 422 in the validation-error form naming where it
was. It also caps the body size (413): the largest legitimate body is well under a kilobyte, and
reading an unbounded one into a Lambda sandbox's memory helps nobody.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 64 * 1024
_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")
MESSAGE = "must be UTF-8 without NUL characters or unpaired surrogates"


def _strings(value: Any, location: tuple[str | int, ...]) -> Iterator[tuple[tuple, str]]:
    """Every string inside a parsed JSON value (object keys included), with its location."""
    if isinstance(value, str):
        yield location, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield (*location, key), key
            yield from _strings(item, (*location, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*location, index))


def _hostile_location(scope: Scope, body: bytes) -> tuple | None:
    """Where the first forbidden character is, or None when there is none."""
    if _FORBIDDEN.search(scope.get("path", "")):
        return ("path",)
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True, errors="surrogateescape"):
        if _FORBIDDEN.search(name) or _FORBIDDEN.search(value):
            return ("query", name)
    if body:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return ("body",)
        try:
            parsed = json.loads(text)
        except ValueError:
            return None  # not JSON: the route's own parsing answers 422
        for location, value in _strings(parsed, ("body",)):
            if _FORBIDDEN.search(value):
                return location
    return None


def _error(status: int, detail: object, code: str) -> JSONResponse:
    return JSONResponse({"detail": detail, "code": code}, status_code=status)


class InputGuard:
    """Reads the whole body once (bounded), checks it, and replays it to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                detail = f"Request body too large (at most {MAX_BODY_BYTES} bytes)"
                await _error(413, detail, "PAYLOAD_TOO_LARGE")(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        location = _hostile_location(scope, body)
        if location is not None:
            detail = [{"type": "value_error", "loc": list(location), "msg": MESSAGE}]
            await _error(422, detail, "VALIDATION_ERROR")(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
