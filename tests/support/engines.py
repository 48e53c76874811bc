"""Point every function (and the authorizer) at another engine for one test."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

import shared.db
import shared.sessions


def use_engine(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> None:
    monkeypatch.setattr(shared.db, "get_engine", lambda: engine)
    monkeypatch.setattr(shared.sessions, "get_engine", lambda: engine)
