"""Units of amount: their groups, their sizes, and which convert to which (exact decimals).

Mass converts to grams, volume to millilitres; count units (`pcs`, `serving`) convert only to
themselves. Nothing converts between groups: a portion measured in grams cannot be eaten in ml.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum


class UnitGroup(StrEnum):
    MASS = "mass"
    VOLUME = "volume"
    COUNT = "count"


# unit -> (group, size in the group's base unit: grams, millilitres, or the unit itself)
UNIT_SIZES: dict[str, tuple[UnitGroup, Decimal]] = {
    "mg": (UnitGroup.MASS, Decimal("0.001")),
    "g": (UnitGroup.MASS, Decimal(1)),
    "kg": (UnitGroup.MASS, Decimal(1000)),
    "ml": (UnitGroup.VOLUME, Decimal(1)),
    "l": (UnitGroup.VOLUME, Decimal(1000)),
    "tsp": (UnitGroup.VOLUME, Decimal(5)),
    "tbsp": (UnitGroup.VOLUME, Decimal(15)),
    "cup": (UnitGroup.VOLUME, Decimal(240)),
    "pcs": (UnitGroup.COUNT, Decimal(1)),
    "serving": (UnitGroup.COUNT, Decimal(1)),
}

UNITS: tuple[str, ...] = tuple(UNIT_SIZES)


def unit_group(unit: str) -> UnitGroup:
    return UNIT_SIZES[unit][0]


def can_convert(source: str, target: str) -> bool:
    """Mass↔mass and volume↔volume convert; a count unit converts only to itself."""
    if source == target:
        return True
    group = unit_group(source)
    return group is not UnitGroup.COUNT and group is unit_group(target)


def in_base_unit(amount: Decimal, unit: str) -> tuple[Decimal, UnitGroup]:
    """The amount in grams, millilitres or counts, with its group."""
    group, size = UNIT_SIZES[unit]
    return amount * size, group
