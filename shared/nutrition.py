"""Nutrition arithmetic on exact decimals: per-100 g/ml figures of a portion, and (later) the
nutrition of a diary entry. Rounding happens only when values are written out."""

from __future__ import annotations

from decimal import Decimal

from shared.units import UnitGroup, in_base_unit

HUNDRED = Decimal(100)


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
