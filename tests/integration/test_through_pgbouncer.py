"""The api tests that exercise token freshness, pipelined reads, every route's unit of work, races
and sync, run once more with the functions behind PgBouncer in transaction pooling mode
(`infra/local/pgbouncer.py`), which hands a server connection to another client between
transactions as RDS Proxy does. Whether the pipelined freshness check and BEGIN-with-the-first-
statement survive such a pooler is what this shows. They run in a pytest process of their own
(settings are read once per process), on a database of their own, started as soon as the suite
has collected this test (`tests/support/background.py`, which lists the modules) so that it
runs beside the suite. If PgBouncer is not installed, this fails and says so.

Left out: the two tests that kill the function's own server connection (marked `direct_connection`:
a pooler keeps the client connection alive, which is the point of it), the outage tests (they cut
the socket between driver and server), and the statement-timeout tests (the timeout is a startup
option locally, which poolers ignore; in AWS it is the role's setting), and the catalog scan sweep
(one read per imported product, the read path `test_products.py` already takes through the pooler,
at about 25 s of the suite's time). The entries, portions, goals, weights and stats modules are left
out too: what a pooler could break is how a request's statements reach the server, and
`test_statement_budgets.py` sends every route's reads and writes through it, counted; their own
assertions are business rules the pooler does not touch.
"""

from __future__ import annotations

import re
from dataclasses import astuple

import pytest

from infra.local.pgbouncer import binary
from tests.support.background import Background

# The suite goes on meanwhile and reaches this test long after the rerun has ended.
TIMEOUT_S = 900


def test_the_api_tests_pass_behind_a_transaction_pooler(
    request: pytest.FixtureRequest, background_runs: Background
) -> None:
    binary()  # PgBouncerMissingError says how to install it
    code, stdout, stderr = astuple(background_runs.outcome(request.node.nodeid, TIMEOUT_S))
    # The failures section first: the tail alone is the metrics lines a failure captured.
    failures = stdout[stdout.find("= FAILURES =") :][:6000] if "= FAILURES =" in stdout else ""
    assert code == 0, failures + stdout[-1500:] + stderr[-2000:]
    summary = next(line for line in reversed(stdout.splitlines()) if " passed" in line)
    assert "failed" not in summary and "error" not in summary
    pooled = re.search(r"pgbouncer pooled transactions: (\d+)", stdout)
    assert pooled is not None and int(pooled.group(1)) > 1000  # they did go through it
