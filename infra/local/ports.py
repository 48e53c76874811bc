"""Servers we start on 127.0.0.1 (the emulator, PgBouncer, a page): a free port, and waiting
until one answers."""

from __future__ import annotations

import socket
import subprocess
import time

import httpx2


def free_port() -> int:
    """A port nothing listens on now (the OS picks it; a race with another process is possible
    but harmless here: the server we start would fail to bind and say so)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_health(base: str, process: subprocess.Popen[bytes], seconds: float = 60) -> bool:
    """Whether `make run`'s server at `base` answered `/health` before `process` ended or
    `seconds` passed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx2.get(f"{base}/health", timeout=2).status_code == 200:
                return True
        except httpx2.HTTPError:
            pass
        time.sleep(0.2)
    return False
