"""The app's goal formulas (contract §5), pure: no database, no web framework.

Arithmetic is exact decimal, so truncation never lands on the wrong side of an integer through a
binary float artefact (in floats, 1780 * 1.55 is 2759.0000000000005 and 0.29 * 100 is
28.999999999999996). `int` truncates toward zero, as the app's formulas say; BMI and the healthy
range round half-up to one place, like every other rounding in the contract. "Today" is passed in
by the caller (the service uses the UTC date), so every edge is testable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from shared.domain.errors import InvalidValueError
from shared.domain.vocabularies import (
    ACTIVITY_LEVELS,
    BMI_CATEGORIES,
    WEIGHT_CHANGE_PACES,
    WEIGHT_GOAL_TYPES,
)

MIN_AGE_YEARS = 13
MAX_AGE_YEARS = 120
CALORIE_FLOOR_KCAL = 1200
# Keyed by the vocabularies in their order (zip(strict=True) fails at import if they drift apart).
ACTIVITY_MULTIPLIERS = dict(
    zip(ACTIVITY_LEVELS, map(Decimal, ("1.2", "1.375", "1.55", "1.725", "1.9")), strict=True)
)
PACE_KCAL = dict(zip(WEIGHT_CHANGE_PACES, (250, 500, 750), strict=True))
# (protein, carbs, fat) percent of calories, by weight goal.
MACRO_SPLITS = dict(zip(WEIGHT_GOAL_TYPES, ((30, 35, 35), (25, 45, 30), (30, 45, 25)), strict=True))
WATER_ML_PER_KG = 33
KCAL_PER_GRAM = (4, 4, 9)
# Upper bounds (exclusive) of each category, applied to the BMI rounded to one place.
BMI_BANDS = tuple(zip(map(Decimal, ("18.5", "25", "30")), BMI_CATEGORIES[:-1], strict=True))
HEALTHY_BMI = (Decimal("18.5"), Decimal("24.9"))
# current_bmi is NUMERIC(4, 1): a BMI of 1000 or more cannot be stored (or be a person's).
BMI_LIMIT = Decimal(1000)

AGE_TOO_LOW = "Must be at least 13 years old"
AGE_TOO_HIGH = "Invalid birth date"
BIRTH_DATE_IN_FUTURE = "Birth date cannot be in the future"
TARGET_REQUIRED = "target_weight_kg is required for lose/gain goals"
PACE_REQUIRED = "weight_change_pace is required for lose/gain goals"


def _truncate(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_DOWN))


def _one_place(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def age_on(birth_date: date, today: date) -> int:
    """Calendar age: years since birth, minus one until this year's birthday. Someone born on
    29 February has their birthday on 1 March in a year without one."""
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - before_birthday


def birth_date_problem(birth_date: date, today: date) -> str | None:
    """The app's message for a birth date it refuses, or None when the age is 13..120."""
    if birth_date > today:
        return BIRTH_DATE_IN_FUTURE
    age = age_on(birth_date, today)
    if age < MIN_AGE_YEARS:
        return AGE_TOO_LOW
    if age > MAX_AGE_YEARS:
        return AGE_TOO_HIGH
    return None


def bmr_kcal(gender: str, weight_kg: Decimal, height_cm: Decimal, age: int) -> int:
    """Mifflin-St Jeor basal metabolic rate."""
    base = 10 * weight_kg + Decimal("6.25") * height_cm - 5 * age
    return _truncate(base + 5 if gender == "male" else base - 161)


def tdee_kcal(bmr: int, activity_level: str) -> int:
    return _truncate(bmr * ACTIVITY_MULTIPLIERS[activity_level])


def target_kcal(tdee: int, weight_goal_type: str, pace: str | None) -> int:
    """Maintain at TDEE; lose by the pace but never below the floor; gain by the pace."""
    if weight_goal_type == "maintain":
        return tdee
    assert pace is not None, "lose/gain goals are validated to carry a pace"
    if weight_goal_type == "lose":
        return max(CALORIE_FLOOR_KCAL, tdee - PACE_KCAL[pace])
    return tdee + PACE_KCAL[pace]


