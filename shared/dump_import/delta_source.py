"""Open Food Facts' delta files over HTTP: the index, and one file's body from a byte offset
(a download that stopped resumes with a Range request). The base URL is configurable so that the
tests, the rehearsal and a mirror can serve the files; only http and https are accepted."""

from __future__ import annotations

import re
import urllib.request
from dataclasses import dataclass
from http.client import HTTPResponse
from typing import IO
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit

from shared.domain.catalog_deltas import DeltaIndex, parse_index

OFF_DELTA_URL = "https://static.openfoodfacts.org/data/delta/"
# Open Food Facts asks API and data users to name themselves in the User-Agent.
USER_AGENT = "CountOnMe-catalog-refresh/1.0 (daily delta import)"
# The index names 14 files of about 56 bytes: a megabyte is far beyond any real one.
INDEX_LIMIT = 1 << 20
TIMEOUT_S = 60
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class DeltaSourceError(Exception):
    """The source did not serve what was asked (unreachable, an HTTP error, a bad answer)."""


class RangeNotSatisfiable(DeltaSourceError):
    """A resumed download asked from the file's end or beyond (HTTP 416)."""


def _http_url(url: str) -> str:
    """`url`, when it is an http(s) URL with a host; DeltaSourceError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DeltaSourceError(f"the source must be an http(s) URL, not {url!r}")
    return url


def base_url(url: str) -> str:
    """`url` as a base that file names append to; DeltaSourceError unless http(s)."""
    return url if _http_url(url).endswith("/") else url + "/"


def _get(url: str, headers: dict[str, str]) -> HTTPResponse:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **headers})  # noqa: S310 (callers pass base_url's or _http_url's)
    try:
        response: HTTPResponse = urllib.request.urlopen(request, timeout=TIMEOUT_S)  # noqa: S310
    except HTTPError as exc:
        failure = RangeNotSatisfiable if exc.code == 416 else DeltaSourceError
        raise failure(f"{url}: HTTP {exc.code}") from None
    except (URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeltaSourceError(f"{url}: {reason}") from None
    return response


def read_index(base: str) -> DeltaIndex:
    """The source's delta files, oldest first."""
    with _get(base + "index.txt", {}) as response:
        body = response.read(INDEX_LIMIT + 1)
    if len(body) > INDEX_LIMIT:
        raise DeltaSourceError(f"{base}index.txt is over {INDEX_LIMIT} bytes: not a delta index")
    return parse_index(body.decode("utf-8", errors="replace"))


@dataclass
class DeltaBody:
    """A delta file's bytes from `start` on; `size` is the whole file's (None when unsaid)."""

    stream: IO[bytes]
    start: int
    size: int | None


def open_delta(base: str, name: str, start: int = 0) -> DeltaBody:
    """The delta file's body from byte `start` (see `open_url`)."""
    return open_url(base + name, start)


def open_url(url: str, start: int = 0) -> DeltaBody:
    """A file's body from byte `start` (from 0 when the server ignores the Range, or when
    `start` is the file's end: a download stopped after its last byte is fetched again)."""
    name = _http_url(url).rsplit("/", 1)[-1]
    try:
        response = _get(url, {"Range": f"bytes={start}-"} if start else {})
    except RangeNotSatisfiable:
        response = _get(url, {})
    status = response.status
    length = response.headers.get("Content-Length")
    if status == 206:
        match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", ""))
        if match is None or int(match.group(1)) != start:
            response.close()
            raise DeltaSourceError(f"{name}: the server answered another range than {start}-")
        total = match.group(3)
        return DeltaBody(response, start, None if total == "*" else int(total))
    return DeltaBody(response, 0, int(length) if length and length.isdigit() else None)
