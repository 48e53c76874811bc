"""Which units convert to which, and per-100 figures of a portion, in exact decimals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared.domain.nutrition import MacroTotals, per_100_factor
from shared.domain.units import UNITS, can_convert

MASS, VOLUME = {"mg", "g", "kg"}, {"ml", "l", "tsp", "tbsp", "cup"}


@pytest.mark.parametrize("source", UNITS)
@pytest.mark.parametrize("target", UNITS)
def test_conversion_matrix(source: str, target: str) -> None:
    same_group = {source, target} <= MASS or {source, target} <= VOLUME
    assert can_convert(source, target) is (same_group or source == target)


@pytest.mark.parametrize(
    ("amount", "unit", "gram_weight", "factor"),
    [
        ("100", "g", None, "1"),
        ("1", "kg", None, "0.1"),
        ("250", "mg", None, "400"),
        ("1", "cup", None, Decimal(100) / Decimal(240)),
        ("2", "tbsp", None, Decimal(100) / Decimal(30)),
        ("1", "pcs", "182", Decimal(100) / Decimal(182)),
        ("1", "serving", None, None),
    ],
)
def test_per_100_factor(amount: str, unit: str, gram_weight: str | None, factor) -> None:
    weight = Decimal(gram_weight) if gram_weight else None
    expected = None if factor is None else Decimal(factor)
    assert per_100_factor(Decimal(amount), unit, weight) == expected


def test_macro_totals_add_exactly() -> None:
    one_third = MacroTotals(Decimal(1) / 3, Decimal("0.1"), Decimal(0), Decimal(2))
    total = one_third + one_third + one_third
    assert total.protein == Decimal("0.3")
    assert total.fat == Decimal(6)
    assert abs(total.calories - 1) < Decimal("1e-20")
