"""Query parameter types shared by the routes, with their documented ranges.

Integers are read only from plain ASCII digits: pydantic's lax mode would also take "1.0", "+5",
" 5" and other digits than ASCII, which the document's `integer` does not promise and a cache
key or a log would then see in several spellings of one value.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Query
from pydantic import BeforeValidator

_DIGITS = re.compile(r"[0-9]+")


def _plain_digits(value: object) -> object:
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise ValueError("must be written as digits only")
    return value


QueryInt = Annotated[int, BeforeValidator(_plain_digits)]

# OFFSET is sent to PostgreSQL as an `integer`; larger values would overflow it (a 500 before).
MAX_OFFSET = 2_147_483_647


def offset_query(bound_note: str = "") -> Any:
    """The `offset` parameter's declaration; `bound_note` adds a route's own, narrower bound."""
    return Query(ge=0, le=MAX_OFFSET, description=f"0..{MAX_OFFSET}{bound_note}")


Offset = Annotated[QueryInt, offset_query()]
