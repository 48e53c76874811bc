"""`make run`'s server honours HOST: bound to every interface, it answers on 127.0.0.1 (only
loopback traffic is sent); and it trusts no forwarded header for the client's address."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator

from infra.local.database import REPO_ROOT
from infra.local.ports import free_port


def _listening_addresses(port: int) -> set[str]:
    """IPv4 addresses with a socket listening on `port`, read from the kernel's table."""
    found = set()
    with open("/proc/net/tcp", encoding="ascii") as table:
        for line in list(table)[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:
                found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


@contextlib.contextmanager
def serving(env: dict[str, str]) -> Iterator[list[str]]:
    """`make run`'s server with `env` (PORT included), once it answers /health; the list holds
    its output once it is stopped."""
    port = env["PORT"]
    server = subprocess.Popen(
        [sys.executable, "-m", "infra.local.serve"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    assert (r.status, r.read()) == (200, b'{"ok":true}')
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "the server did not answer within 60 s"
                time.sleep(0.2)
        yield output
    finally:
        server.terminate()
        output.append(server.communicate(timeout=30)[0])


def test_host_all_interfaces_serves_loopback(database_url: str, clean_db: None) -> None:
    port = free_port()
    env = {**os.environ, "HOST": "0.0.0.0", "PORT": str(port), "DATABASE_URL": database_url}  # noqa: S104
    with serving(env) as output:
        assert _listening_addresses(port) == {"0.0.0.0"}  # noqa: S104
    assert "anyone on this network can reach the API" in output[0]


def test_forwarded_addresses_do_not_walk_around_the_registration_limit(
    database_url: str, clean_db: None
) -> None:
    """Each registration claims another X-Forwarded-For; the limit counts the socket's address."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "DATABASE_URL": database_url,
           "REGISTER_RATE_LIMIT": "2"}  # fmt: skip
    statuses = []
    with serving(env):
        for attempt in range(3):
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/v1/devices/register",
                data=json.dumps({"device_id": str(uuid.uuid4())}).encode(),
                headers={
                    "Content-Type": "application/json",
                    "X-Forwarded-For": f"203.0.113.{attempt + 1}",
                },
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                    statuses.append(response.status)
            except urllib.error.HTTPError as refused:
                statuses.append(refused.code)
    assert statuses == [200, 200, 429]
