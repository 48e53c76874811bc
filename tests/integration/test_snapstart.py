"""SnapStart hooks, run the way Lambda's runtime runs them: every hook the function modules
registered with `snapshot_restore_py`, before-snapshot in reverse order of registration, after-
restore in order."""

from __future__ import annotations

import importlib
import random
from typing import Any

import pytest
import snapshot_restore_py
from sqlalchemy import text

from shared import snapstart
from shared.db.engine import get_engine
from shared.runtime.observability import metrics
from tests.support.driver_counter import count_driver

FUNCTIONS = ("auth", "authorizer", "products", "entries", "goals", "weights", "sync")


def _registered(registry: list[tuple[Any, tuple, dict]], hook: Any) -> list[tuple]:
    return [args for func, args, _ in registry if func is hook]


@pytest.fixture(scope="module")
def primes() -> list[Any]:
    """Every priming call registered by (re)importing each function's handler module."""
    modules = [importlib.import_module(f"functions.{name}.handler") for name in FUNCTIONS]
    before = len(_registered(snapshot_restore_py.get_before_snapshot(), snapstart.before_snapshot))
    for module in modules:
        importlib.reload(module)
    registered = _registered(snapshot_restore_py.get_before_snapshot(), snapstart.before_snapshot)
    assert len(registered) - before == len(FUNCTIONS)  # one registration per function
    return [args[0] for args in registered[before:]]


def test_each_function_primes_without_the_database(primes: list[Any]) -> None:
    for prime in primes:
        with count_driver("MainThread") as counts:
            status = prime()
        assert counts.statements == [], prime
        # The web functions answer their priming request with a 401 (no authorizer context) or,
        # for auth's /health, a 200; the authorizer's bcrypt check finds no match.
        assert status in (200, 401, False), (prime, status)


def test_before_snapshot_leaves_no_connection_and_no_metric(primes: list[Any]) -> None:
    engine = get_engine()
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert engine.pool.checkedin() >= 1
    metrics.add_metric(name="Primed", unit="Count", value=1)
    for func, args, kwargs in reversed(snapshot_restore_py.get_before_snapshot()):
        func(*args, **kwargs)
    assert engine.pool.checkedin() == 0
    assert get_engine() is not engine  # rebuilt on first use, after the restore
    assert metrics.metric_set == {}


def test_after_restore_drops_connections_and_reseeds_random(primes: list[Any]) -> None:
    engine = get_engine()
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    random.seed(7)
    snapshotted = random.random()
    random.seed(7)
    hooks = _registered(snapshot_restore_py.get_after_restore(), snapstart.after_restore)
    assert hooks, "no after-restore hook registered"
    for func, args, kwargs in snapshot_restore_py.get_after_restore():
        func(*args, **kwargs)
    assert engine.pool.checkedin() == 0 and get_engine() is not engine
    assert random.random() != snapshotted
    with get_engine().connect() as conn:  # and the next request connects afresh
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
