"""Query parameter types shared by the routes, with their documented ranges."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

# OFFSET is sent to PostgreSQL as an `integer`; larger values would overflow it (a 500 before).
MAX_OFFSET = 2_147_483_647

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description=f"0..{MAX_OFFSET}")]
