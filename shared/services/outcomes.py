"""Results that services hand back to the routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

RowT = TypeVar("RowT")


@dataclass(frozen=True)
class Created(Generic[RowT]):
    """A create's outcome: the row, and whether this request made it (201) or found it (200)."""

    row: RowT
    created: bool
