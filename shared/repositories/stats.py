"""Nutrition sums of live diary entries, aggregated in the database: one statement per request."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, func, select
from sqlalchemy.orm import Session

from shared.models import FoodEntry, ProductPortion
from shared.nutrition import entry_factor_sql


def _sums(*group_by: ColumnElement[Any]) -> Select[Any]:
    """SELECT group columns and the unrounded sums of calories and macros over live entries.
    Entries use the portion they reference even when it (or its product) was deleted since."""
    factor = entry_factor_sql(
        FoodEntry.amount, FoodEntry.unit, ProductPortion.base_amount, ProductPortion.base_unit
    )

    def total(column: ColumnElement[Decimal | None]) -> ColumnElement[Decimal]:
        return func.sum(func.coalesce(column, 0) * factor)

    return (
        select(
            *group_by,
            total(ProductPortion.calories).label("calories"),
            total(ProductPortion.protein).label("protein"),
            total(ProductPortion.carbs).label("carbs"),
            total(ProductPortion.fat).label("fat"),
        )
        .join(ProductPortion, ProductPortion.id == FoodEntry.portion_id)
        .where(FoodEntry.deleted_at.is_(None))
        .group_by(*group_by)
    )


def by_meal_type(session: Session, device_id: uuid.UUID, day: date) -> list[Row]:
    statement = _sums(FoodEntry.meal_type).where(
        FoodEntry.device_id == device_id, FoodEntry.day == day
    )
    return list(session.execute(statement))


def by_day(session: Session, device_id: uuid.UUID, start: date, end: date) -> list[Row]:
    statement = _sums(FoodEntry.day).where(
        FoodEntry.device_id == device_id, FoodEntry.day.between(start, end)
    )
    return list(session.execute(statement))
