"""Decimal fields as the contract wants them: JSON numbers or decimal strings in, strings out.

A number is rounded half-up to the column's scale (the app sends floats such as 33.333333) and
must then fit the column's precision and the field's bounds; NaN, infinities, booleans and
overflow are 422, never a 500 from the database. A string is what the API itself writes (plain
notation, at most the column's scale, as the app echoes it back) within the same bounds. Output
keeps the column scale in plain notation ("100.000", never "1E+2").

The OpenAPI document says exactly what is accepted, so generated requests (schemathesis) pass
validation: numbers get the bounds that rounding implies (`0.0005` rounds to `0.001`, so it is
the least number a `> 0` field at scale 3 takes), strings a pattern, and the parser checks
strings against that very pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from annotated_types import GroupedMetadata
from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema


def plain(value: Decimal, scale: int) -> str:
    """`value` rounded half-up to `scale` places, in plain notation."""
    return format(value.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP), "f")


def _digits(count: int) -> str:
    """Up to `count` more digits."""
    return rf"[0-9]{{0,{count}}}" if count > 0 else ""


def _nonzero_fraction(scale: int) -> str:
    """1 to `scale` decimals, not all zero."""
    return "|".join("0" * zeros + "[1-9]" + _digits(scale - zeros - 1) for zeros in range(scale))


def _positive_pattern(int_digits: int, scale: int) -> str:
    """Plain decimals > 0 with at most `int_digits` integer digits and `scale` decimals, no
    leading zeros."""
    whole = rf"[1-9]{_digits(int_digits - 1)}(?:\.[0-9]{{1,{scale}}})?"
    return rf"{whole}|0\.(?:{_nonzero_fraction(scale)})"


def _below_pattern(maximum: Decimal, scale: int) -> str:
    """Plain decimals in (0, maximum] for a maximum of the form d x 10^k (300, 500)."""
    lead, zeros = int(str(maximum)[0]), len(str(maximum)) - 1
    if maximum != lead * 10**zeros or maximum < 10:
        raise ValueError(f"no pattern for a maximum of {maximum}")
    decimals = rf"(?:\.[0-9]{{1,{scale}}})?"
    below = [rf"[1-9]{_digits(zeros - 1)}{decimals}"]
    if lead > 1:
        below.append(rf"[1-{lead - 1}][0-9]{{{zeros}}}{decimals}")
    fraction = rf"0\.(?:{_nonzero_fraction(scale)})"
    return "|".join([*below, fraction, rf"{maximum}(?:\.0{{1,{scale}}})?"])


def string_pattern(
    precision: int, scale: int, minimum: Decimal | None, exclusive: bool, maximum: Decimal | None
) -> str:
    """The decimal strings a field takes, as a regular expression (anchored)."""
    int_digits = precision - scale
    plain_number = rf"(?:0|[1-9]{_digits(int_digits - 1)})(?:\.[0-9]{{1,{scale}}})?"
    if minimum is None and maximum is None:
        body = rf"-?{plain_number}"
    elif minimum == 0 and not exclusive and maximum is None:
        body = plain_number
    elif minimum == 0 and exclusive and maximum is None:
        body = _positive_pattern(int_digits, scale)
    elif minimum == 0 and exclusive and maximum is not None:
        body = _below_pattern(maximum, scale)
    else:
        raise ValueError(f"no pattern for bounds {minimum}, {maximum}")
    return rf"^(?:{body})$"


def number_bounds(
    precision: int, scale: int, minimum: Decimal | None, exclusive: bool, maximum: Decimal | None
) -> dict[str, float]:
    """The JSON Schema bounds of the numbers a field takes once rounded half-up (away from zero
    on a tie) to `scale`: a number is taken when its rounded value is within the field's bounds
    and below the column's limit in magnitude."""
    half = Decimal(1).scaleb(-scale) / 2
    limit = Decimal(10) ** (precision - scale)
    upper = limit - half if maximum is None else min(limit - half, maximum + half)
    bounds: dict[str, Decimal] = {"exclusiveMaximum": upper}
    if minimum is None:
        bounds["exclusiveMinimum"] = -(limit - half)
    elif exclusive:  # rounded > minimum (a minimum of 0 or more)
        bounds["minimum"] = minimum + half
    elif minimum == 0:  # -half rounds to -step; anything above rounds to 0 or more
        bounds["exclusiveMinimum"] = -half
    else:
        bounds["minimum"] = minimum - half
    return {key: float(value) for key, value in bounds.items()}


def _parser(
    precision: int, scale: int, minimum: Decimal | None, exclusive: bool, maximum: Decimal | None
) -> Any:
    limit = Decimal(10) ** (precision - scale)
    step = Decimal(1).scaleb(-scale)
    pattern = re.compile(string_pattern(precision, scale, minimum, exclusive, maximum))

    def parse(raw: Any) -> Decimal:
        if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
            raise ValueError("must be a number or a decimal string")
        if isinstance(raw, str) and not pattern.match(raw):
            raise ValueError(
                f"a string must be a plain decimal with at most {scale} decimals within bounds"
            )
        try:
            value = Decimal(str(raw).strip()) if not isinstance(raw, Decimal) else raw
        except InvalidOperation:
            raise ValueError("must be a number or a decimal string") from None
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


class _Metadata(GroupedMetadata):
    """Several pydantic annotations as one, which pydantic unpacks: written as
    `Annotated[Decimal, decimal_column(...)]`, a decimal field is a type alias to type checkers."""

    def __init__(self, *items: object) -> None:
        self._items = items

    def __iter__(self) -> Iterator[object]:
        return iter(self._items)


def decimal_column(
    precision: int,
    scale: int,
    *,
    gt: float | None = None,
    ge: float | None = None,
    le: float | None = None,
) -> GroupedMetadata:
    """The annotations of a Decimal for a NUMERIC(precision, scale) column with optional
    bounds."""
    minimum = Decimal(str(gt if gt is not None else ge)) if (gt, ge) != (None, None) else None
    maximum = Decimal(str(le)) if le is not None else None
    exclusive = gt is not None
    parse = _parser(precision, scale, minimum, exclusive, maximum)
    accepted = {
        "anyOf": [
            {"type": "number", **number_bounds(precision, scale, minimum, exclusive, maximum)},
            {
                "type": "string",
                "pattern": string_pattern(precision, scale, minimum, exclusive, maximum),
            },
        ]
    }
    return _Metadata(
        BeforeValidator(parse),
        PlainSerializer(lambda value: plain(value, scale), return_type=str),
        WithJsonSchema({"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}, mode="serialization"),
        WithJsonSchema(accepted, mode="validation"),
    )


# NUMERIC(12, 3) columns: amounts, calories and macros.
PositiveAmount = Annotated[Decimal, decimal_column(12, 3, gt=0)]
NonNegativeAmount = Annotated[Decimal, decimal_column(12, 3, ge=0)]
