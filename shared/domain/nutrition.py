"""Nutrition arithmetic on exact decimals: per-100 g/ml figures of a portion, and the factor
that turns a diary entry's amount into its portion's nutrition:

    factor = convert(amount, unit → portion.base_unit) / portion.base_amount
    calories = portion.calories * factor;  each macro = (macro or 0) * factor

Stats compute the same factor in SQL (`shared.repositories.nutrition_sql`, one statement per
request); rounding happens only when values are written out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shared.domain.units import UnitGroup, in_base_unit

HUNDRED = Decimal(100)
ZERO = Decimal(0)


def per_100_factor(
    base_amount: Decimal, base_unit: str, gram_weight: Decimal | None
) -> Decimal | None:
    """What to multiply a portion's values by to get them per 100 g (mass units), per 100 ml
    (volume units), or per 100 g through the portion's gram weight (count units); None when a
    count portion has no gram weight."""
    amount, group = in_base_unit(base_amount, base_unit)
    if group is UnitGroup.COUNT:
        return HUNDRED / gram_weight if gram_weight else None
    return HUNDRED / amount


@dataclass(frozen=True)
class MacroTotals:
    """Unrounded calories and macro grams; rounded only when written out."""

    calories: Decimal = ZERO
    protein: Decimal = ZERO
    carbs: Decimal = ZERO
    fat: Decimal = ZERO

    def __add__(self, other: MacroTotals) -> MacroTotals:
        return MacroTotals(
            self.calories + other.calories,
            self.protein + other.protein,
            self.carbs + other.carbs,
            self.fat + other.fat,
        )
