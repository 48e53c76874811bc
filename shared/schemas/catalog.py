"""The global food catalog as the API shows it."""

from __future__ import annotations

import uuid

from shared.schemas.common import ResponseModel
from shared.schemas.decimals import NonNegativeAmount, PositiveAmount


class CatalogPortionOut(ResponseModel):
    id: uuid.UUID
    label: str
    base_amount: PositiveAmount
    base_unit: str
    gram_weight: PositiveAmount | None
    calories: NonNegativeAmount
    protein: NonNegativeAmount | None
    carbs: NonNegativeAmount | None
    fat: NonNegativeAmount | None
    is_default: bool


class CatalogProductOut(ResponseModel):
    id: uuid.UUID
    source: str
    source_id: str
    name: str
    display_name: str
    brand: str | None
    barcode: str | None
    category: str | None
    default_portion: CatalogPortionOut | None


class CatalogProductDetail(CatalogProductOut):
    portions: list[CatalogPortionOut]
