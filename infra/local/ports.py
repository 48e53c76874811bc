"""A free TCP port on 127.0.0.1 for a server we start (the emulator, PgBouncer, a page)."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port nothing listens on now (the OS picks it; a race with another process is possible
    but harmless here: the server we start would fail to bind and say so)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
