"""Goals through the emulator (contract §5): calculator, creates, current, patch, delete."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, text

from shared.schemas.goals import utc_today
from tests.support.api import MANUAL_GOAL, Device

GOAL_FIELDS = {
    "id", "goal_type", "gender", "birth_date", "height_cm", "current_weight_kg",
    "target_weight_kg", "activity_level", "weight_goal_type", "weight_change_pace", "bmr_kcal",
    "tdee_kcal", "daily_calories_kcal", "protein_percent", "carbs_percent", "fat_percent",
    "protein_grams", "carbs_grams", "fat_grams", "water_ml", "healthy_weight_min_kg",
    "healthy_weight_max_kg", "current_bmi", "bmi_category", "created_at", "updated_at",
}  # fmt: skip


def years_ago(years: int, days: int = 0) -> str:
    today = utc_today()
    birthday = (
        today.replace(year=today.year - years)
        if (today.month, today.day) != (2, 29)
        else (date(today.year - years, 3, 1))
    )
    return date.fromordinal(birthday.toordinal() + days).isoformat()


def example(**fields: Any) -> dict[str, Any]:
    """The contract's worked example: male, 30, 180 cm, 80 kg, moderate, lose at moderate pace."""
    return {
        "gender": "male",
        "birth_date": years_ago(30, days=-10),
        "height_cm": 180,
        "current_weight_kg": 80,
        "activity_level": "moderate",
        "weight_goal_type": "lose",
        "target_weight_kg": "72.5",
        "weight_change_pace": "moderate",
        **fields,
    }


def messages(response) -> list[str]:
    return [error["msg"] for error in response.json()["detail"]]


def live_goals(engine: Engine, device: Device) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM user_goals WHERE device_id = :d AND deleted_at IS NULL"),
            {"d": device.id},
        ).scalar_one()


def test_a_fresh_device_has_no_current_goal(device: Device) -> None:
    response = device.get("/v1/goals/current")
    assert response.status_code == 200
    assert response.text == "null"


def test_calculate_previews_the_worked_example_and_stores_nothing(device: Device) -> None:
    response = device.post("/v1/goals/calculate", example())
    assert response.status_code == 200
    assert response.json() == {
        "bmr_kcal": 1780, "tdee_kcal": 2759, "daily_calories_kcal": 2259, "protein_percent": 30,
        "carbs_percent": 35, "fat_percent": 35, "protein_grams": 169, "carbs_grams": 197,
        "fat_grams": 87, "water_ml": 2640, "healthy_weight_min_kg": 59.9,
        "healthy_weight_max_kg": 80.7, "current_bmi": 24.7, "bmi_category": "normal",
    }  # fmt: skip
    assert device.get("/v1/goals/current").json() is None


def test_calculated_goal_is_stored_and_current(device: Device) -> None:
    response = device.post("/v1/goals/calculated", example())
    assert response.status_code == 201
    goal = response.json()
    assert set(goal) == GOAL_FIELDS
    assert goal["goal_type"] == "calculated"
    assert (goal["height_cm"], goal["current_weight_kg"], goal["target_weight_kg"]) == (
        "180.00",
        "80.00",
        "72.50",
    )
    assert (goal["bmr_kcal"], goal["tdee_kcal"], goal["daily_calories_kcal"]) == (1780, 2759, 2259)
    assert (goal["current_bmi"], goal["bmi_category"]) == (24.7, "normal")
    assert goal["healthy_weight_min_kg"] == 59.9 and goal["water_ml"] == 2640
    assert device.get("/v1/goals/current").json() == goal
    assert device.get(f"/v1/goals/{goal['id']}").json() == goal


def test_overrides_on_a_calculated_goal(device: Device) -> None:
    body = example(protein_percent=40, carbs_percent=30, fat_percent=30, water_ml=3000)
    goal = device.post("/v1/goals/calculated", body).json()
    assert (goal["protein_percent"], goal["protein_grams"], goal["water_ml"]) == (40, 225, 3000)
    partial = device.post("/v1/goals/calculated", example(protein_percent=40))
    assert partial.status_code == 422
    assert messages(partial) == ["Macro percentages must sum to 100, got 110"]
    assert device.get("/v1/goals/current").json() == goal  # the stored goal is unchanged


