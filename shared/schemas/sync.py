"""Sync pages and the data export (contract §7): each item is the resource's own representation,
plus `deleted_at` in the sync feed (tombstones included)."""

from __future__ import annotations

from pydantic import BaseModel

from shared.schemas.common import Timestamp
from shared.schemas.entries import EntryOut
from shared.schemas.goals import GoalOut
from shared.schemas.products import PortionOut, ProductOut
from shared.schemas.weights import WeightOut


class SyncedProduct(ProductOut):
    deleted_at: Timestamp | None


class SyncedPortion(PortionOut):
    deleted_at: Timestamp | None


class SyncedEntry(EntryOut):
    deleted_at: Timestamp | None


class SyncedGoal(GoalOut):
    deleted_at: Timestamp | None


class SyncedWeight(WeightOut):
    deleted_at: Timestamp | None


class SyncPage(BaseModel):
    cursor: str
    has_more: bool
    products: list[SyncedProduct]
    portions: list[SyncedPortion]
    food_entries: list[SyncedEntry]
    goals: list[SyncedGoal]
    body_weights: list[SyncedWeight]


class ExportedDevice(BaseModel):
    """No device id: with registration open to a known id, an id is a key, and an export is a
    file people share (contract §7)."""

    created_at: Timestamp


class DataExport(BaseModel):
    exported_at: Timestamp
    device: ExportedDevice
    products: list[ProductOut]
    portions: list[PortionOut]
    food_entries: list[EntryOut]
    goals: list[GoalOut]
    body_weights: list[WeightOut]
