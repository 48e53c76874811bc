"""A local stand-in for Open Food Facts' data folder: serves a directory's delta files under
`/data/delta/` with an `index.txt` naming them, and its full dump at
`/data/openfoodfacts-products.jsonl.gz` when it has one, on 127.0.0.1, with Range requests (206)
as the real static server answers them. The tests and the rehearsal point the refresh's sources
at it; nothing reaches the internet. `throttle` (bytes a second) slows bodies so that a test can
stop a download halfway; `ranges` lists the Range header of every file request, in order."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from shared.domain.catalog_deltas import delta_file

_RANGE = re.compile(r"bytes=(\d+)-")
FULL_DUMP = "openfoodfacts-products.jsonl.gz"
_SEND = 64 << 10


class DeltaServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, folder: Path, throttle: int | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.folder = folder
        self.throttle = throttle
        self.ranges: list[str | None] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/data/delta/"

    @property
    def full_dump_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/data/{FULL_DUMP}"

    def index(self) -> bytes:
        """The folder's delta names, newest first, as the real index lists them."""
        names = sorted(
            (p.name for p in self.folder.iterdir() if delta_file(p.name)),
            key=lambda name: delta_file(name),
            reverse=True,
        )
        return "".join(f"{name}\n" for name in names).encode()


class _Handler(BaseHTTPRequestHandler):
    server: DeltaServer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the tests read `ranges`, not the log."""

    def do_GET(self) -> None:
        name = self.path.removeprefix("/data/delta/")
        if name == "index.txt":
            self._send(HTTPStatus.OK, self.server.index(), {})
            return
        if self.path == f"/data/{FULL_DUMP}":
            name = FULL_DUMP
        path = self.server.folder / name
        if (name != FULL_DUMP and delta_file(name) is None) or not path.is_file():
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", {})
            return
        self.server.ranges.append(self.headers.get("Range"))
        body = path.read_bytes()
        match = _RANGE.fullmatch(self.headers.get("Range") or "")
        if match is None:
            self._send(HTTPStatus.OK, body, {})
            return
        start = int(match.group(1))
        if start >= len(body):
            self._send(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, b"", {})
            return
        content_range = f"bytes {start}-{len(body) - 1}/{len(body)}"
        self._send(HTTPStatus.PARTIAL_CONTENT, body[start:], {"Content-Range": content_range})

    def _send(self, status: HTTPStatus, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(key, value)
        self.end_headers()
        for offset in range(0, len(body), _SEND):
            try:
                self.wfile.write(body[offset : offset + _SEND])
            except (BrokenPipeError, ConnectionResetError):
                return
            if self.server.throttle:
                time.sleep(_SEND / self.server.throttle)


def start(folder: Path, throttle: int | None = None) -> DeltaServer:
    """The server on a free port of 127.0.0.1, serving from a thread until `shutdown()`."""
    server = DeltaServer(folder, throttle)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@contextmanager
def serving(folder: Path, throttle: int | None = None) -> Iterator[DeltaServer]:
    """The server on a free port of 127.0.0.1 while the block runs."""
    server = start(folder, throttle)
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
