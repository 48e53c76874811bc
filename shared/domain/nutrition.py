"""Nutrition arithmetic on exact decimals: per-100 g/ml figures of a portion, and the factor
that turns a diary entry's amount into its portion's nutrition:

    factor = convert(amount, unit → portion.base_unit) / portion.base_amount
    calories = portion.calories * factor;  each macro = (macro or 0) * factor

Stats compute the factor in SQL (one statement per request); rounding happens only when values
are written out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, Numeric, case, cast, literal_column

from shared.domain.units import UNIT_SIZES, UnitGroup, in_base_unit

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


def unit_size_case(unit_column: ColumnElement[str]) -> ColumnElement[Decimal]:
    """SQL for the size of `unit_column` in its group's base unit (grams, ml, counts). The unit
    names and sizes are this module's constants, written into the SQL text rather than bound:
    as parameters they were 20 per CASE, which the driver re-scanned on every statement."""
    whens = {
        literal_column(f"'{unit}'"): literal_column(str(size))
        for unit, (_, size) in UNIT_SIZES.items()
    }
    return case(whens, value=unit_column)


def entry_factor_sql(
    amount: ColumnElement[Decimal],
    unit: ColumnElement[str],
    base_amount: ColumnElement[Decimal],
    base_unit: ColumnElement[str],
) -> tuple[ColumnElement[Decimal], ColumnElement[Decimal]]:
    """SQL for the factor convert(amount, unit → base_unit) / base_amount as its numerator and
    denominator, both in the group's base unit and exact at 30 decimal places. Callers multiply
    a value by the numerator before dividing: the factor itself rarely terminates (0.855 / 0.323),
    and a truncated factor turns an exact half cent (0.017 * 0.855 / 0.323 = 0.045) into
    0.04499…, which rounds the wrong way."""
    exact = Numeric(60, 30)
    numerator = cast(amount * unit_size_case(unit), exact)
    return numerator, cast(base_amount * unit_size_case(base_unit), exact)
