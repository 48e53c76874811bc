"""The one place that refuses hostile input before any route sees it (contract §1).

PostgreSQL cannot store a NUL character, and a lone UTF-16 surrogate (which JSON's `\\ud800`
escape can carry) is not valid UTF-8, so either would reach the database as an error and a 500.
This ASGI middleware checks every query parameter, the path and every string (keys included) of a
JSON body (which must be UTF-8), and answers 422 in the validation-error form naming where it
was. A body that is not JSON at all, whatever its bytes, is the same 422 (`json_invalid`, at the
position where parsing stopped), as is a number JSON cannot represent (`NaN`, `Infinity`, or one
too large for a float): FastAPI would answer the first with an undocumented 400 when the bytes
hold a NUL, and the second reached the error renderer as an infinity it cannot write (a 500).
It also caps the body size (413): the largest legitimate body is well under a kilobyte, and
reading an unbounded one into a Lambda sandbox's memory helps nobody. And it caps nesting before
parsing: JSON deeper than `MAX_JSON_DEPTH` objects and arrays is a 422 (the deepest body a route
takes is 2 levels; around 1,000 the parser's recursion ran out, a 500).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 64 * 1024
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")
FORBIDDEN_TEXT = re.compile("[\x00\ud800-\udfff]")
MESSAGE = "must be UTF-8 without NUL characters or unpaired surrogates"


def _strings(
    value: Any, location: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
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


class _NotANumberError(ValueError):
    """A JSON number that is not a finite float."""


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _NotANumberError(text)
    return value


def _no_constant(name: str) -> float:
    raise _NotANumberError(name)


def _invalid(location: tuple[str | int, ...], message: str = MESSAGE) -> dict[str, Any]:
    return {"type": "value_error", "loc": list(location), "msg": message}


def _deeper_than_allowed(text: str) -> bool:
    """Whether objects and arrays nest deeper than MAX_JSON_DEPTH (brackets in strings aside),
    found without parsing: the parser is what recursion would exhaust."""
    depth = 0
    for bracket in _BRACKETS.findall(_JSON_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_JSON_DEPTH:
            return True
    return False


def _body_problem(body: bytes) -> dict[str, Any] | None:
    """What is wrong with a request body, in FastAPI's validation-error item form, if anything."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _invalid(("body",))
    if _deeper_than_allowed(text):
        return _invalid(("body",), f"JSON may nest at most {MAX_JSON_DEPTH} levels")
    try:
        parsed = json.loads(text, parse_float=_finite, parse_constant=_no_constant)
    except _NotANumberError:
        return _invalid(("body",), "numbers must be finite (no NaN, Infinity or overflow)")
    except json.JSONDecodeError as exc:
        return {"type": "json_invalid", "loc": ["body", exc.pos], "msg": "JSON decode error",
                "ctx": {"error": exc.msg}}  # fmt: skip
    except ValueError:  # an integer beyond Python's conversion limit
        return _invalid(("body",), "numbers must have at most 4300 digits")
    for location, value in _strings(parsed, ("body",)):
        if FORBIDDEN_TEXT.search(value):
            return _invalid(location)
    return None


def _problem(scope: Scope, body: bytes) -> dict[str, Any] | None:
    """The first thing refused in the path, the query or the body, or None when all is well."""
    if FORBIDDEN_TEXT.search(scope.get("path", "")):
        return _invalid(("path",))
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True, errors="surrogateescape"):
        if FORBIDDEN_TEXT.search(name) or FORBIDDEN_TEXT.search(value):
            return _invalid(("query", name))
    return _body_problem(body) if body else None


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
        problem = _problem(scope, body)
        if problem is not None:
            await _error(422, [problem], "VALIDATION_ERROR")(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
