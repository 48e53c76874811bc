"""Every table of the schema; importing this package fills `Base.metadata` (Alembic reads it)."""

from shared.models.base import Base
from shared.models.body_weight import BodyWeight
from shared.models.catalog import (
    CatalogDelta,
    CatalogImportStaging,
    CatalogPortion,
    CatalogProduct,
    CatalogSearchWord,
)
from shared.models.device import Device
from shared.models.food_entry import FoodEntry
from shared.models.goal import UserGoal
from shared.models.product import Product, ProductPortion
from shared.models.rate_limit import RateLimitHit

__all__ = [
    "Base",
    "BodyWeight",
    "CatalogDelta",
    "CatalogImportStaging",
    "CatalogPortion",
    "CatalogProduct",
    "CatalogSearchWord",
    "Device",
    "FoodEntry",
    "Product",
    "ProductPortion",
    "RateLimitHit",
    "UserGoal",
]
