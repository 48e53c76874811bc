"""Results that services hand back to the routes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

RowT = TypeVar("RowT")
OutT = TypeVar("OutT")


@dataclass(frozen=True)
class Created(Generic[RowT]):
    """A create's outcome: the row, and whether this request made it (201) or found it (200)."""

    row: RowT
    created: bool

    def map(self, convert: Callable[[RowT], OutT]) -> Created[OutT]:
        """The same outcome with the row converted (e.g. an ORM row to its response model)."""
        return Created(convert(self.row), self.created)
