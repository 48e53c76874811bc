"""A PgBouncer in transaction pooling mode in front of a local PostgreSQL, on 127.0.0.1 only: the
local stand-in for RDS Proxy, which also hands a server connection to another client between
transactions. Started and stopped by the tests and `make load` themselves.

Anything session-scoped (SET, named prepared statements, temporary tables, session advisory
locks, LISTEN, holdable cursors) breaks or leaks behind it, as it would pin RDS Proxy sessions.
The `options` startup parameter (how local runs pass `statement_timeout`) is ignored as RDS Proxy
ignores it; in AWS the timeout is the app role's own setting.

Debian's `pgbouncer` package provides the binary (`make test` installs it when missing). It will
not run as root, so it runs as the owner of the PostgreSQL socket directory.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from infra.local.ports import free_port

BINARY_CANDIDATES = ("pgbouncer", "/usr/sbin/pgbouncer")


class PgBouncerMissingError(RuntimeError):
    """PgBouncer is not installed: say so plainly (the tests fail, never skip)."""


def binary() -> str:
    for candidate in BINARY_CANDIDATES:
        if (found := shutil.which(candidate)) is not None:
            return found
    raise PgBouncerMissingError(
        "PgBouncer is not installed: `apt-get install pgbouncer` (make test does it as root)"
    )


def _config(
    upstream_host: str, upstream_port: int, port: int, folder: Path, pool: int, admin: str
) -> str:
    return f"""[databases]
* = host={upstream_host} port={upstream_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder}/users.txt
pool_mode = transaction
default_pool_size = {pool}
max_db_connections = {pool}
max_client_conn = 2000
ignore_startup_parameters = options,extra_float_digits
server_reset_query =
admin_users = {admin}
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
"""


@contextmanager
def pgbouncer(database_url: str, server_connections: int = 20) -> Iterator[str]:
    """A running PgBouncer in front of `database_url` (the embedded server's Unix socket, or a
    TCP host); yields the same database's URL through it, over TCP on 127.0.0.1."""
    executable = binary()
    url = make_url(database_url)
    if "host" in url.query:
        upstream_host = str(url.query["host"])
        upstream_port = int(url.query.get("port", 5432))  # type: ignore[arg-type]
        owner = pwd.getpwuid(os.stat(upstream_host).st_uid).pw_name
    else:
        upstream_host, upstream_port, owner = url.host or "127.0.0.1", url.port or 5432, "nobody"
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="pgbouncer-") as folder_name:
        folder = Path(folder_name)
        os.chmod(folder, 0o777)  # noqa: S103 - PgBouncer runs as the socket's owner, not root
        password = url.password or ""
        (folder / "users.txt").write_text(f'"{url.username}" "{password}"\n')
        config = folder / "pgbouncer.ini"
        config.write_text(
            _config(upstream_host, upstream_port, port, folder, server_connections, url.username)
        )
        command = [executable, str(config)]
        if os.geteuid() == 0:
            command[1:1] = ["-u", owner]
        process = subprocess.Popen(  # noqa: S603 (the installed binary, our own config file)
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        try:
            _wait_listening(port, process, folder)
            yield url.set(host="127.0.0.1", port=port, query={}).render_as_string(False)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_listening(port: int, process: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (
                (folder / "pgbouncer.log").read_text()
                if (folder / "pgbouncer.log").exists()
                else ""
            )
            output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"PgBouncer exited: {output}{log}"[-2000:])
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("PgBouncer did not start listening within 10 s")


def pooled_transactions(pooled_url: str) -> int:
    """How many transactions PgBouncer has pooled for the database of `pooled_url` (its admin
    console's SHOW STATS, which speaks the simple query protocol only)."""
    url = make_url(pooled_url)
    with psycopg.connect(
        host=url.host, port=url.port, user=url.username, dbname="pgbouncer", autocommit=True
    ) as admin:
        cursor = admin.cursor()
        cursor.execute("SHOW STATS", prepare=False)
        columns = [c.name for c in cursor.description or ()]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return sum(int(r["total_xact_count"]) for r in rows if r["database"] == url.database)