def macro_grams(kcal: int, percents: tuple[int, int, int]) -> tuple[int, int, int]:
    """Protein, carbs and fat grams of `kcal` split by `percents` (4, 4 and 9 kcal per gram)."""
    protein, carbs, fat = (
        _truncate(Decimal(kcal) * percent / 100 / per_gram)
        for percent, per_gram in zip(percents, KCAL_PER_GRAM, strict=True)
    )
    return protein, carbs, fat


def require_percent_sum(percents: tuple[int, int, int]) -> None:
    """The stored goal's percents must add up to 100 (the table's CHECK says so too)."""
    total = sum(percents)
    if total != 100:
        raise InvalidValueError(None, f"Macro percentages must sum to 100, got {total}")


def water_ml(weight_kg: Decimal) -> int:
    return _truncate(weight_kg * WATER_ML_PER_KG)


def bmi(weight_kg: Decimal, height_cm: Decimal) -> Decimal:
    metres = height_cm / 100
    return _one_place(weight_kg / (metres * metres))


def bmi_category(rounded_bmi: Decimal) -> str:
    for upper, category in BMI_BANDS:
        if rounded_bmi < upper:
            return category
    return BMI_CATEGORIES[-1]


def healthy_weight_range(height_cm: Decimal) -> tuple[Decimal, Decimal]:
    square = (height_cm / 100) ** 2
    low, high = HEALTHY_BMI
    return _one_place(low * square), _one_place(high * square)


@dataclass(frozen=True)
class BodyMetrics:
    """What the calculated goal is computed from (validated by the request model)."""

    gender: str
    birth_date: date
    height_cm: Decimal
    current_weight_kg: Decimal
    activity_level: str
    weight_goal_type: str
    weight_change_pace: str | None


@dataclass(frozen=True)
class GoalFigures:
    """Every computed figure of a goal preview."""

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
    healthy_weight_min_kg: Decimal
    healthy_weight_max_kg: Decimal
    current_bmi: Decimal
    bmi_category: str


def calculate(
    metrics: BodyMetrics,
    today: date,
    percents: tuple[int | None, int | None, int | None] = (None, None, None),
    water_override_ml: int | None = None,
) -> GoalFigures:
    """The goal for these metrics; percents or water given by the client replace the computed
    ones, and the merged percents must sum to 100. A target of 0 kcal or less, or a BMI too large
    to store (a height of a few millimetres), is refused with the field to check."""
    bmr = bmr_kcal(
        metrics.gender,
        metrics.current_weight_kg,
        metrics.height_cm,
        age_on(metrics.birth_date, today),
    )
    tdee = tdee_kcal(bmr, metrics.activity_level)
    kcal = target_kcal(tdee, metrics.weight_goal_type, metrics.weight_change_pace)
    if kcal <= 0:
        message = f"These body metrics give a daily target of {kcal} kcal; it must be above 0"
        raise InvalidValueError("current_weight_kg", message)
    current_bmi = bmi(metrics.current_weight_kg, metrics.height_cm)
    if current_bmi >= BMI_LIMIT:
        message = f"height_cm and current_weight_kg give a BMI of {current_bmi}, which is not valid"
        raise InvalidValueError("height_cm", message)
    defaults = MACRO_SPLITS[metrics.weight_goal_type]
    merged = tuple(
        given if given is not None else default
        for given, default in zip(percents, defaults, strict=True)
    )
    protein_percent, carbs_percent, fat_percent = merged
    require_percent_sum((protein_percent, carbs_percent, fat_percent))
    protein_g, carbs_g, fat_g = macro_grams(kcal, (protein_percent, carbs_percent, fat_percent))
    low, high = healthy_weight_range(metrics.height_cm)
    return GoalFigures(
        bmr_kcal=bmr,
        tdee_kcal=tdee,
        daily_calories_kcal=kcal,
        protein_percent=protein_percent,
        carbs_percent=carbs_percent,
        fat_percent=fat_percent,
        protein_grams=protein_g,
        carbs_grams=carbs_g,
        fat_grams=fat_g,
        water_ml=water_ml(metrics.current_weight_kg)
        if water_override_ml is None
        else water_override_ml,
        healthy_weight_min_kg=low,
        healthy_weight_max_kg=high,
        current_bmi=current_bmi,
        bmi_category=bmi_category(current_bmi),
    )
