"""Servers we start on 127.0.0.1 (the emulator, PgBouncer, a page): a free port, waiting until
one answers, and `make run`'s server as a tool's target (the load test, the fuzzer)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


@contextmanager
def serving(database_url: str, settings: dict[str, str]) -> Iterator[str]:
    """`make run`'s server (`infra.local.serve`) on a free 127.0.0.1 port, on `database_url`
    with `settings` added to the environment; yields its base URL and stops it afterwards.
    RuntimeError when it does not answer within a minute."""
    port = free_port()
    env = {**os.environ, **settings, "DATABASE_URL": database_url, "HOST": "127.0.0.1",
           "PORT": str(port)}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local.serve"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        if not wait_for_health(base, process):
            raise RuntimeError("the server did not start")
        yield base
    finally:
        process.terminate()
        process.wait(30)
