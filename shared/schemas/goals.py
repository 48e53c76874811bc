"""Goals (contract §5): the calculator's request, its preview, manual goals, patches, the goal."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, Field, PlainSerializer, field_validator, model_validator
from pydantic_core import PydanticCustomError

from shared.domain import goal_math
from shared.domain.vocabularies import ActivityLevel, Gender, WeightChangePace, WeightGoalType
from shared.schemas.common import RequestModel, ResponseModel, Timestamp
from shared.schemas.decimals import decimal_column
from shared.schemas.fields import Day, PatchModel

# NUMERIC(5, 2) body measures, bounded as the contract says.
HeightCm = Annotated[Decimal, decimal_column(5, 2, gt=0, le=300)]
WeightKg = Annotated[Decimal, decimal_column(5, 2, gt=0, le=500)]
Percent = Annotated[int, Field(ge=0, le=100)]
WaterMl = Annotated[int, Field(ge=0, le=10000)]
DailyKcal = Annotated[int, Field(ge=1, le=10000)]
# BMI and the healthy range are JSON numbers in the contract, not decimal strings.
JsonNumber = Annotated[Decimal, PlainSerializer(float, return_type=float)]


def utc_today() -> date:
    """The date ages are computed on: the server's UTC calendar day."""
    return datetime.now(UTC).date()


def _app_message(message: str) -> PydanticCustomError:
    """A validation error whose `msg` is exactly the app's text (no "Value error, " prefix)."""
    return PydanticCustomError("value_error", message)


class CalculateRequest(RequestModel):
    gender: Gender
    birth_date: Day
    height_cm: HeightCm
    current_weight_kg: WeightKg
    activity_level: ActivityLevel
    weight_goal_type: WeightGoalType
    target_weight_kg: WeightKg | None = None
    weight_change_pace: WeightChangePace | None = None

    @field_validator("birth_date")
    @classmethod
    def _age_in_range(cls, birth_date: date) -> date:
        problem = goal_math.birth_date_problem(birth_date, utc_today())
        if problem is not None:
            raise _app_message(problem)
        return birth_date

    @model_validator(mode="after")
    def _lose_and_gain_need_target_and_pace(self) -> Any:
        if self.weight_goal_type != "maintain":
            if self.target_weight_kg is None:
                raise _app_message(goal_math.TARGET_REQUIRED)
            if self.weight_change_pace is None:
                raise _app_message(goal_math.PACE_REQUIRED)
        return self

    def metrics(self) -> goal_math.BodyMetrics:
        return goal_math.BodyMetrics(
            gender=self.gender,
            birth_date=self.birth_date,
            height_cm=self.height_cm,
            current_weight_kg=self.current_weight_kg,
            activity_level=self.activity_level,
            weight_goal_type=self.weight_goal_type,
            weight_change_pace=self.weight_change_pace,
        )


class CalculatedGoalCreate(CalculateRequest):
    """The calculator's input plus the values a person may set instead of the computed ones."""

    id: uuid.UUID | None = None
    protein_percent: Percent | None = None
    carbs_percent: Percent | None = None
    fat_percent: Percent | None = None
    water_ml: WaterMl | None = None


class ManualGoalCreate(RequestModel):
    id: uuid.UUID | None = None
    daily_calories_kcal: DailyKcal
    protein_percent: Percent
    carbs_percent: Percent
    fat_percent: Percent
    water_ml: WaterMl


class GoalPatch(PatchModel):
    """Targets only: body metrics, BMR/TDEE and BMI of a goal never change."""

    NOT_NULL: ClassVar[frozenset[str]] = frozenset(
        {"daily_calories_kcal", "protein_percent", "carbs_percent", "fat_percent", "water_ml"}
    )
    daily_calories_kcal: DailyKcal | None = None
    protein_percent: Percent | None = None
    carbs_percent: Percent | None = None
    fat_percent: Percent | None = None
    water_ml: WaterMl | None = None


class GoalPreview(BaseModel):
    bmr_kcal: int
    tdee_kcal: int
    daily_calories_kcal: int
    protein_percent: int
    carbs_percent: int
    fat_percent: int
    protein_grams: int
    carbs_grams: int
    fat_grams: int
    water_ml: int
    healthy_weight_min_kg: JsonNumber
    healthy_weight_max_kg: JsonNumber
    current_bmi: JsonNumber
    bmi_category: str


StoredMeasure = Annotated[Decimal, decimal_column(5, 2)]


class GoalOut(ResponseModel):
    id: uuid.UUID
    goal_type: str
    gender: str | None
    birth_date: date | None
    height_cm: StoredMeasure | None
    current_weight_kg: StoredMeasure | None
    target_weight_kg: StoredMeasure | None
    activity_level: str | None
    weight_goal_type: str | None
    weight_change_pace: str | None
    bmr_kcal: int | None
    tdee_kcal: int | None
    daily_calories_kcal: int
    protein_percent: int
    carbs_percent: int
    fat_percent: int
    protein_grams: int
    carbs_grams: int
    fat_grams: int
    water_ml: int
    healthy_weight_min_kg: JsonNumber | None
    healthy_weight_max_kg: JsonNumber | None
    current_bmi: JsonNumber | None
    bmi_category: str | None
    created_at: Timestamp
    updated_at: Timestamp
