"""The Lambda engine's connection setup against a real PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import text

from shared.db.engine import build_engine
from shared.runtime.settings import get_settings
from tests.support.driver_counter import count_driver


def test_connection_setup_issues_no_set_statements() -> None:
    """RDS Proxy pins a session on SET or a prepared statement; nothing the engine does at
    connect may send one. The statements are recorded where psycopg puts them on the wire, so
    the dialect's own first-connect queries are included."""
    engine = build_engine(replace(get_settings(), db_pool_size=1))
    with count_driver("MainThread") as counts:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
        with engine.connect() as conn:  # a checkout of the pooled connection
            conn.execute(text("SELECT 1"))
    engine.dispose()
    assert sum("select 1" in s.lower() for s in counts.statements) == 2  # the recording works
    assert not [s for s in counts.statements if s.lstrip().upper().startswith("SET")]
    assert counts.prepared == 0
