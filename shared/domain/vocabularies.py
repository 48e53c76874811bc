"""The closed word lists of the API, defined once: the models' CHECK constraints, the schemas'
enums and the goal maths all read them from here."""

from __future__ import annotations

MEAL_TYPES = ("breakfast", "lunch", "dinner", "snacks", "water")
GOAL_TYPES = ("calculated", "manual")
GENDERS = ("male", "female")
ACTIVITY_LEVELS = ("sedentary", "light", "moderate", "active", "very_active")
WEIGHT_GOAL_TYPES = ("lose", "maintain", "gain")
WEIGHT_CHANGE_PACES = ("slow", "moderate", "aggressive")
BMI_CATEGORIES = ("underweight", "normal", "overweight", "obese")
