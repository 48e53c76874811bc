"""The pooled rerun (`tests/integration/test_through_pgbouncer.py`) as a pytest process of its
own, started when the suite has collected it, so that it runs on the second core while the
suite goes on (its own database; the embedded server is shared). Its output goes to files, not
pipes, so it never blocks on a reader that is busy elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
TEST_FILE = "tests/integration/test_through_pgbouncer.py"
MODULES = [
    "test_token_freshness.py",
    "test_sync.py",
    "test_sync_properties.py",
    "test_statement_budgets.py",
    "test_races.py",
    "test_products.py",
    "test_auth.py",
]


@dataclass
class PooledRun:
    process: subprocess.Popen[bytes]
    stdout: IO[bytes]
    stderr: IO[bytes]

    def finish(self, timeout_s: float) -> tuple[int, str, str]:
        """Wait for the run; its exit code, then the tails of its output."""
        code = self.process.wait(timeout=timeout_s)
        tails = []
        for stream in (self.stdout, self.stderr):
            stream.seek(0)
            tails.append(stream.read().decode(errors="replace"))
            stream.close()
        return code, tails[0], tails[1]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def start(shares_embedded_server: bool) -> PooledRun:
    env = {**os.environ, "TEST_POOLER": "pgbouncer", "TEST_DATABASE": "countonme_pooled"}
    if shares_embedded_server:
        env.pop("DATABASE_URL", None)  # the child starts (shares) the embedded server itself
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "-m", "not direct_connection", *(f"tests/api/{m}" for m in MODULES)]  # fmt: skip
    # Open past this function: `PooledRun.finish` reads and closes them.
    stdout = tempfile.TemporaryFile()  # noqa: SIM115
    stderr = tempfile.TemporaryFile()  # noqa: SIM115
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=stdout, stderr=stderr)
    return PooledRun(process, stdout, stderr)
