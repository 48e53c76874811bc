"""Lambda SnapStart hooks: prime the function before its snapshot, start clean after a restore.

With SnapStart, Lambda runs the init phase once per published version and resumes every new
sandbox from a snapshot of it. Before the snapshot the function answers one request that needs no
database (`prime`), so the first real request finds FastAPI's routing, Mangum, pydantic's
serializers and the error handlers already warmed. Nothing that must be unique or live may be in
the snapshot: after a restore the engine is dropped and rebuilt on first use (a connection, or an
IAM token signer holding credentials, would otherwise be shared by every restored sandbox), and
`random` is re-seeded (tokens and ids come from `secrets`/`uuid4`, which read the kernel's
generator and need nothing).

The hook library (`snapshot_restore_py`) ships with Lambda's Python runtimes; elsewhere it is a
dev dependency, and nothing calls the hooks unless a test does.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from shared.db.engine import get_engine
from shared.runtime.observability import metrics


def drop_connections() -> None:
    """Close the container's engine, if one was built, and forget it."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()


def before_snapshot(prime: Callable[[], None]) -> None:
    """Warm the function without the database; leave no connection and no metric behind."""
    prime()
    metrics.clear_metrics()
    drop_connections()


def after_restore() -> None:
    drop_connections()
    random.seed()


def register(prime: Callable[[], object]) -> None:
    """Register the hooks when running where SnapStart can call them."""
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:  # a runtime without SnapStart hooks: nothing to register
        return
    register_before_snapshot(before_snapshot, prime)
    register_after_restore(after_restore)
