"""Reusable request field types and the PATCH rule for fields that cannot be null."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from shared.domain.barcodes import InvalidBarcodeError, normalize_barcode
from shared.domain.display_text import SHOWN_TEXT_PATTERN, shows_as_written
from shared.domain.units import UNITS
from shared.schemas.common import RequestModel

NAME_MAX_LENGTH = 200


def _shown_and_trimmed(value: str) -> str:
    """Names and labels show as written (`shared.domain.display_text`) and are stored trimmed."""
    if not shows_as_written(value):
        raise PydanticCustomError(
            "name_text",
            "must contain a visible character, and no control or bidi-override character",
        )
    return value.strip()


# At most 200 characters as sent (what the document says), stored trimmed. The check is Python's
# `re` on the document's own pattern, not a pydantic pattern, whose engine reads escapes otherwise.
Name = Annotated[
    str,
    StringConstraints(max_length=NAME_MAX_LENGTH),
    AfterValidator(_shown_and_trimmed),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": NAME_MAX_LENGTH,
            "pattern": SHOWN_TEXT_PATTERN,
        }
    ),
]


def _normal_barcode(value: str) -> str:
    """Store and compare barcodes in one normal form (`shared.domain.barcodes`), so a 12-digit
    UPC-A from Android and its 13-digit form from iOS are the same product."""
    try:
        return normalize_barcode(value)
    except InvalidBarcodeError as exc:
        raise PydanticCustomError("barcode", str(exc)) from None


# Digits (spaces and dashes are ignored), at least one of them not zero; stored normalized.
BARCODE_PATTERN = r"^[0-9 -]*[1-9][0-9 -]*$"
Barcode = Annotated[
    str,
    StringConstraints(max_length=64, pattern=BARCODE_PATTERN),
    AfterValidator(_normal_barcode),
]
Unit = Literal[UNITS]  # type: ignore[valid-type]  # the unit table's keys, known at run time

_DAY_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _strict_day(value: object) -> object:
    """Only `YYYY-MM-DD` text (or a date) is a day: pydantic alone would also take an integer
    as a Unix timestamp (so `0` became 1970-01-01) or a datetime string."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _DAY_PATTERN.fullmatch(value):
        raise PydanticCustomError("date_format", "must be a date as YYYY-MM-DD")
    return value


# A calendar day in path, query and body alike.
Day = Annotated[
    date,
    BeforeValidator(_strict_day),
    WithJsonSchema({"type": "string", "format": "date"}),
]


class PatchModel(RequestModel):
    """A PATCH body: a missing field is unchanged, `null` clears a nullable field, and `null` on
    a field listed in `NOT_NULL` is a 422."""

    NOT_NULL: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        """The document says what the validator enforces: a `NOT_NULL` field may be left out but
        is never `null` (generated PATCH bodies would otherwise send nulls and get 422s)."""
        schema: dict[str, Any] = handler.resolve_ref_schema(handler(core_schema))
        for name in cls.NOT_NULL:
            field = schema.get("properties", {}).get(name, {})
            branches = [b for b in field.get("anyOf", []) if b.get("type") != "null"]
            if not branches:
                continue
            field.pop("default", None)
            if len(branches) == 1:
                del field["anyOf"]
                field.update(branches[0])
            else:
                field["anyOf"] = branches
        return schema

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
