"""Point every function (and the authorizer) at another engine for one test."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

import shared.db.engine
import shared.db.units_of_work


def use_engine(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> None:
    monkeypatch.setattr(shared.db.engine, "get_engine", lambda: engine)
    monkeypatch.setattr(shared.db.units_of_work, "get_engine", lambda: engine)
