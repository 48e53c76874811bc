"""The embedded PostgreSQL 16 of `make run`, the tests and the benchmarks (binaries with the full
contrib, so `pg_trgm` as on Aurora: `infra/local/postgres_binaries.py`), started on a Unix socket
only (no TCP port to collide with), shared by every process that asks for the same data folder
and stopped when the last of them exits.

PostgreSQL refuses to run as root, so as root the server runs as a system user of its own
(`pgserver`, the name the previous wheel used, so existing data folders keep their owner).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import json
import os
import pwd
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from infra.local.postgres_binaries import bin_dir

SERVER_USER = "pgserver"
SUPERUSER = "postgres"
PORT = 5432  # names the socket file only: the server listens on no TCP address
# sun_path holds 108 bytes; the socket file is "<dir>/.s.PGSQL.5432".
_MAX_SOCKET_DIR = 90


@dataclass(frozen=True)
class EmbeddedServer:
    """A running server: where its socket is and who may connect (trust auth, loopback only)."""

    pgdata: Path
    socket_dir: Path
    port: int = PORT
    postgres_user: str = SUPERUSER


def server_user() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        useradd = ["useradd", "--system", "--no-create-home", SERVER_USER]
        subprocess.run(useradd, check=True)  # noqa: S603 (a fixed command, run as root)
    return SERVER_USER


def give_to(path: Path, user: str | None) -> None:
    """Let `user` own `path` and traverse every folder above it."""
    if user is None:
        return
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if mode & 0o001 == 0:
            parent.chmod(mode | 0o001)


def run_pg(binary: str, *args: str, user: str | None) -> None:
    """Run a pinned binary as `user` with that user's own group only: with root's groups kept,
    a folder such as `mktemp -d`'s (root's, 0700, where `give_to` adds only the others' x) gives
    the child, still in the root group, no access, and it could not reach the binaries."""
    command = [str(bin_dir() / binary), *args]
    as_user = {} if user is None else {
        "user": user, "group": pwd.getpwnam(user).pw_gid, "extra_groups": []
    }  # fmt: skip
    # The pinned binaries with our own arguments:
    subprocess.run(command, check=True, capture_output=True, text=True, **as_user)  # noqa: S603


def _socket_dir(pgdata: Path, user: str | None) -> Path:
    if len(str(pgdata.resolve())) <= _MAX_SOCKET_DIR:
        return pgdata.resolve()
    digest = hashlib.sha256(str(pgdata.resolve()).encode()).hexdigest()[:12]
    folder = Path(tempfile.gettempdir()) / f"countonme-pg-{digest}"
    folder.mkdir(mode=0o700, exist_ok=True)
    give_to(folder, user)
    return folder


def _running_socket_dir(pgdata: Path) -> Path | None:
    """The socket folder of the server running on `pgdata`, from its postmaster.pid, or None."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        os.kill(int(lines[0]), 0)
    except (FileNotFoundError, ValueError, IndexError, ProcessLookupError):
        return None
    except PermissionError:
        pass  # alive, owned by the server user
    return Path(lines[4]) if len(lines) > 7 and lines[7].strip() == "ready" else None


@contextlib.contextmanager
def _locked(pgdata: Path) -> Iterator[None]:
    lock = pgdata.with_name(f".{pgdata.name}.lock")
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _handles(pgdata: Path) -> Path:
    return pgdata.with_name(f".{pgdata.name}.handles")


def _live_holders(pgdata: Path) -> list[int]:
    path = _handles(pgdata)
    pids = json.loads(path.read_text()) if path.exists() else []
    alive = []
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 0)
            alive.append(pid)
    return alive


def _set_holders(pgdata: Path, pids: list[int]) -> None:
    _handles(pgdata).write_text(json.dumps(sorted(set(pids))))


def start(pgdata: Path) -> EmbeddedServer:
    """Start the server on `pgdata` (initialized on first use), or join the one already running;
    this process holds it until it exits."""
    user = server_user()
    pgdata = pgdata.resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    with _locked(pgdata):
        if not (pgdata / "PG_VERSION").exists():
            pgdata.chmod(0o700)
            give_to(pgdata, user)
            run_pg(
                "initdb",
                *("-D", str(pgdata), "-U", SUPERUSER, "--auth=trust"),
                *("--encoding=UTF8", "--locale=C.UTF-8"),
                user=user,
            )
        socket_dir = _running_socket_dir(pgdata)
        if socket_dir is None:
            socket_dir = _socket_dir(pgdata, user)
            options = f"-c listen_addresses='' -k {socket_dir} -p {PORT}"
            log = str(pgdata / "server.log")
            run_pg("pg_ctl", "-D", str(pgdata), "-w", "-l", log, "-o", options, "start", user=user)
        _set_holders(pgdata, [*_live_holders(pgdata), os.getpid()])
    atexit.register(_release, pgdata, user)
    return EmbeddedServer(pgdata=pgdata, socket_dir=socket_dir)


def _release(pgdata: Path, user: str | None) -> None:
    """Drop this process's hold; the last holder stops the server."""
    with _locked(pgdata):
        others = [pid for pid in _live_holders(pgdata) if pid != os.getpid()]
        _set_holders(pgdata, others)
        if not others and _running_socket_dir(pgdata) is not None:
            run_pg("pg_ctl", "-D", str(pgdata), "-w", "-m", "fast", "stop", user=user)
