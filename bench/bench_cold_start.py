"""Cold-start import cost of each function's handler module, in fresh interpreters.

Each sample is one new Python process importing the handler (with this machine's bytecode
cache warm, as an artifact that ships compiled bytecode would be); the baseline is the same
process importing nothing of ours.
"""

from __future__ import annotations

import os
import subprocess
import sys

from bench.harness import Timing, table
from infra.local.database import REPO_ROOT

RUNS = 7
MODULES = {
    "interpreter only (baseline)": None,
    "authorizer": "functions.authorizer.handler",
    "auth": "functions.auth.handler",
    "products": "functions.products.handler",
    "entries": "functions.entries.handler",
    "goals": "functions.goals.handler",
    "weights": "functions.weights.handler",
    "sync": "functions.sync.handler",
    "migrate": "functions.migrate.handler",
}
# Without PYTHONDONTWRITEBYTECODE (this machine sets it): the warm-up import writes the bytecode
# cache, as a Lambda artifact ships compiled bytecode; otherwise every sample compiles from source.
_ENV = {
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    "PYTHONPATH": str(REPO_ROOT),
}
_PROBE = (
    "import time; t = time.perf_counter(); {statement}; print((time.perf_counter() - t) * 1000)"
)


def _sample(module: str | None) -> float:
    statement = f"import {module}" if module else "pass"
    output = subprocess.run(
        [sys.executable, "-c", _PROBE.format(statement=statement)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
        env=_ENV,
    ).stdout
    return float(output.strip().splitlines()[-1])


def run(_url: str) -> str:
    for module in MODULES.values():  # warm the bytecode cache once
        _sample(module)
    rows = [Timing(name, [_sample(m) for _ in range(RUNS)]) for name, m in MODULES.items()]
    authorizer = rows[1]
    return f"### Handler import at cold start ({RUNS} fresh processes each)\n\n" + table(
        rows[1:], baseline=authorizer
    )
