"""The api tests that exercise token freshness, pipelined reads, writes, races and sync, run once
more with the functions behind PgBouncer in transaction pooling mode (`infra/local/pgbouncer.py`),
which hands a server connection to another client between transactions as RDS Proxy does.
Whether the pipelined freshness check and BEGIN-with-the-first-statement survive such a pooler is
what this shows. They run in a pytest process of their own (settings are read once per process),
on a database of their own. If PgBouncer is not installed, this fails and says so.

Left out: the two tests that kill the function's own server connection (marked
`direct_connection`: a pooler keeps the client connection alive, which is the point of it), the
outage tests (they cut the socket between driver and server), and the statement-timeout tests
(the timeout is a startup option locally, which poolers ignore; in AWS it is the role's setting),
and the catalog scan sweep (one read per imported product, the read path `test_products.py`
already takes through the pooler, at about 25 s of the suite's time).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from infra.local.pgbouncer import binary

ROOT = Path(__file__).resolve().parents[2]
MODULES = [
    "test_token_freshness.py",
    "test_sync.py",
    "test_sync_properties.py",
    "test_statement_budgets.py",
    "test_races.py",
    "test_entries.py",
    "test_products.py",
    "test_portions.py",
    "test_goals.py",
    "test_weights.py",
    "test_auth.py",
    "test_stats.py",
]


def test_the_api_tests_pass_behind_a_transaction_pooler(embedded_server_url: str | None) -> None:
    binary()  # PgBouncerMissingError says how to install it
    env = {**os.environ, "TEST_POOLER": "pgbouncer", "TEST_DATABASE": "countonme_pooled"}
    if embedded_server_url is not None:
        env.pop("DATABASE_URL")  # the child starts (shares) the embedded server itself
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "-m", "not direct_connection", *(f"tests/api/{m}" for m in MODULES)]  # fmt: skip
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    summary = next(line for line in reversed(run.stdout.splitlines()) if " passed" in line)
    assert "failed" not in summary and "error" not in summary
    pooled = re.search(r"pgbouncer pooled transactions: (\d+)", run.stdout)
    assert pooled is not None and int(pooled.group(1)) > 1000  # they did go through it
