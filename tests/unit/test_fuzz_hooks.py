"""The fuzz hooks (`infra/local/fuzz_hooks.py`) turn schema-valid data into data the server
accepts, by the server's own rules, and leave negative cases alone."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from schemathesis import GenerationMode

from infra.local import fuzz_hooks
from shared.domain import goal_math, sync_cursor
from shared.domain.days import days_between
from shared.domain.errors import InvalidValueError
from shared.domain.goal_math import require_percent_sum
from shared.schemas.goals import CalculatedGoalCreate, utc_today

percent = st.integers(0, 100)
day = st.dates(date(1900, 1, 1), date(2100, 12, 31))


def case(method: str, path: str, mode: GenerationMode, phase: str = "fuzzing", **parts: Any):
    meta = SimpleNamespace(generation=SimpleNamespace(mode=mode), phase=SimpleNamespace(name=phase))
    fields = {"method": method, "path": path, "meta": meta, "body": None, "query": None}
    return SimpleNamespace(**{**fields, "path_parameters": None, **parts})


def send(sent: Any) -> None:
    """What schemathesis does with a case: `map_case` when it is generated, `before_call` when
    it is sent."""
    fuzz_hooks.map_case(None, sent)
    fuzz_hooks.before_call(None, sent, {})


@given(percent, percent, percent, st.booleans())
def test_manual_percents_come_to_100(protein: int, carbs: int, fat: int, floats: bool) -> None:
    written = float if floats else int  # JSON may write an integer as 30.0
    body = {"protein_percent": written(protein), "carbs_percent": carbs, "fat_percent": fat}
    sent = case("POST", "/v1/goals/manual", GenerationMode.POSITIVE, body=body)
    fuzz_hooks.map_case(None, sent)
    values = tuple(sent.body[name] for name in fuzz_hooks.PERCENTS)
    require_percent_sum(values)
    assert all(0 <= value <= 100 for value in values)
    assert sent.body["protein_percent"] == protein


@given(day, day)
def test_stats_ranges_become_ones_the_server_takes(start: date, end: date) -> None:
    query = {"from": start.isoformat(), "to": end.isoformat()}
    sent = case("GET", "/v1/stats/daily", GenerationMode.POSITIVE, query=query)
    fuzz_hooks.map_case(None, sent)
    assert days_between(
        date.fromisoformat(sent.query["from"]), date.fromisoformat(sent.query["to"])
    )


@given(st.text(max_size=40))
def test_sync_cursors_become_ones_the_server_reads(cursor: str) -> None:
    sent = case("GET", "/v1/sync/since", GenerationMode.POSITIVE, query={"cursor": cursor})
    fuzz_hooks.map_case(None, sent)
    sync_cursor.decode(sent.query["cursor"])


def test_a_cursor_the_server_wrote_is_kept() -> None:
    position = sync_cursor.Position(7, uuid.uuid4())
    written = sync_cursor.encode({"products": position})
    sent = case("GET", "/v1/sync/since", GenerationMode.POSITIVE, "stateful",
                query={"cursor": written})  # fmt: skip
    fuzz_hooks.map_case(None, sent)
    assert sent.query == {"cursor": written}


@given(
    day,
    st.sampled_from(["lose", "gain", "maintain"]),
    st.one_of(st.none(), percent),
    st.one_of(st.none(), percent),
    st.sampled_from(["0.01", "1", "170", "300"]),
    st.sampled_from(["0.01", "70", "500"]),
)
def test_calculator_bodies_pass_the_servers_validation(
    birth: date, goal: str, protein: int | None, fat: int | None, height: str, weight: str
) -> None:
    body = {
        "gender": "female",
        "birth_date": birth.isoformat(),
        "height_cm": height,
        "current_weight_kg": weight,
        "activity_level": "moderate",
        "weight_goal_type": goal,
        "protein_percent": protein,
        "fat_percent": fat,
    }
    sent = case("POST", "/v1/goals/calculated", GenerationMode.POSITIVE, body=body)
    fuzz_hooks.map_case(None, sent)
    created = CalculatedGoalCreate.model_validate(sent.body)
    percents = (created.protein_percent, created.carbs_percent, created.fat_percent)
    goal_math.calculate(created.metrics(), utc_today(), percents)
    if any(p is not None for p in percents):
        require_percent_sum(percents)  # type: ignore[arg-type]


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """What the hooks create through the API, recorded instead of sent (ids new-1, new-2…)."""
    monkeypatch.setenv("FUZZ_CATALOG_PRODUCT_ID", "catalog")
    requests: list[tuple[str, dict[str, Any]]] = []

    def create(path: str, body: dict[str, Any]) -> str:
        requests.append((path, body))
        return f"new-{len(requests)}"

    monkeypatch.setattr(fuzz_hooks, "created", create)
    monkeypatch.setattr(fuzz_hooks, "_ROWS_MADE", Counter())
    return requests


def test_new_entries_get_a_new_product_and_portion_and_a_unit_that_converts(
    made: list[tuple[str, dict[str, Any]]],
) -> None:
    body = {"product_id": "x", "portion_id": "y", "unit": "ml", "amount": 1}
    sent = case("POST", "/v1/food-entries", GenerationMode.POSITIVE, body=body)
    send(sent)
    assert sent.body == {"product_id": "new-1", "portion_id": "new-2", "unit": "g", "amount": 1}
    assert [path for path, _ in made] == ["/v1/products", "/v1/products/new-1/portions"]
    linked = {"product_id": "x", "portion_id": "y", "unit": "ml"}
    stateful = case("POST", "/v1/food-entries", GenerationMode.POSITIVE, "stateful", body=linked)
    send(stateful)
    assert stateful.body == {"product_id": "x", "portion_id": "y", "unit": "ml"}  # linked ids
    assert len(made) == 2


@pytest.mark.usefixtures("made")
@pytest.mark.parametrize(
    ("method", "path", "parameter", "expected"),
    [
        ("GET", "/v1/products/{product_id}", "product_id", "new-1"),
        ("POST", "/v1/products/{product_id}/portions", "product_id", "new-1"),
        ("PATCH", "/v1/portions/{portion_id}", "portion_id", "new-2"),
        ("DELETE", "/v1/body-weights/{weight_id}", "weight_id", "new-1"),
        ("DELETE", "/v1/goals/{goal_id}", "goal_id", "new-1"),
        ("GET", "/v1/food-entries/{entry_id}", "entry_id", "new-3"),
        ("GET", "/v1/catalog/products/{product_id}", "product_id", "catalog"),
    ],
)
def test_an_id_in_a_path_names_a_row_made_for_the_case(
    method: str, path: str, parameter: str, expected: str
) -> None:
    sent = case(method, path, GenerationMode.POSITIVE, path_parameters={parameter: "random"})
    send(sent)
    assert sent.path_parameters == {parameter: expected}
    linked = {parameter: "linked"}
    stateful = case(method, path, GenerationMode.POSITIVE, "stateful", path_parameters=linked)
    send(stateful)
    assert stateful.path_parameters == {parameter: "linked"}


def test_an_entry_patch_gets_a_new_entry_and_a_portion_of_its_product_in_grams(
    made: list[tuple[str, dict[str, Any]]],
) -> None:
    body = {"portion_id": "random", "unit": "cup"}
    sent = case("PATCH", "/v1/food-entries/{entry_id}", GenerationMode.POSITIVE, body=body,
                path_parameters={"entry_id": "random"})  # fmt: skip
    send(sent)
    assert sent.path_parameters == {"entry_id": "new-3"}
    assert sent.body == {"portion_id": "new-2", "unit": "g"}
    path, entry = made[2]
    assert path == "/v1/food-entries"
    assert (entry["product_id"], entry["portion_id"]) == ("new-1", "new-2")


def test_rows_go_to_the_first_cases_sent_not_the_first_generated(
    made: list[tuple[str, dict[str, Any]]],
) -> None:
    """Schemathesis generates an operation's cases, then sends them last first and may stop
    when its time share runs out: the cases sent first must be the ones with rows."""
    generated = [
        case(
            "GET",
            "/v1/products/{product_id}",
            GenerationMode.POSITIVE,
            "coverage",
            path_parameters={"product_id": "random"},
        )
        for _ in range(fuzz_hooks.ROWS_PER_OPERATION + 2)
    ]
    for each in generated:
        fuzz_hooks.map_case(None, each)
    assert made == []  # nothing is made for a case that may never be sent
    sent = generated[::-1]
    for each in sent:
        fuzz_hooks.before_call(None, each, {})
    ids = [each.path_parameters["product_id"] for each in sent]
    assert ids[: fuzz_hooks.ROWS_PER_OPERATION] == [
        f"new-{n}" for n in range(1, fuzz_hooks.ROWS_PER_OPERATION + 1)
    ]
    assert ids[-2:] == ["random", "random"]  # these exercise the 404 path
    assert len(made) == fuzz_hooks.ROWS_PER_OPERATION


def test_a_row_the_api_refuses_leaves_the_case_as_generated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fuzz_hooks, "created", lambda path, body: None)
    monkeypatch.setattr(fuzz_hooks, "_ROWS_MADE", Counter())
    sent = case("GET", "/v1/food-entries/{entry_id}", GenerationMode.POSITIVE,
                path_parameters={"entry_id": "random"})  # fmt: skip
    send(sent)
    assert sent.path_parameters == {"entry_id": "random"}


def test_no_string_of_a_valid_body_holds_what_postgresql_cannot_store() -> None:
    body = {"label": "a\x00b", "extra\x00": ["\ud800", {"k": "fine"}], "n": 1}
    sent = case("POST", "/v1/products", GenerationMode.POSITIVE, body=body, query={"q": "\x00"})
    fuzz_hooks.map_case(None, sent)
    assert sent.body == {"label": "a?b", "extra?": ["?", {"k": "fine"}], "n": 1}
    assert sent.query == {"q": "?"}


def test_negative_cases_and_other_operations_are_sent_as_generated() -> None:
    body = {"protein_percent": 90, "carbs_percent": 90, "fat_percent": 90}
    negative = case("POST", "/v1/goals/manual", GenerationMode.NEGATIVE, body={**body, "x": "\x00"})
    fuzz_hooks.map_case(None, negative)
    assert negative.body == {**body, "x": "\x00"}
    other = case("POST", "/v1/body-weights", GenerationMode.POSITIVE, body=dict(body))
    fuzz_hooks.map_case(None, other)
    assert other.body == body
    with pytest.raises(InvalidValueError):
        require_percent_sum(tuple(body.values()))


def test_a_goal_patch_sends_its_percentages_together_summing_to_100() -> None:
    sent = case("PATCH", "/v1/goals/{goal_id}", GenerationMode.POSITIVE, body={"fat_percent": 90})
    fuzz_hooks.map_case(None, sent)
    require_percent_sum(tuple(sent.body[name] for name in fuzz_hooks.PERCENTS))
    calories = case("PATCH", "/v1/goals/{goal_id}", GenerationMode.POSITIVE, body={"water_ml": 9})
    fuzz_hooks.map_case(None, calories)
    assert calories.body == {"water_ml": 9}


def test_importing_the_hooks_registers_nothing() -> None:
    """Schemathesis' registry is global: hooks registered by this import would change the cases
    of the suite's in-process schemathesis run (`tests/api/test_fuzz.py`)."""
    for name, hook in (("map_case", fuzz_hooks.map_case), ("before_call", fuzz_hooks.before_call)):
        assert hook not in schemathesis.hooks.get_all_by_name(name)
