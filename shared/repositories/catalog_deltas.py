"""The record of applied Open Food Facts delta files (migration 0010), written by the local
refresh (`make catalog-refresh`) and by the AWS refresh's record step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from shared.domain.catalog_deltas import DeltaFile


def applied_names(connection: psycopg.Connection[Any], names: list[str]) -> set[str]:
    """Which of `names` are recorded as applied (one statement, bounded by the index's size)."""
    rows = connection.execute(
        "SELECT name FROM catalog_deltas WHERE name = ANY(%s)", (names,)
    ).fetchall()
    connection.commit()
    return {row[0] for row in rows}


def record_applied(
    connection: psycopg.Connection[Any], delta: DeltaFile, report: dict[str, Any]
) -> None:
    """Record `delta` as applied with its import's report (a second record keeps the first)."""
    first, last = delta.window
    connection.execute(
        "INSERT INTO catalog_deltas (name, first_change, last_change, report)"
        " VALUES (%s, %s, %s, %s) ON CONFLICT (name) DO NOTHING",
        (delta.name, first, last, Jsonb(report)),
    )
    connection.commit()


def fresh_through(connection: psycopg.Connection[Any]) -> datetime | None:
    """The last change of the newest applied delta: the catalog holds every change up to it
    (None before the first refresh)."""
    row = connection.execute("SELECT max(last_change) FROM catalog_deltas").fetchone()
    connection.commit()
    return None if row is None else row[0]
