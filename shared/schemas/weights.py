"""Body weights (contract §6)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel

from shared.schemas.common import RequestModel, ResponseModel, Timestamp
from shared.schemas.decimals import decimal_column
from shared.schemas.fields import Day

# NUMERIC(7, 3): "75.500".
WeightKg = Annotated[Decimal, decimal_column(7, 3, gt=0)]


class WeightCreate(RequestModel):
    id: uuid.UUID | None = None
    day: Day
    weight_kg: WeightKg


class WeightPatch(RequestModel):
    """Only the weight changes; the day of a weight is fixed (sending `day` changes nothing)."""

    weight_kg: WeightKg


class WeightOut(ResponseModel):
    id: uuid.UUID
    day: date
    weight_kg: WeightKg
    created_at: Timestamp
    updated_at: Timestamp


class WeightPoint(ResponseModel):
    day: date
    weight_kg: WeightKg


class WeightStats(BaseModel):
    from_day: date
    to_day: date
    points: list[WeightPoint]
