"""The closed word lists of the API, defined once: each as a `Literal` type (the schemas' enums,
checked by the type checker) and the tuple of its words (the models' CHECK constraints and the
goal maths)."""

from __future__ import annotations

from typing import Literal, get_args

MealType = Literal["breakfast", "lunch", "dinner", "snacks", "water"]
GoalType = Literal["calculated", "manual"]
Gender = Literal["male", "female"]
ActivityLevel = Literal["sedentary", "light", "moderate", "active", "very_active"]
WeightGoalType = Literal["lose", "maintain", "gain"]
WeightChangePace = Literal["slow", "moderate", "aggressive"]
BmiCategory = Literal["underweight", "normal", "overweight", "obese"]

MEAL_TYPES: tuple[str, ...] = get_args(MealType)
GOAL_TYPES: tuple[str, ...] = get_args(GoalType)
GENDERS: tuple[str, ...] = get_args(Gender)
ACTIVITY_LEVELS: tuple[str, ...] = get_args(ActivityLevel)
WEIGHT_GOAL_TYPES: tuple[str, ...] = get_args(WeightGoalType)
WEIGHT_CHANGE_PACES: tuple[str, ...] = get_args(WeightChangePace)
BMI_CATEGORIES: tuple[str, ...] = get_args(BmiCategory)
