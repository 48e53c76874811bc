"""The goal formulas of contract §5 on its worked example and on every edge it names."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shared.domain import goal_math
from shared.domain.errors import InvalidValueError
from shared.domain.goal_math import BodyMetrics, calculate

TODAY = date(2026, 6, 15)


def metrics(**overrides: object) -> BodyMetrics:
    """The worked example: male, 30 years, 80 kg, 180 cm, moderate, lose at moderate pace."""
    fields: dict[str, object] = {
        "gender": "male",
        "birth_date": date(1996, 1, 10),
        "height_cm": Decimal("180"),
        "current_weight_kg": Decimal("80"),
        "activity_level": "moderate",
        "weight_goal_type": "lose",
        "weight_change_pace": "moderate",
        **overrides,
    }
    return BodyMetrics(**fields)  # type: ignore[arg-type]


def test_worked_example() -> None:
    goal = calculate(metrics(), TODAY)
    assert (goal.bmr_kcal, goal.tdee_kcal, goal.daily_calories_kcal) == (1780, 2759, 2259)
    assert (goal.protein_percent, goal.carbs_percent, goal.fat_percent) == (30, 35, 35)
    assert (goal.protein_grams, goal.carbs_grams, goal.fat_grams) == (169, 197, 87)
    assert goal.water_ml == 2640
    assert (goal.healthy_weight_min_kg, goal.healthy_weight_max_kg) == (
        Decimal("59.9"),
        Decimal("80.7"),
    )
    assert (goal.current_bmi, goal.bmi_category) == (Decimal("24.7"), "normal")


@pytest.mark.parametrize(
    ("birth_date", "today", "age"),
    [
        (date(1996, 6, 15), date(2026, 6, 15), 30),  # birthday today
        (date(1996, 6, 16), date(2026, 6, 15), 29),  # birthday tomorrow
        (date(1996, 6, 14), date(2026, 6, 15), 30),
        (date(2000, 2, 29), date(2026, 2, 28), 25),  # leap-day birthday: not yet on 28 Feb
        (date(2000, 2, 29), date(2026, 3, 1), 26),  # ... but from 1 March
        (date(2000, 2, 29), date(2028, 2, 29), 28),  # and on the day in a leap year
    ],
)
def test_calendar_age(birth_date: date, today: date, age: int) -> None:
    assert goal_math.age_on(birth_date, today) == age


@pytest.mark.parametrize(
    ("birth_date", "problem"),
    [
        (date(2013, 6, 15), None),  # exactly 13 today
        (date(2013, 6, 16), goal_math.AGE_TOO_LOW),  # 13 tomorrow
        (date(1906, 6, 15), None),  # exactly 120 today
        (date(1906, 6, 14), None),  # 120 and a day is still 120 ...
        (date(1905, 6, 16), None),  # ... until the 121st birthday ...
        (date(1905, 6, 15), goal_math.AGE_TOO_HIGH),  # ... which is today here
        (date(2026, 6, 16), goal_math.BIRTH_DATE_IN_FUTURE),
        (TODAY, goal_math.AGE_TOO_LOW),  # born today: not in the future, but age 0
    ],
)
def test_birth_date_limits(birth_date: date, problem: str | None) -> None:
    assert goal_math.birth_date_problem(birth_date, TODAY) == problem


def test_female_is_166_kcal_below_male() -> None:
    male = goal_math.bmr_kcal("male", Decimal(60), Decimal(165), 40)
    female = goal_math.bmr_kcal("female", Decimal(60), Decimal(165), 40)
    # b = 600 + 1031.25 - 200 = 1431.25: male int(1436.25), female int(1270.25)
    assert (male, female) == (1436, 1270)


def test_bmr_truncates_toward_zero_when_negative() -> None:
    # b = 10 + 6.25 - 600 = -583.75; female int(-744.75) is -744, not -745
    assert goal_math.bmr_kcal("female", Decimal(1), Decimal(1), 120) == -744


@pytest.mark.parametrize(
    ("level", "tdee"),
    [
        ("sedentary", 2136),  # 1780 * 1.2
        ("light", 2447),  # 1780 * 1.375 = 2447.5
        ("moderate", 2759),  # 1780 * 1.55 (a float gives 2759.0000000000005)
        ("active", 3070),  # 1780 * 1.725 = 3070.5
        ("very_active", 3382),  # 1780 * 1.9
    ],
)
def test_every_activity_level(level: str, tdee: int) -> None:
    assert goal_math.tdee_kcal(1780, level) == tdee
    assert (
        calculate(metrics(activity_level=level, weight_goal_type="maintain"), TODAY).tdee_kcal
        == tdee
    )


@pytest.mark.parametrize(
    ("goal_type", "pace", "target"),
    [
        ("maintain", None, 2759),
        ("lose", "slow", 2509),
        ("lose", "moderate", 2259),
        ("lose", "aggressive", 2009),
        ("gain", "slow", 3009),
        ("gain", "moderate", 3259),
        ("gain", "aggressive", 3509),
    ],
)
def test_target_by_goal_and_pace(goal_type: str, pace: str | None, target: int) -> None:
    assert goal_math.target_kcal(2759, goal_type, pace) == target


def test_losing_never_goes_below_the_1200_kcal_floor() -> None:
    assert goal_math.target_kcal(1500, "lose", "aggressive") == 1200
    assert goal_math.target_kcal(1950, "lose", "aggressive") == 1200
    assert goal_math.target_kcal(1951, "lose", "aggressive") == 1201
    small = metrics(
        gender="female",
        height_cm=Decimal(150),
        current_weight_kg=Decimal(45),
        activity_level="sedentary",
        weight_change_pace="aggressive",
    )
    assert calculate(small, TODAY).daily_calories_kcal == 1200


def test_gain_uses_its_own_split() -> None:
    goal = calculate(metrics(weight_goal_type="gain"), TODAY)
    assert goal.daily_calories_kcal == 3259
    assert (goal.protein_percent, goal.carbs_percent, goal.fat_percent) == (30, 45, 25)
    # 3259*0.30/4 = 244.425, 3259*0.45/4 = 366.6375, 3259*0.25/9 = 90.527...
    assert (goal.protein_grams, goal.carbs_grams, goal.fat_grams) == (244, 366, 90)


def test_maintain_split() -> None:
    goal = calculate(metrics(weight_goal_type="maintain", weight_change_pace=None), TODAY)
    assert (goal.protein_percent, goal.carbs_percent, goal.fat_percent) == (25, 45, 30)


def test_overrides_replace_the_computed_values() -> None:
    goal = calculate(metrics(), TODAY, (40, 30, 30), water_override_ml=3000)
    assert (goal.protein_percent, goal.carbs_percent, goal.fat_percent) == (40, 30, 30)
    assert goal.protein_grams == 225 and goal.water_ml == 3000


def test_partial_overrides_must_still_sum_to_100() -> None:
    with pytest.raises(InvalidValueError) as raised:
        calculate(metrics(), TODAY, (40, None, None))  # 40 + 35 + 35
    assert raised.value.field is None
    assert raised.value.detail == "Macro percentages must sum to 100, got 110"
    goal = calculate(metrics(), TODAY, (30, 40, 30))
    assert goal.carbs_percent == 40


def test_a_target_of_zero_or_less_is_refused() -> None:
    tiny = metrics(
        gender="female",
        birth_date=date(1906, 6, 15),
        height_cm=Decimal("1"),
        current_weight_kg=Decimal("1"),
        weight_goal_type="maintain",
        weight_change_pace=None,
    )
    with pytest.raises(InvalidValueError) as raised:
        calculate(tiny, TODAY)
    assert raised.value.field == "current_weight_kg"
    assert "-" in raised.value.detail


def test_a_bmi_too_large_to_store_is_refused() -> None:
    with pytest.raises(InvalidValueError) as raised:
        calculate(metrics(height_cm=Decimal("10"), weight_goal_type="gain"), TODAY)
    assert raised.value.field == "height_cm"


@pytest.mark.parametrize(
    ("kg", "cm", "bmi", "category"),
    [
        ("59.9", "180", "18.5", "normal"),  # 18.487... rounds up to the boundary: normal
        ("59.8", "180", "18.5", "normal"),  # 18.456... rounds to 18.5 as well
        ("59.7", "180", "18.4", "underweight"),
        ("81.0", "180", "25.0", "overweight"),  # 25.0: overweight
        ("80.9", "180", "25.0", "overweight"),  # 24.969... rounds to 25.0
        ("80.8", "180", "24.9", "normal"),
        ("97.1", "180", "30.0", "obese"),  # 29.969... rounds to 30.0
        ("96.9", "180", "29.9", "overweight"),
    ],
)
def test_bmi_bands_on_the_rounded_bmi(kg: str, cm: str, bmi: str, category: str) -> None:
    rounded = goal_math.bmi(Decimal(kg), Decimal(cm))
    assert rounded == Decimal(bmi)
    assert goal_math.bmi_category(rounded) == category


def test_healthy_range_and_water_truncate_as_specified() -> None:
    assert goal_math.healthy_weight_range(Decimal("165")) == (Decimal("50.4"), Decimal("67.8"))
    assert goal_math.water_ml(Decimal("64.55")) == 2130  # 2130.15
