"""Schemathesis hooks for the rules the OpenAPI document cannot state, loaded by `make fuzz`'s
run and the suite's (`SCHEMATHESIS_HOOKS=infra.local.fuzz_hooks`, set by `infra/local/fuzz.py`).

JSON Schema has no sums across fields, no dates relative to today or to another parameter, no
facts about other rows, and no way to keep a character out of every string of a body, extra
properties included. The document states these rules in words; here a *positive* case (data the
document calls valid) is completed so that it also meets them, checked with the server's own
functions and constants, so that generated data reaches the code behind validation. Negative
cases are sent as generated: the checks that refusals are correct still see every one of them.

- every body and query: no NUL or lone surrogate in any string (PostgreSQL cannot store them;
  `shared/web/input_guard.py` answers 422), so such characters become `?`;
- goals: the macro percentages sum to 100 (in a calculated goal or a PATCH, those sent are sent
  together); the birth date gives an age the calculator takes; lose
  and gain goals carry a target weight and a pace; height and weight give a storable BMI and a
  daily target above zero;
- daily and weight stats: `from` is not after `to`, and the range is at most a year;
- in the unit phases (the stateful phase links real ids itself), ids in paths name rows that
  exist: the products, portions and weights the run created for the fuzzing device
  (`FUZZ_ROWS`, `FUZZ_CATALOG_PRODUCT_ID`: one set to read and create under, one to change, one
  to delete, portions in grams), and a food entry or goal the hook creates for the case (a data
  reset deletes every entry, a new goal replaces the current one); a new or changed food entry
  uses the read set's product and portion, with a unit that converts to grams.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx2
import schemathesis
from pydantic import ValidationError
from schemathesis import GenerationMode

from shared.domain import goal_math
from shared.domain.days import MAX_RANGE_DAYS
from shared.domain.errors import InvalidValueError
from shared.domain.units import can_convert
from shared.domain.vocabularies import WEIGHT_CHANGE_PACES
from shared.schemas.goals import CalculateRequest, utc_today
from shared.web.input_guard import FORBIDDEN_TEXT

STATEFUL = "stateful"
PERCENTS = ("protein_percent", "carbs_percent", "fat_percent")
NEW_ENTRY = {"day": "2026-03-15", "meal_type": "lunch", "amount": 50, "unit": "g"}
NEW_GOAL = {"daily_calories_kcal": 2000, "protein_percent": 30, "carbs_percent": 40,
            "fat_percent": 30, "water_ml": 2000}  # fmt: skip
# A body the calculator takes whatever the day: an adult of ordinary height and weight.
TYPICAL_BODY = {"height_cm": "170", "current_weight_kg": "70"}


def _storable(value: Any) -> Any:
    """`value` with every string (object keys included) free of NUL and lone surrogates."""
    if isinstance(value, str):
        return FORBIDDEN_TEXT.sub("?", value)
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value


def _whole(value: Any) -> int | None:
    """An integer, also when JSON wrote it as `30.0`; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if float(value).is_integer() else None


def _percents(body: dict[str, Any]) -> None:
    """Fat takes what protein and carbs leave of 100 (carbs shrink when they leave nothing)."""
    values = [_whole(body.get(name)) for name in PERCENTS]
    if None in values:
        return
    protein, carbs, _fat = values
    carbs = min(carbs, 100 - protein)
    body.update(zip(PERCENTS, (protein, carbs, 100 - protein - carbs), strict=True))


def _calculable(body: dict[str, Any]) -> bool:
    try:
        goal_math.calculate(CalculateRequest.model_validate(body).metrics(), utc_today())
    except (ValidationError, InvalidValueError):
        return False
    return True


def _body_metrics(body: dict[str, Any]) -> None:
    today = utc_today()
    try:
        valid = goal_math.birth_date_problem(date.fromisoformat(body["birth_date"]), today) is None
    except (KeyError, TypeError, ValueError):
        valid = False
    if not valid:
        body["birth_date"] = today.replace(year=today.year - 30, day=1).isoformat()
    if body.get("weight_goal_type") in ("lose", "gain"):
        if body.get("target_weight_kg") is None:
            body["target_weight_kg"] = body.get("current_weight_kg")
        if body.get("weight_change_pace") is None:
            body["weight_change_pace"] = WEIGHT_CHANGE_PACES[0]
    if not _calculable(body):
        body.update(TYPICAL_BODY)


def _some_percents(body: dict[str, Any]) -> None:
    """Percentages that are sent at all are sent together, summing to 100 (a calculated goal's
    and a PATCH's are merged with others the server holds, which a case cannot know)."""
    if any(body.get(name) is not None for name in PERCENTS):
        for name in PERCENTS:
            if _whole(body.get(name)) is None:
                body[name] = 0
        _percents(body)


def _calculated_goal(body: dict[str, Any]) -> None:
    _body_metrics(body)
    _some_percents(body)