def test_manual_goal_has_grams_and_no_body_metrics(device: Device) -> None:
    response = device.post("/v1/goals/manual", MANUAL_GOAL)
    assert response.status_code == 201
    goal = response.json()
    assert goal["goal_type"] == "manual"
    assert (goal["protein_grams"], goal["carbs_grams"], goal["fat_grams"]) == (150, 200, 66)
    for field in (
        "gender", "birth_date", "height_cm", "current_weight_kg", "target_weight_kg",
        "activity_level", "weight_goal_type", "weight_change_pace", "bmr_kcal", "tdee_kcal",
        "healthy_weight_min_kg", "healthy_weight_max_kg", "current_bmi", "bmi_category",
    ):  # fmt: skip
        assert goal[field] is None, field


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"birth_date": years_ago(13, days=1)}, "Must be at least 13 years old"),
        ({"birth_date": years_ago(121)}, "Invalid birth date"),
        ({"birth_date": years_ago(0, days=1)}, "Birth date cannot be in the future"),
        ({"target_weight_kg": None}, "target_weight_kg is required for lose/gain goals"),
        ({"weight_change_pace": None}, "weight_change_pace is required for lose/gain goals"),
        (
            {"weight_goal_type": "gain", "weight_change_pace": None},
            "weight_change_pace is required for lose/gain goals",
        ),
    ],
)
def test_the_apps_validation_messages(device: Device, fields: dict, message: str) -> None:
    for route in ("/v1/goals/calculate", "/v1/goals/calculated"):
        response = device.post(route, example(**fields))
        assert response.status_code == 422, route
        assert response.json()["code"] == "VALIDATION_ERROR"
        assert messages(response) == [message]


def test_exact_age_limits_are_accepted(device: Device) -> None:
    for birth_date in (years_ago(13), years_ago(120)):
        response = device.post("/v1/goals/calculate", example(birth_date=birth_date))
        assert response.status_code == 200, birth_date


def test_maintain_needs_neither_target_nor_pace(device: Device) -> None:
    body = example(weight_goal_type="maintain", target_weight_kg=None, weight_change_pace=None)
    goal = device.post("/v1/goals/calculated", body).json()
    assert goal["daily_calories_kcal"] == 2759 and goal["target_weight_kg"] is None


@pytest.mark.parametrize(
    "fields",
    [
        {"height_cm": 0},
        {"height_cm": 300.01},
        {"current_weight_kg": 500.01},
        {"current_weight_kg": "NaN"},
        {"target_weight_kg": -1},
        {"gender": "other"},
        {"activity_level": "extreme"},
        {"weight_goal_type": "bulk"},
        {"weight_change_pace": "fast"},
        {"birth_date": "15/03/1990"},
        {"protein_percent": 101},
        {"water_ml": 10001},
        {"height_cm": 10, "weight_goal_type": "gain"},  # a BMI of 800: overflows its column
        {  # a target of 0 kcal or less
            "gender": "female",
            "birth_date": years_ago(120),
            "height_cm": 1,
            "current_weight_kg": 1,
            "weight_goal_type": "maintain",
        },
    ],
)
def test_out_of_range_inputs_are_422(device: Device, fields: dict) -> None:
    response = device.post("/v1/goals/calculated", example(**fields))
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert device.get("/v1/goals/current").json() is None


@pytest.mark.parametrize(
    "fields",
    [
        {"daily_calories_kcal": 0},
        {"daily_calories_kcal": 10001},
        {"daily_calories_kcal": 2**63},
        {"protein_percent": -1},
        {"fat_percent": 40},  # sums to 110
        {"water_ml": None},
    ],
)
def test_manual_goal_validation(device: Device, fields: dict) -> None:
    response = device.post("/v1/goals/manual", {**MANUAL_GOAL, **fields})
    assert response.status_code == 422, response.text


def test_a_create_replaces_the_current_goal(device: Device, engine: Engine) -> None:
    first = device.post("/v1/goals/manual", MANUAL_GOAL).json()
    second = device.post("/v1/goals/calculated", example()).json()
    assert device.get("/v1/goals/current").json()["id"] == second["id"]
    assert device.get(f"/v1/goals/{first['id']}").status_code == 404
    assert live_goals(engine, device) == 1


def test_patch_recomputes_grams_and_keeps_body_metrics(device: Device) -> None:
    goal = device.post("/v1/goals/calculated", example()).json()
    response = device.patch(
        f"/v1/goals/{goal['id']}",
        {
            "daily_calories_kcal": 2000,
            "protein_percent": 40,
            "carbs_percent": 30,
            "fat_percent": 30,
            "water_ml": 2000,
        },
    )
    assert response.status_code == 200
    patched = response.json()
    assert (patched["protein_grams"], patched["carbs_grams"], patched["fat_grams"]) == (
        200,
        150,
        66,
    )
    assert patched["water_ml"] == 2000
    unchanged = ("bmr_kcal", "tdee_kcal", "current_bmi", "height_cm", "goal_type", "created_at")
    assert {f: patched[f] for f in unchanged} == {f: goal[f] for f in unchanged}
    assert patched["updated_at"] > goal["updated_at"]
    # Body metrics in a PATCH are ignored.
    again = device.patch(f"/v1/goals/{goal['id']}", {"current_weight_kg": 60, "bmr_kcal": 1})
    assert again.status_code == 200 and again.json() == patched


