"""`make run`'s server honours HOST: bound to every interface, it answers on 127.0.0.1 (only
loopback traffic is sent)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

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


def test_host_all_interfaces_serves_loopback(database_url: str, clean_db: None) -> None:
    port = free_port()
    env = {**os.environ, "HOST": "0.0.0.0", "PORT": str(port), "DATABASE_URL": database_url}  # noqa: S104
    server = subprocess.Popen(
        [sys.executable, "-m", "infra.local.serve"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    assert (r.status, r.read()) == (200, b'{"ok":true}')
                    assert _listening_addresses(port) == {"0.0.0.0"}  # noqa: S104
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "the server did not answer within 60 s"
                time.sleep(0.2)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "anyone on this network can reach the API" in output
