"""Nutrition sums of live diary entries, aggregated in the database: one statement per request,
built once at import."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    SQLColumnExpression,
    and_,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.orm import Session

from shared.models import FoodEntry, ProductPortion
from shared.repositories.nutrition_sql import entry_factor_sql


def _per_entry(*group_by: SQLColumnExpression[Any]) -> Select[Any]:
    """Each live entry of one device (`:device_id`) with its group columns, its portion's
    calories and macros, and its conversion factor as numerator and denominator, computed once
    per entry. Entries use the portion they reference even when it (or its product) was deleted
    since."""
    numerator, denominator = entry_factor_sql(
        FoodEntry.amount, FoodEntry.unit, ProductPortion.base_amount, ProductPortion.base_unit
    )
    return (
        select(
            *group_by,
            ProductPortion.calories,
            ProductPortion.protein,
            ProductPortion.carbs,
            ProductPortion.fat,
            numerator.label("numerator"),
            denominator.label("denominator"),
        )
        # The portion's device in the join too (an entry's portion is always its device's): the
        # planner then reads only this device's portions, whatever the others hold.
        .join(
            ProductPortion,
            and_(
                ProductPortion.id == FoodEntry.portion_id,
                ProductPortion.device_id == bindparam("device_id"),
            ),
        )
        .where(FoodEntry.device_id == bindparam("device_id"), FoodEntry.deleted_at.is_(None))
    )


def _summed(per_entry: Select[Any], group: str) -> Select[Any]:
    """The unrounded sums of calories and macros per `group` over `per_entry`."""
    rows = per_entry.subquery("per_entry")

    def total(name: str) -> ColumnElement[Decimal | float]:
        value = func.coalesce(rows.c[name], literal_column("0")) * rows.c.numerator
        return func.sum(value / rows.c.denominator).label(name)

    totals = (total(name) for name in ("calories", "protein", "carbs", "fat"))
    return select(rows.c[group], *totals).group_by(rows.c[group])


# Built once at import: each request only binds its values.
_BY_MEAL_TYPE = _summed(
    _per_entry(FoodEntry.meal_type).where(FoodEntry.day == bindparam("day")), "meal_type"
)
_BY_DAY = _summed(
    _per_entry(FoodEntry.day).where(FoodEntry.day.between(bindparam("start"), bindparam("end"))),
    "day",
)


def by_meal_type(session: Session, device_id: uuid.UUID, day: date) -> list[Row[Any]]:
    return list(session.execute(_BY_MEAL_TYPE, {"device_id": device_id, "day": day}))


def by_day(session: Session, device_id: uuid.UUID, start: date, end: date) -> list[Row[Any]]:
    params = {"device_id": device_id, "start": start, "end": end}
    return list(session.execute(_BY_DAY, params))
