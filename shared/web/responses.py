"""Response helpers shared by the routes."""

from __future__ import annotations

from typing import TypeVar

from fastapi import Response

from shared.services.outcomes import Created

RowT = TypeVar("RowT")


def created_or_found(outcome: Created[RowT], response: Response) -> RowT:
    """201 for a row this request created, 200 for one an idempotent retry found."""
    if not outcome.created:
        response.status_code = 200
    return outcome.row
