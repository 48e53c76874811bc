"""Products, portions and product search."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, StrictBool

from shared.schemas.common import RequestModel, ResponseModel, Timestamp
from shared.schemas.decimals import NonNegativeAmount, PositiveAmount, plain
from shared.schemas.fields import Barcode, Name, PatchModel, Unit


class ProductCreate(RequestModel):
    id: uuid.UUID | None = None
    name: Name
    barcode: Barcode | None = None


class ProductPatch(PatchModel):
    NOT_NULL: ClassVar[frozenset[str]] = frozenset({"name"})
    name: Name | None = None
    barcode: Barcode | None = None


class ProductOut(ResponseModel):
    id: uuid.UUID
    name: str
    barcode: str | None
    created_at: Timestamp
    updated_at: Timestamp


class NameAvailability(BaseModel):
    available: bool


class PortionCreate(RequestModel):
    id: uuid.UUID | None = None
    label: Name
    base_amount: PositiveAmount
    base_unit: Unit
    calories: NonNegativeAmount
    protein: NonNegativeAmount | None = None
    carbs: NonNegativeAmount | None = None
    fat: NonNegativeAmount | None = None
    is_default: StrictBool = False


class PortionPatch(PatchModel):
    NOT_NULL: ClassVar[frozenset[str]] = frozenset(
        {"label", "base_amount", "base_unit", "calories", "is_default"}
    )
    label: Name | None = None
    base_amount: PositiveAmount | None = None
    base_unit: Unit | None = None
    calories: NonNegativeAmount | None = None
    protein: NonNegativeAmount | None = None
    carbs: NonNegativeAmount | None = None
    fat: NonNegativeAmount | None = None
    is_default: StrictBool | None = None


class PortionOut(ResponseModel):
    id: uuid.UUID
    product_id: uuid.UUID
    label: str
    base_amount: PositiveAmount
    base_unit: str
    calories: NonNegativeAmount
    protein: NonNegativeAmount | None
    carbs: NonNegativeAmount | None
    fat: NonNegativeAmount | None
    is_default: bool
    created_at: Timestamp
    updated_at: Timestamp


class SearchItem(BaseModel):
    id: uuid.UUID
    name: str
    source: Literal["user", "catalog"]
    calories_per_100g: float | None
    protein_per_100g: float | None
    carbs_per_100g: float | None
    fat_per_100g: float | None
    catalog_id: uuid.UUID | None
    display_name: str | None
    brand: str | None


def per_100(value: Decimal | None) -> float | None:
    """A per-100 g/ml figure as the JSON number the app expects, rounded half-up to 2 places."""
    return None if value is None else float(plain(value, 2))
