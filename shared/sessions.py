"""ORM sessions: one transaction per request, for the functions that use the models."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from shared.db import get_engine, unavailable_as_503


@cache
def _session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine | None = None) -> Iterator[Session]:
    """One request's unit of work: commit on success, roll back on error, 503 if the DB is down."""
    factory = _session_factory(engine or get_engine())
    with unavailable_as_503(), factory() as session, session.begin():
        yield session
