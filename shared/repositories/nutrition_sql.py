"""The nutrition factor of `shared.domain.nutrition` as SQL expressions, so that stats aggregate
in the database (one statement per request) with the domain's unit sizes."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ColumnElement, Numeric, SQLColumnExpression, case, cast, literal_column

from shared.domain.units import UNIT_SIZES


def unit_size_case(unit_column: SQLColumnExpression[str]) -> ColumnElement[Decimal]:
    """SQL for the size of `unit_column` in its group's base unit (grams, ml, counts). The unit
    names and sizes are the domain's constants, written into the SQL text rather than bound:
    as parameters they were 20 per CASE, which the driver re-scanned on every statement."""
    whens: dict[ColumnElement[str], ColumnElement[Decimal]] = {
        literal_column(f"'{unit}'"): literal_column(str(size))
        for unit, (_, size) in UNIT_SIZES.items()
    }
    return case(whens, value=unit_column)


def entry_factor_sql(
    amount: SQLColumnExpression[Decimal],
    unit: SQLColumnExpression[str],
    base_amount: SQLColumnExpression[Decimal],
    base_unit: SQLColumnExpression[str],
) -> tuple[ColumnElement[Decimal], ColumnElement[Decimal]]:
    """SQL for the factor convert(amount, unit → base_unit) / base_amount as its numerator and
    denominator, both in the group's base unit and exact at 30 decimal places. Callers multiply
    a value by the numerator before dividing: the factor itself rarely terminates (0.855 / 0.323),
    and a truncated factor turns an exact half cent (0.017 * 0.855 / 0.323 = 0.045) into
    0.04499…, which rounds the wrong way."""
    exact = Numeric(60, 30)
    numerator = cast(amount * unit_size_case(unit), exact)
    return numerator, cast(base_amount * unit_size_case(base_unit), exact)
