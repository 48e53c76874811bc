"""Day and range statistics: sums from the database, zero-fill and rounding here."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from shared.domain.days import days_between
from shared.domain.nutrition import MacroTotals
from shared.repositories import stats
from shared.schemas.entries import DailyPoint, DailyStats, DayStats, MacroTotalsOut


def _totals(row: Row[Any]) -> MacroTotals:
    return MacroTotals(row.calories, row.protein, row.carbs, row.fat)


def day(session: Session, device_id: uuid.UUID, on: date) -> DayStats:
    """Every live entry of the day, all meal types; meal types without entries are left out."""
    by_meal = {row.meal_type: _totals(row) for row in stats.by_meal_type(session, device_id, on)}
    total = sum(by_meal.values(), MacroTotals())
    return DayStats(
        day=on,
        totals=MacroTotalsOut.of(total),
        by_meal_type={meal: MacroTotalsOut.of(t) for meal, t in sorted(by_meal.items())},
    )


def daily(session: Session, device_id: uuid.UUID, start: date, end: date) -> DailyStats:
    """One point per day from `start` to `end`, ascending, days without entries at zero."""
    days = days_between(start, end)
    found = {row.day: _totals(row) for row in stats.by_day(session, device_id, start, end)}
    points = [
        DailyPoint(day=d, totals=MacroTotalsOut.of(found.get(d, MacroTotals()))) for d in days
    ]
    return DailyStats(from_day=start, to_day=end, points=points)
