"""Days: the filter of the diary list, and the rule every `from`/`to` range route shares (daily
stats, weight stats)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from shared.domain.errors import InvalidValueError

MAX_RANGE_DAYS = 366


class DayFilter(NamedTuple):
    """Which days a list covers; each bound is optional and they combine with AND."""

    on: date | None = None
    start: date | None = None
    end: date | None = None


def days_between(start: date, end: date) -> list[date]:
    """Every day from `start` to `end` inclusive; 422 when `from` is after `to` or the range is
    longer than a year (366 days), naming the parameter to fix."""
    if start > end:
        raise InvalidValueError("from", "from must not be after to")
    length = (end - start).days + 1
    if length > MAX_RANGE_DAYS:
        message = f"the range spans {length} days; at most {MAX_RANGE_DAYS} are allowed"
        raise InvalidValueError("to", message)
    return [start + timedelta(days=n) for n in range(length)]
