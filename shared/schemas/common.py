"""Types shared by the request and response models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer


def format_timestamp(value: datetime) -> str:
    """ISO 8601 in UTC with microseconds and a `Z` suffix, e.g. 2026-03-15T10:30:00.123456Z."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


Timestamp = Annotated[datetime, PlainSerializer(format_timestamp, return_type=str)]


class RequestModel(BaseModel):
    """Request bodies: unknown fields are ignored (the app may send more than we read)."""

    model_config = ConfigDict(extra="ignore")


class ResponseModel(BaseModel):
    """Response bodies, built straight from ORM rows."""

    model_config = ConfigDict(from_attributes=True)
