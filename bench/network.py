"""The benchmarks' simulated network: the delaying proxy (`infra.local.delay_proxy`) in its own
process, and the database URLs that reach the server through it."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

RTT_MS = 0.5


def unix_socket(url: str) -> str:
    """The socket file behind a psycopg Unix-socket URL (`?host=<dir>&port=<n>`)."""
    query = make_url(url).query
    return f"{query['host']}/.s.PGSQL.{query.get('port', '5432')}"


@contextmanager
def delayed_url(url: str, rtt_ms: float = RTT_MS) -> Iterator[str]:
    """`url` through a proxy adding `rtt_ms` of round-trip time, over TCP on 127.0.0.1."""
    command = [sys.executable, "-m", "infra.local.delay_proxy", "--upstream", unix_socket(url)]
    proxy = subprocess.Popen(
        [*command, "--rtt-ms", str(rtt_ms)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proxy.stdout is not None
        port = int(proxy.stdout.readline())
        parsed = make_url(url)
        tcp = parsed.set(host="127.0.0.1", port=port, query={})
        yield tcp.render_as_string(hide_password=False)
    finally:
        proxy.kill()
        proxy.wait()


def with_driver(url: str, driver: str) -> str:
    """The same database through another SQLAlchemy driver (pg8000 names its Unix socket file
    `unix_sock`, libpq takes the directory as `host`)."""
    parsed = make_url(url)
    if driver == "pg8000" and "host" in parsed.query:
        parsed = parsed.set(query={"unix_sock": unix_socket(url)})
    return parsed.set(drivername=f"postgresql+{driver}").render_as_string(hide_password=False)


def _select_one_ms(url: str, runs: int) -> float:
    engine = create_engine(url, isolation_level="AUTOCOMMIT", pool_size=1)
    samples = []
    with engine.connect() as conn:
        for n in range(runs + 50):
            started = time.perf_counter()
            conn.execute(text("SELECT 1")).scalar_one()
            if n >= 50:
                samples.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    return statistics.median(samples)


def added_rtt_ms(url: str, delayed: str, runs: int = 300) -> float:
    """What the proxy really adds per round trip: a `SELECT 1` through it minus direct."""
    return _select_one_ms(delayed, runs) - _select_one_ms(url, runs)
