"""The Lambda engine's connection setup against a real PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pg8000.core import CoreConnection
from sqlalchemy import text

from shared.db import build_engine
from shared.settings import get_settings


def test_connection_setup_issues_no_set_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    """RDS Proxy pins a session on SET; nothing the engine does at connect may send one. The
    statements are recorded where pg8000 puts them on the wire, so the dialect's own first-connect
    queries are included."""
    sent: list[str] = []
    for name in ("execute_simple", "execute_unnamed"):
        original = getattr(CoreConnection, name)

        def recording(self, statement, *args, _original=original, **kwargs):
            sent.append(statement)
            return _original(self, statement, *args, **kwargs)

        monkeypatch.setattr(CoreConnection, name, recording)
    engine = build_engine(replace(get_settings(), db_pool_size=1))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
    with engine.connect() as conn:  # a checkout of the pooled connection
        conn.execute(text("SELECT 1"))
    engine.dispose()
    assert any("select 1" in s.lower() for s in sent)  # the recording works
    assert not [s for s in sent if s.lstrip().upper().startswith("SET")]
