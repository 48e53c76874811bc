"""Body weights through the emulator (contract §6): one live weight per day, the app's weight
flow, replays, the chart, isolation and concurrency."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, text

from infra.local.gateway import ApiGateway
from infra.local.template import api_config
from tests.support.api import Device

DAY = "2026-03-15"


@pytest.fixture
def gateway() -> Iterator[ApiGateway]:
    """Eight warm sandboxes per function (the suite's default is four), so eight posts are in
    flight at once."""
    gateway = ApiGateway(api_config(), authorizer_cache_ttl_s=0, sandboxes_per_function=8)
    yield gateway
    gateway.close()


def post(device: Device, day: str = DAY, weight: object = 75.5, **fields: object):
    return device.post("/v1/body-weights", {"day": day, "weight_kg": weight, **fields})


def rows_of_day(engine: Engine, device: Device, day: str = DAY) -> list[tuple]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT weight_kg, deleted_at IS NULL FROM body_weights"
                    " WHERE device_id = :d AND day = :day ORDER BY created_at"
                ),
                {"d": device.id, "day": day},
            )
        )


def test_create_returns_the_weight_with_three_places(device: Device) -> None:
    response = post(device, weight="75.5")
    assert response.status_code == 201
    weight = response.json()
    assert set(weight) == {"id", "day", "weight_kg", "created_at", "updated_at"}
    assert (weight["day"], weight["weight_kg"]) == (DAY, "75.500")
    assert device.get(f"/v1/body-weights/{weight['id']}").json() == weight


def test_the_apps_weight_flow(device: Device) -> None:
    """POST → 409 for another weight that day → list that day → PATCH it."""
    first = post(device, weight=80).json()
    conflict = post(device, weight=79.2)
    assert conflict.status_code == 409
    assert conflict.json() == {"detail": "Weight for this day already exists.", "code": "CONFLICT"}
    listed = device.get("/v1/body-weights", params={"from": DAY, "to": DAY}).json()
    assert [w["id"] for w in listed] == [first["id"]]
    patched = device.patch(f"/v1/body-weights/{first['id']}", {"weight_kg": 79.2})
    assert patched.status_code == 200 and patched.json()["weight_kg"] == "79.200"
    assert patched.json()["updated_at"] > first["updated_at"]


def test_the_same_weight_again_is_200_with_the_stored_row(device: Device) -> None:
    first = post(device, weight=80).json()
    again = post(device, weight="80.000")
    assert again.status_code == 200 and again.json() == first
    rounded = post(device, weight=80.0004)  # rounds half-up to the column's 80.000
    assert rounded.status_code == 200 and rounded.json() == first


def test_client_ids_replay_and_conflict(device: Device, other_device: Device) -> None:
    weight_id = str(uuid.uuid4())
    created = post(device, id=weight_id)
    assert created.status_code == 201 and created.json()["id"] == weight_id
    replay = post(device, id=weight_id, weight=99)
    assert replay.status_code == 200 and replay.json() == created.json()
    assert post(other_device, id=weight_id).status_code == 409
    assert other_device.get("/v1/body-weights").json() == []
    device.delete(f"/v1/body-weights/{weight_id}")
    assert post(device, id=weight_id).status_code == 409


def test_after_a_delete_the_day_is_free_again(device: Device, engine: Engine) -> None:
    first = post(device, weight=80).json()
    assert device.delete(f"/v1/body-weights/{first['id']}").status_code == 204
    assert device.delete(f"/v1/body-weights/{first['id']}").status_code == 204
    second = post(device, weight=81)
    assert second.status_code == 201 and second.json()["id"] != first["id"]
    assert device.get(f"/v1/body-weights/{first['id']}").status_code == 404
    assert rows_of_day(engine, device) == [(80, False), (81, True)]


def test_list_is_live_ascending_and_bounded(device: Device) -> None:
    for day, weight in (("2026-03-20", 80), ("2026-03-01", 82), ("2026-03-10", 81)):
        post(device, day=day, weight=weight)
    gone = post(device, day="2026-03-05", weight=90).json()
    device.delete(f"/v1/body-weights/{gone['id']}")
    days = [w["day"] for w in device.get("/v1/body-weights").json()]
    assert days == ["2026-03-01", "2026-03-10", "2026-03-20"]
    bounded = device.get("/v1/body-weights", params={"from": "2026-03-10", "to": "2026-03-20"})
    assert [w["day"] for w in bounded.json()] == ["2026-03-10", "2026-03-20"]
    only_to = device.get("/v1/body-weights", params={"to": "2026-03-09"})
    assert [w["day"] for w in only_to.json()] == ["2026-03-01"]


def test_weight_stats_without_zero_fill(device: Device) -> None:
    post(device, day="2026-03-02", weight="70.25")
    post(device, day="2026-02-28", weight=71)
    post(device, day="2026-04-01", weight=69)
    response = device.get("/v1/stats/weight", params={"from": "2026-02-28", "to": "2026-03-31"})
    assert response.status_code == 200
    assert response.json() == {
        "from_day": "2026-02-28",
        "to_day": "2026-03-31",
        "points": [
            {"day": "2026-02-28", "weight_kg": "71.000"},
            {"day": "2026-03-02", "weight_kg": "70.250"},
        ],
    }


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-03-02", "to": "2026-03-01"},
        {"from": "2025-01-01", "to": "2026-01-02"},  # 367 days
        {"from": "2026-03-01"},
        {"to": "2026-03-01"},
        {"from": "2026-13-01", "to": "2026-03-01"},
    ],
)
def test_weight_stats_range_rules(device: Device, params: dict) -> None:
    response = device.get("/v1/stats/weight", params=params)
    assert response.status_code == 422
    assert response.json()["code"] == "VALIDATION_ERROR"


def test_a_full_year_is_allowed(device: Device) -> None:
    response = device.get("/v1/stats/weight", params={"from": "2024-01-01", "to": "2024-12-31"})
    assert response.status_code == 200  # 366 days in a leap year


@pytest.mark.parametrize(
    "body",
    [
        {"day": DAY, "weight_kg": 0},
        {"day": DAY, "weight_kg": -70},
        {"day": DAY, "weight_kg": "NaN"},
        {"day": DAY, "weight_kg": "Infinity"},
        {"day": DAY, "weight_kg": 10**5},  # NUMERIC(7, 3) holds less than 10 000
        {"day": DAY, "weight_kg": True},
        {"day": DAY},
        {"weight_kg": 70},
        {"day": "15.03.2026", "weight_kg": 70},
        {"day": DAY, "weight_kg": 70, "id": "not-a-uuid"},
    ],
)
def test_invalid_weights_are_422(device: Device, body: dict) -> None:
    response = device.post("/v1/body-weights", body)
    assert response.status_code == 422, response.text
    assert device.get("/v1/body-weights").json() == []


def test_patch_rules(device: Device) -> None:
    weight = post(device).json()
    path = f"/v1/body-weights/{weight['id']}"
    for body in ({}, {"weight_kg": None}, {"weight_kg": 0}):
        assert device.patch(path, body).status_code == 422, body
    same = device.patch(path, {"weight_kg": 75.5, "day": "2026-01-01"})
    assert same.status_code == 200 and same.json() == weight  # no change, day fixed


def test_another_devices_weight_is_404_everywhere(device: Device, other_device: Device) -> None:
    weight = post(device).json()
    path = f"/v1/body-weights/{weight['id']}"
    assert other_device.get(path).status_code == 404
    assert other_device.patch(path, {"weight_kg": 1}).status_code == 404
    assert other_device.delete(path).status_code == 404
    assert other_device.get("/v1/body-weights").json() == []
    stats = other_device.get("/v1/stats/weight", params={"from": DAY, "to": DAY})
    assert stats.json()["points"] == []
    assert post(other_device, weight=60).status_code == 201  # its own day is free
    assert device.get(path).json() == weight
    assert device.get(f"/v1/body-weights/{uuid.uuid4()}").status_code == 404


def _post_concurrently(device: Device, weights: list[object]) -> list[int]:
    with ThreadPoolExecutor(max_workers=len(weights)) as pool:
        return list(pool.map(lambda w: post(device, weight=w).status_code, weights))


def test_eight_simultaneous_posts_of_one_weight(device: Device, engine: Engine) -> None:
    statuses = _post_concurrently(device, [75.5] * 8)
    assert sorted(statuses) == [200] * 7 + [201]
    assert rows_of_day(engine, device) == [(75.5, True)]


def test_simultaneous_posts_of_different_weights(device: Device, engine: Engine) -> None:
    statuses = _post_concurrently(device, [70 + n for n in range(8)])
    assert sorted(statuses) == [201] + [409] * 7
    rows = rows_of_day(engine, device)
    assert len(rows) == 1 and rows[0][1] is True
