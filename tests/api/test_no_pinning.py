"""Nothing the functions send to PostgreSQL is on RDS Proxy's pinning list
(docs/rds-proxy-pinning.md): the app's whole day, every function, rollbacks and errors included,
counted at the driver."""

from __future__ import annotations

import re

import pytest

from tests.support.api import Device
from tests.support.driver_counter import count_driver

# Statements after which RDS Proxy for PostgreSQL pins the client's session (AWS, "Avoiding
# pinning an RDS Proxy"), plus what psycopg itself could send: DEALLOCATE ALL on a rollback
# when it has prepared statements (psycopg#1105).
PINNING = re.compile(
    r"^\s*(SET\b(?!\s+LOCAL\b)|RESET\b|PREPARE\b|EXECUTE\b|DEALLOCATE\b|DISCARD\b|LISTEN\b"
    r"|UNLISTEN\b|LOAD\b|DECLARE\b.*\bWITH\s+HOLD\b|CREATE\s+(TEMP|TEMPORARY)\b)"
    r"|\bpg_advisory_(xact_)?lock|\bpg_advisory_unlock|\bset_config\s*\(|\bnextval\s*\(|\bsetval\s*\(",
    re.IGNORECASE | re.DOTALL,
)


@pytest.mark.parametrize(
    "statement",
    [
        "SET statement_timeout = 0",
        "set search_path to x",
        "RESET ALL",
        "DEALLOCATE ALL",
        "DISCARD ALL",
        "PREPARE p AS SELECT 1",
        "LISTEN channel",
        "CREATE TEMP TABLE t (x int)",
        "SELECT pg_advisory_lock(1)",
        "SELECT set_config('a.b', 'c', false)",
        "DECLARE c CURSOR WITH HOLD FOR SELECT 1",
    ],
)
def test_the_list_catches_what_pins(statement: str) -> None:
    assert PINNING.search(statement)


def test_nothing_the_functions_send_pins_a_proxy_session(
    device: Device, other_device: Device
) -> None:
    with count_driver("") as counts:
        product = device.product("Oats", barcode="5901234123457")
        portion = device.portion(product["id"], label="cup", base_amount=40, base_unit="g",
                                 calories=150, is_default=False)  # fmt: skip
        device.portion(product["id"], label="cup", base_amount=40, base_unit="g", calories=150)
        entry = device.entry(product["id"], portion["id"])
        device.patch(f"/v1/food-entries/{entry['id']}", {"amount": 2})
        device.get("/v1/food-entries?day=2026-03-15")
        device.get("/v1/stats/day/2026-03-15")
        device.get("/v1/stats/daily?from=2026-03-01&to=2026-03-15")
        device.post("/v1/body-weights", {"weight_kg": 80, "day": "2026-03-15"})
        device.post("/v1/body-weights", {"weight_kg": 81, "day": "2026-03-15"})  # 409, rolled back
        device.post("/v1/goals/manual", {"daily_calories_kcal": 2000, "protein_percent": 30,
                                         "carbs_percent": 40, "fat_percent": 30})  # fmt: skip
        device.get("/v1/goals/current")
        device.get("/v1/products/search?q=oat")
        device.get("/v1/catalog/products/barcode/5901234123457")  # 404
        device.get("/v1/sync/since")
        device.get("/v1/data/export")
        device.delete(f"/v1/products/{product['id']}")
        other_device.get(f"/v1/products/{product['id']}")  # another device's: 404
        other_device.delete("/v1/devices/me")
        other_device.get("/v1/products")  # 403 after erasure
    assert len(counts.statements) > 50
    assert [s for s in counts.statements if PINNING.search(s)] == []
    assert counts.prepared == 0