def test_patch_checks_the_merged_percents(device: Device) -> None:
    goal = device.post("/v1/goals/manual", MANUAL_GOAL).json()
    response = device.patch(f"/v1/goals/{goal['id']}", {"protein_percent": 50})
    assert response.status_code == 422
    assert messages(response) == ["Macro percentages must sum to 100, got 120"]
    for body in ({"daily_calories_kcal": None}, {"daily_calories_kcal": 0}, {"water_ml": -1}):
        assert device.patch(f"/v1/goals/{goal['id']}", body).status_code == 422, body
    assert device.get(f"/v1/goals/{goal['id']}").json() == goal


def test_a_patch_that_changes_nothing_keeps_updated_at(device: Device) -> None:
    goal = device.post("/v1/goals/manual", MANUAL_GOAL).json()
    response = device.patch(f"/v1/goals/{goal['id']}", {"protein_percent": 30})
    assert response.json() == goal


def test_delete_then_no_current_goal(device: Device) -> None:
    goal = device.post("/v1/goals/manual", MANUAL_GOAL).json()
    assert device.delete(f"/v1/goals/{goal['id']}").status_code == 204
    assert device.delete(f"/v1/goals/{goal['id']}").status_code == 204  # repeated: still 204
    assert device.get("/v1/goals/current").json() is None
    for response in (
        device.get(f"/v1/goals/{goal['id']}"),
        device.patch(f"/v1/goals/{goal['id']}", {"water_ml": 1}),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": "Goal not found", "code": "NOT_FOUND"}
    assert device.delete(f"/v1/goals/{uuid.uuid4()}").status_code == 404


def test_another_devices_goal_is_404_everywhere(device: Device, other_device: Device) -> None:
    goal = device.post("/v1/goals/manual", MANUAL_GOAL).json()
    path = f"/v1/goals/{goal['id']}"
    assert other_device.get(path).status_code == 404
    assert other_device.patch(path, {"water_ml": 1}).status_code == 404
    assert other_device.delete(path).status_code == 404
    assert other_device.get("/v1/goals/current").json() is None
    assert device.get(path).json() == goal


def test_client_ids_replay_and_conflict(device: Device, other_device: Device) -> None:
    goal_id = str(uuid.uuid4())
    created = device.post("/v1/goals/manual", {**MANUAL_GOAL, "id": goal_id})
    assert created.status_code == 201 and created.json()["id"] == goal_id
    replay = device.post("/v1/goals/manual", {**MANUAL_GOAL, "id": goal_id, "water_ml": 1})
    assert replay.status_code == 200 and replay.json() == created.json()
    assert other_device.post("/v1/goals/manual", {**MANUAL_GOAL, "id": goal_id}).status_code == 409
    assert other_device.get("/v1/goals/current").json() is None
    device.post("/v1/goals/calculated", example())  # retires the first goal
    assert device.post("/v1/goals/manual", {**MANUAL_GOAL, "id": goal_id}).status_code == 409
    calculated_id = str(uuid.uuid4())
    first = device.post("/v1/goals/calculated", example(id=calculated_id))
    assert device.post("/v1/goals/calculated", example(id=calculated_id)).json() == first.json()


def test_concurrent_creates_leave_exactly_one_live_goal(device: Device, engine: Engine) -> None:
    def create(n: int) -> int:
        if n % 2:
            return device.post("/v1/goals/manual", {**MANUAL_GOAL, "water_ml": n}).status_code
        return device.post("/v1/goals/calculated", example(water_ml=n)).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(create, range(16)))
    assert statuses == [201] * 16
    assert live_goals(engine, device) == 1
    with engine.connect() as conn:
        total = conn.execute(
            text("SELECT count(*) FROM user_goals WHERE device_id = :d"), {"d": device.id}
        ).scalar_one()
    assert total == 16


def test_concurrent_replays_of_one_client_id(device: Device, engine: Engine) -> None:
    goal_id = str(uuid.uuid4())
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(
            pool.map(
                lambda _: device.post("/v1/goals/manual", {**MANUAL_GOAL, "id": goal_id}), range(8)
            )
        )
    assert sorted(r.status_code for r in responses) == [200] * 7 + [201]
    assert {r.json()["id"] for r in responses} == {goal_id}
    assert live_goals(engine, device) == 1
