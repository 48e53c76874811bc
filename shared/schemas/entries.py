"""Food diary entries and the stats built from them."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, ClassVar

from pydantic import BaseModel, PlainSerializer

from shared.domain.nutrition import MacroTotals
from shared.domain.vocabularies import MealType
from shared.schemas.common import RequestModel, ResponseModel, Timestamp
from shared.schemas.decimals import PositiveAmount, plain
from shared.schemas.fields import Day, PatchModel, Unit

# Computed values: rounded half-up to 2 places, plain notation ("300.00", never "3E+2").
Computed = Annotated[Decimal, PlainSerializer(lambda v: plain(v, 2), return_type=str)]


class EntryCreate(RequestModel):
    id: uuid.UUID | None = None
    product_id: uuid.UUID
    portion_id: uuid.UUID
    day: Day
    meal_type: MealType
    amount: PositiveAmount
    unit: Unit


class EntryPatch(PatchModel):
    """`day` and `product_id` are fixed once an entry exists; sending them changes nothing."""

    NOT_NULL: ClassVar[frozenset[str]] = frozenset({"portion_id", "meal_type", "amount", "unit"})
    portion_id: uuid.UUID | None = None
    meal_type: MealType | None = None
    amount: PositiveAmount | None = None
    unit: Unit | None = None


class EntryOut(ResponseModel):
    id: uuid.UUID
    product_id: uuid.UUID
    portion_id: uuid.UUID
    day: date
    meal_type: str
    amount: PositiveAmount
    unit: str
    created_at: Timestamp
    updated_at: Timestamp


class MacroTotalsOut(BaseModel):
    calories: Computed
    protein: Computed
    carbs: Computed
    fat: Computed

    @classmethod
    def of(cls, totals: MacroTotals) -> MacroTotalsOut:
        return cls(
            calories=totals.calories, protein=totals.protein, carbs=totals.carbs, fat=totals.fat
        )


class DayStats(BaseModel):
    day: date
    totals: MacroTotalsOut
    by_meal_type: dict[str, MacroTotalsOut]


class DailyPoint(BaseModel):
    day: date
    totals: MacroTotalsOut


class DailyStats(BaseModel):
    from_day: date
    to_day: date
    points: list[DailyPoint]
