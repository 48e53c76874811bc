"""A TCP proxy in front of PostgreSQL that delays every chunk by half a round-trip time in each
direction, so the benchmarks see what a network hop to RDS Proxy costs (this machine's kernel has
no `netem`). It runs as its own process, so its threads do not compete with the code being timed
for the interpreter lock:

    python -m infra.local.delay_proxy --upstream /path/.s.PGSQL.5432 --rtt-ms 0.5

prints the port it listens on (127.0.0.1 only) and serves until killed.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import time
from contextlib import suppress

# time.sleep overshoots by tens of microseconds; the last stretch is spun for accuracy.
_SPIN_S = 0.00008


def _wait_until(deadline: float) -> None:
    remaining = deadline - time.perf_counter()
    if remaining > _SPIN_S:
        time.sleep(remaining - _SPIN_S)
    while time.perf_counter() < deadline:
        pass


def hang_up(*sockets: socket.socket) -> None:
    """Shut down and close both ends of a proxied connection (either may already be gone)."""
    for sock in sockets:
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


def _pump(source: socket.socket, target: socket.socket, one_way_s: float) -> None:
    with suppress(OSError):
        while data := source.recv(65536):
            _wait_until(time.perf_counter() + one_way_s)
            target.sendall(data)
    hang_up(source, target)


def serve(listener: socket.socket, upstream: str, one_way_s: float) -> None:
    while True:
        client, _ = listener.accept()
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.connect(upstream)
        for source, target in ((client, server), (server, client)):
            threading.Thread(target=_pump, args=(source, target, one_way_s), daemon=True).start()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="the server's Unix socket file")
    parser.add_argument("--rtt-ms", type=float, required=True)
    args = parser.parse_args()
    listener = socket.create_server(("127.0.0.1", 0))
    sys.stdout.write(f"{listener.getsockname()[1]}\n")
    sys.stdout.flush()
    serve(listener, args.upstream, args.rtt_ms / 2000)


if __name__ == "__main__":
    main()
