"""Suite work that runs in processes of its own, beside the suite: started once the suite has
collected the tests that wait for it, one after the other on a thread of the suite's process,
so that it uses the second core while the suite goes on. Their output goes to files, not pipes,
so a run never blocks on a reader that is busy elsewhere.

- the pooled rerun (`tests/integration/test_through_pgbouncer.py`): api tests again behind
  PgBouncer, on a database of their own (the embedded server is shared);
- the served fuzz (`tests/api/test_fuzz.py`): schemathesis' own engine against `make run`'s
  server, on the load database (`infra/local/fuzz.py`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
POOLED_MODULES = [
    "test_token_freshness.py",
    "test_sync.py",
    "test_sync_properties.py",
    "test_statement_budgets.py",
    "test_races.py",
    "test_products.py",
    "test_auth.py",
]
FUZZ_SECONDS = int(os.environ.get("FUZZ_SECONDS", "60"))
FUZZ_SEED = 20261205


@dataclass(frozen=True)
class Job:
    test: str  # the node id of the test that waits for it
    command: list[str]
    env: dict[str, str]


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str


def pooled_rerun(shares_embedded_server: bool) -> Job:
    env = {**os.environ, "TEST_POOLER": "pgbouncer", "TEST_DATABASE": "countonme_pooled"}
    if shares_embedded_server:
        env.pop("DATABASE_URL", None)  # the child starts (shares) the embedded server itself
    modules = [f"tests/api/{module}" for module in POOLED_MODULES]
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "-m", "not direct_connection", *modules]  # fmt: skip
    return Job(
        "tests/integration/test_through_pgbouncer.py::"
        "test_the_api_tests_pass_behind_a_transaction_pooler",
        command,
        env,
    )


def served_fuzz() -> Job:
    command = [sys.executable, "-m", "infra.local.fuzz", "--seconds", str(FUZZ_SECONDS),
               "--seed", str(FUZZ_SEED), "--phases", "examples,coverage,stateful"]  # fmt: skip
    return Job(
        "tests/api/test_fuzz.py::"
        "test_served_api_phases_pass_and_generated_data_reaches_past_validation",
        command,
        dict(os.environ),
    )


@dataclass
class Background:
    """The jobs, run in order on one thread; `outcome` waits for one."""

    jobs: list[Job]
    _outcomes: dict[str, Outcome] = field(default_factory=dict)
    _done: dict[str, threading.Event] = field(default_factory=dict)
    _current: subprocess.Popen[bytes] | None = None
    _stopped: bool = False

    def start(self) -> None:
        self._done = {job.test: threading.Event() for job in self.jobs}
        threading.Thread(target=self._run_all, name="background-runs", daemon=True).start()

    def _run_all(self) -> None:
        for job in self.jobs:
            if not self._stopped:
                self._outcomes[job.test] = self._run(job)
            self._done[job.test].set()

    def _run(self, job: Job) -> Outcome:
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            self._current = subprocess.Popen(
                job.command, cwd=ROOT, env=job.env, stdout=out, stderr=err
            )
            code = self._current.wait()
            out.seek(0)
            err.seek(0)
            return Outcome(code, *(f.read().decode(errors="replace") for f in (out, err)))

    def outcome(self, test: str, timeout_s: float) -> Outcome:
        if not self._done[test].wait(timeout_s):
            raise TimeoutError(f"{test}'s background run did not end in {timeout_s} s")
        return self._outcomes[test]

    def stop(self) -> None:
        """A session cut short leaves nothing running."""
        self._stopped = True
        if self._current is not None and self._current.poll() is None:
            self._current.kill()