def _date_range(query: dict[str, Any]) -> None:
    try:
        start, end = date.fromisoformat(query["from"]), date.fromisoformat(query["to"])
    except (KeyError, TypeError, ValueError):
        return
    start, end = min(start, end), max(start, end)
    if (end - start).days >= MAX_RANGE_DAYS:
        end = start + timedelta(days=(end - start).days % MAX_RANGE_DAYS)
    query["from"], query["to"] = start.isoformat(), end.isoformat()


def _rows() -> dict[str, dict[str, str]]:
    return json.loads(os.environ.get("FUZZ_ROWS", "{}"))


def created(path: str, body: dict[str, Any]) -> str:
    """The id of a row created through the served API as the fuzzing device."""
    response = httpx2.post(
        f"{os.environ['FUZZ_BASE_URL']}{path}",
        json=body,
        headers={"Authorization": f"Bearer {os.environ['FUZZ_TOKEN']}"},
    )
    response.raise_for_status()
    return response.json()["id"]


def _fresh(name: str) -> str:
    """A new food entry (of the read set's product) or manual goal, for one case."""
    if name == "goal_id":
        return created("/v1/goals/manual", NEW_GOAL)
    read = _rows()["read"]
    return created(
        "/v1/food-entries", NEW_ENTRY | {k: read[k] for k in ("product_id", "portion_id")}
    )


def _existing_ids(case: Any) -> None:
    """Path ids of rows that exist: DELETE gets rows of its own, PATCH the rows it may change,
    anything else the rows later cases read; entries and goals are created per case."""
    role = {"DELETE": "delete", "PATCH": "change"}.get(case.method.upper(), "read")
    ids = dict(_rows().get(role, {}))
    if case.path.startswith("/v1/catalog/"):
        ids = {"product_id": os.environ.get("FUZZ_CATALOG_PRODUCT_ID", "")}
    parameters = dict(case.path_parameters or {})
    for name in parameters:
        if name in ("entry_id", "goal_id"):
            parameters[name] = _fresh(name)
        elif ids.get(name):
            parameters[name] = ids[name]
    case.path_parameters = parameters


def _new_entry(case: Any) -> None:
    read = _rows().get("read", {})
    body = case.body
    if not (read and isinstance(body, dict)):
        return
    body["product_id"], body["portion_id"] = read["product_id"], read["portion_id"]
    _grams(body)


def _entry_change(case: Any) -> None:
    """A created entry's portion (read set, grams) and a unit that converts to grams."""
    body = case.body
    if isinstance(body, dict):
        if body.get("portion_id") is not None:
            body["portion_id"] = _rows().get("read", {}).get("portion_id")
        if body.get("unit") is not None:
            _grams(body)


def _grams(body: dict[str, Any]) -> None:
    """The fixtures' portions are in grams: a unit that converts to them."""
    if not (isinstance(body.get("unit"), str) and can_convert(body["unit"], "g")):
        body["unit"] = "g"


def _on_body(rule: Callable[[dict[str, Any]], None]) -> Callable[[Any], None]:
    def apply(case: Any) -> None:
        if isinstance(case.body, dict):
            rule(case.body)

    return apply


def _on_query(rule: Callable[[dict[str, Any]], None]) -> Callable[[Any], None]:
    def apply(case: Any) -> None:
        if isinstance(case.query, dict):
            rule(case.query)

    return apply


# (method, path) -> (the rule, whether it applies in the stateful phase too); operations with
# ids in their path and no rule of their own get `_existing_ids` in the unit phases.
RULES: dict[tuple[str, str], tuple[Callable[[Any], None], bool]] = {
    ("POST", "/v1/goals/manual"): (_on_body(_percents), True),
    ("POST", "/v1/goals/calculate"): (_on_body(_body_metrics), True),
    ("POST", "/v1/goals/calculated"): (_on_body(_calculated_goal), True),
    ("PATCH", "/v1/goals/{goal_id}"): (_on_body(_some_percents), True),
    ("GET", "/v1/stats/daily"): (_on_query(_date_range), True),
    ("GET", "/v1/stats/weight"): (_on_query(_date_range), True),
    ("POST", "/v1/food-entries"): (_new_entry, False),
    ("PATCH", "/v1/food-entries/{entry_id}"): (_entry_change, False),
}
ID_PARAMETERS = ("product_id", "portion_id", "entry_id", "weight_id", "goal_id")


@schemathesis.hook
def map_case(context: schemathesis.HookContext, case: Any) -> Any:
    """Complete a positive case to meet the server's rules; anything else as generated."""
    meta = case.meta
    if meta is None or meta.generation.mode != GenerationMode.POSITIVE:
        return case
    case.body = _storable(case.body)
    case.query = _storable(case.query)
    rule = RULES.get((case.method.upper(), case.path))
    unit_phase = meta.phase.name != STATEFUL
    if rule is not None and (unit_phase or rule[1]):
        rule[0](case)
    if unit_phase and any(f"{{{name}}}" in case.path for name in ID_PARAMETERS):
        _existing_ids(case)
    return case
