"""Cold start per function: handler import and first request, each sample a fresh interpreter
(`bench/cold_start_probe.py`), bytecode compiled; peak RSS after the first request.

Three variants in the same run: the baseline (the code before the driver and SnapStart work,
commit BASELINE_COMMIT, checked out with `git worktree` and using pg8000 as it did), this tree,
and this tree's first request after its SnapStart hooks ran (before-snapshot priming, then
after-restore), which is what a sandbox resumed from a snapshot pays on top of the restore.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bench.harness import seed_device
from bench.network import with_driver
from infra.local.database import REPO_ROOT
from shared.auth.tokens import format_token, hash_secret, new_secret

BASELINE_COMMIT = "12436de5c77e004698da288559f072bbdfec405e"
RUNS = 5
FUNCTIONS = ("authorizer", "auth", "products", "entries", "goals", "weights", "sync", "migrate")
PROBE = REPO_ROOT / "bench" / "cold_start_probe.py"
GIT = shutil.which("git") or "git"


@contextmanager
def baseline_tree() -> Iterator[Path]:
    """The baseline commit in a temporary worktree (removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="countonme-baseline-") as parent:
        tree = Path(parent) / "tree"
        subprocess.run(
            [GIT, "worktree", "add", "--detach", "--quiet", str(tree), BASELINE_COMMIT],
            cwd=REPO_ROOT,
            check=True,
        )
        try:
            yield tree
        finally:
            subprocess.run(
                [GIT, "worktree", "remove", "--force", str(tree)], cwd=REPO_ROOT, check=True
            )


def _seed(url: str) -> dict[str, str]:
    engine = create_engine(url, poolclass=NullPool)
    secret = new_secret()
    with engine.begin() as conn:
        device_id, _, _ = seed_device(conn)
        conn.execute(
            text("UPDATE devices SET token_hash = :h WHERE id = :d"),
            {"h": hash_secret(secret, 4), "d": device_id},
        )
    engine.dispose()
    return {"PROBE_DEVICE": str(device_id), "PROBE_TOKEN": format_token(device_id, secret)}


def _environment(tree: Path, database_url: str, probe: dict[str, str]) -> dict[str, str]:
    # Without PYTHONDONTWRITEBYTECODE (this machine sets it): the warm-up run writes the bytecode
    # cache, as a Lambda artifact ships compiled bytecode; otherwise every sample compiles.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **probe, "PYTHONPATH": str(tree), "DATABASE_URL": database_url}


def _sample(tree: Path, env: dict[str, str], function: str, mode: str) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, str(PROBE), function, mode],
        capture_output=True,
        text=True,
        check=False,
        cwd=tree,
        env=env,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{function} ({mode}) in {tree}: {result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _median(samples: list[dict[str, float]], key: str) -> float:
    return statistics.median(sample[key] for sample in samples)


def run(url: str) -> str:
    probe = _seed(url)
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    with baseline_tree() as baseline:
        baseline_env = _environment(baseline, with_driver(url, "pg8000"), probe)
        now_env = _environment(REPO_ROOT, url, probe)
        variants = {
            "baseline": (baseline, baseline_env, "plain"),
            "now": (REPO_ROOT, now_env, "plain"),
            "now, after SnapStart hooks": (REPO_ROOT, now_env, "snapstart"),
        }
        for tree, env, mode in variants.values():
            for function in FUNCTIONS:  # warm the bytecode cache once per tree
                _sample(tree, env, function, mode)
        for _ in range(RUNS):  # interleaved, so drift hits every variant alike
            for name, (tree, env, mode) in variants.items():
                for function in FUNCTIONS:
                    results.setdefault((name, function), []).append(
                        _sample(tree, env, function, mode)
                    )
    return _report(results)


def _report(results: dict[tuple[str, str], list[dict[str, float]]]) -> str:
    lines = [
        f"### Cold start per function ({RUNS} fresh processes each, bytecode compiled)",
        "",
        "| function | baseline import + first request ms | now ms | ratio | first request"
        " after SnapStart hooks ms | peak RSS MiB baseline / now |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for function in FUNCTIONS:
        base = results[("baseline", function)]
        now = results[("now", function)]
        restored = results[("now, after SnapStart hooks", function)]
        base_total = _median(base, "import_ms") + _median(base, "request_ms")
        now_total = _median(now, "import_ms") + _median(now, "request_ms")
        lines.append(
            f"| {function} | {_median(base, 'import_ms'):.0f} + {_median(base, 'request_ms'):.0f}"
            f" = {base_total:.0f} | {_median(now, 'import_ms'):.0f} +"
            f" {_median(now, 'request_ms'):.0f} = {now_total:.0f} | {now_total / base_total:.2f}"
            f" | {_median(restored, 'request_ms'):.1f} | {_median(base, 'peak_rss_mib'):.1f} /"
            f" {_median(now, 'peak_rss_mib'):.1f} |"
        )
    return "\n".join(lines)
