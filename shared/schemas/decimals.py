"""Decimal fields as the contract wants them: JSON numbers or numeric strings in, strings out.

A value is rounded half-up to the column's scale (the app sends floats such as 33.333333) and must
then fit the column's precision; NaN, infinities, booleans and overflow are 422, never a 500 from
the database. Output keeps the column scale in plain notation ("100.000", never "1E+2").
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema


def plain(value: Decimal, scale: int) -> str:
    """`value` rounded half-up to `scale` places, in plain notation."""
    return format(value.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP), "f")


def _parser(
    precision: int, scale: int, minimum: Decimal | None, exclusive: bool, maximum: Decimal | None
) -> Any:
    limit = Decimal(10) ** (precision - scale)
    step = Decimal(1).scaleb(-scale)

    def parse(raw: Any) -> Decimal:
        if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
            raise ValueError("must be a number or a numeric string")
        try:
            value = Decimal(str(raw).strip()) if not isinstance(raw, Decimal) else raw
        except InvalidOperation:
            raise ValueError("must be a number or a numeric string") from None
        if not value.is_finite():
            raise ValueError("must be a finite number")
        # Checked before rounding too: quantizing a huge exponent would itself fail.
        if abs(value) >= limit or abs(value := value.quantize(step, ROUND_HALF_UP)) >= limit:
            raise ValueError(f"must be less than {limit} in magnitude")
        if minimum is not None and (value <= minimum if exclusive else value < minimum):
            relation = "greater than" if exclusive else "at least"
            raise ValueError(f"must be {relation} {minimum}")
        if maximum is not None and value > maximum:
            raise ValueError(f"must be at most {maximum}")
        return value

    return parse


def decimal_type(
    precision: int,
    scale: int,
    *,
    gt: float | None = None,
    ge: float | None = None,
    le: float | None = None,
):
    """An annotated Decimal for a NUMERIC(precision, scale) column with optional bounds."""
    minimum = Decimal(str(gt if gt is not None else ge)) if (gt, ge) != (None, None) else None
    maximum = Decimal(str(le)) if le is not None else None
    parse = _parser(precision, scale, minimum, exclusive=gt is not None, maximum=maximum)
    return Annotated[
        Decimal,
        BeforeValidator(parse),
        PlainSerializer(lambda value: plain(value, scale), return_type=str),
        WithJsonSchema({"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}, mode="serialization"),
        WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string"}]}, mode="validation"),
    ]


# NUMERIC(12, 3) columns: amounts, calories and macros.
PositiveAmount = decimal_type(12, 3, gt=0)
NonNegativeAmount = decimal_type(12, 3, ge=0)
