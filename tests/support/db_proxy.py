"""A TCP/Unix-socket proxy in front of PostgreSQL that a test can cut: the database "goes away"
for the code under test (every connection dropped, new ones refused) and comes back, or a
connection is dropped exactly when the client sends COMMIT (the transaction then never commits)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy.engine import make_url

from infra.local.delay_proxy import hang_up


class DatabaseProxy:
    def __init__(self, database_url: str, directory: Path):
        url = make_url(database_url)
        socket_dir = str(url.query.get("host", ""))
        if socket_dir.startswith("/"):  # libpq's Unix socket: <dir>/.s.PGSQL.<port>
            port = url.query.get("port", "5432")
            self._upstream: str | tuple[str, int] = f"{socket_dir}/.s.PGSQL.{port}"
            self._family = socket.AF_UNIX
            self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._listener.bind(str(directory / f".s.PGSQL.{port}"))
            proxied = url.update_query_dict({"host": str(directory)})
        else:
            self._upstream = (url.host or "127.0.0.1", url.port or 5432)
            self._family = socket.AF_INET
            self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._listener.bind(("127.0.0.1", 0))
            proxied = url.set(host="127.0.0.1", port=self._listener.getsockname()[1])
        self.url = proxied.render_as_string(hide_password=False)
        self._listener.listen(64)
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self.down = False
        self.cut_on_commit = False
        self.commits_cut = 0
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            upstream = socket.socket(self._family, socket.SOCK_STREAM)
            try:
                upstream.connect(self._upstream)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, from_client: bool) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                if from_client and self.cut_on_commit and b"commit\x00" in data.lower():
                    self.commits_cut += 1
                    break  # drop the connection instead of forwarding the COMMIT
                target.sendall(data)
        hang_up(source, target)

    def cut(self) -> None:
        """Drop every connection and refuse new ones until `restore`."""
        self.down = True
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for sock in pair:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        self.down = False

    @contextmanager
    def cutting_commits(self) -> Iterator[None]:
        self.cut_on_commit = True
        try:
            yield
        finally:
            self.cut_on_commit = False

    def close(self) -> None:
        self._closed = True
        self.cut()
        self._listener.close()
