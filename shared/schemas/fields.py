"""Reusable request field types and the PATCH rule for fields that cannot be null."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import StringConstraints, model_validator

from shared.schemas.common import RequestModel
from shared.units import UNITS

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Barcode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Unit = Literal[UNITS]  # type: ignore[valid-type]


class PatchModel(RequestModel):
    """A PATCH body: a missing field is unchanged, `null` clears a nullable field, and `null` on
    a field listed in `NOT_NULL` is a 422."""

    NOT_NULL: frozenset[str] = frozenset()

    @model_validator(mode="after")
    def _reject_null_on_required(self) -> Any:
        nulled = sorted(
            f for f in self.NOT_NULL & self.model_fields_set if getattr(self, f) is None
        )
        if nulled:
            raise ValueError(f"{', '.join(nulled)} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        """Only the fields the client sent, with their (possibly null) values."""
        return {name: getattr(self, name) for name in self.model_fields_set}
