"""Schemathesis hooks for the rules the OpenAPI document cannot state, used by `make fuzz`'s run
and the suite's: `infra/local/fuzz.py` has schemathesis load
`infra/local/fuzz_hook_registration.py`, which registers them (importing this module does not).

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
- the sync feed: a cursor the server cannot read becomes one it wrote (from the beginning);
- in the unit phases (the stateful phase links real ids itself), an id in a path names a row
  that exists, in the first valid cases of each operation *sent*: `before_call` creates one for
  the case through the served API as the fuzzing device (`FUZZ_BASE_URL`, `FUZZ_TOKEN`; a
  catalog product of the imported sample, `FUZZ_CATALOG_PRODUCT_ID`), since other cases delete
  rows, a data reset deletes every entry and a new goal replaces the current one; a new food
  entry gets a new product and portion in grams, and an entry's unit converts to grams.

Rows are made as a case is sent, not as it is generated (`map_case`): schemathesis generates all
of an operation's cases in a phase, then sends them last first and stops when the operation's
share of `--max-time` runs out. Rows made at generation went to the cases sent last, which a
short run sometimes never sent, and every valid case it did send was a 404.
"""

from __future__ import annotations

import itertools
import os
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx2
import schemathesis
from pydantic import ValidationError
from schemathesis import GenerationMode

from shared.domain import goal_math, sync_cursor
from shared.domain.days import MAX_RANGE_DAYS
from shared.domain.errors import InvalidValueError
from shared.domain.units import can_convert
from shared.domain.vocabularies import WEIGHT_CHANGE_PACES
from shared.schemas.goals import CalculateRequest, utc_today
from shared.web.input_guard import FORBIDDEN_TEXT

STATEFUL = "stateful"
PERCENTS = ("protein_percent", "carbs_percent", "fat_percent")
NEW_PORTION = {"label": "100 g", "base_amount": 100, "base_unit": "g", "calories": 380}
NEW_ENTRY = {"day": "2026-03-15", "meal_type": "lunch", "amount": 50, "unit": "g"}
PAIR = ("product_id", "portion_id")
_WEIGHT_DAYS = itertools.count()
ROWS_PER_OPERATION = 5
_ROWS_MADE: Counter[tuple[str, str, str]] = Counter()
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


def _sync_cursor(query: dict[str, Any]) -> None:
    try:
        sync_cursor.decode(query.get("cursor"))
    except InvalidValueError:
        query["cursor"] = sync_cursor.encode({})


def created(path: str, body: dict[str, Any]) -> str | None:
    """The id of a row created through the served API as the fuzzing device; None when the
    API refused it (the case then goes as generated)."""
    response = httpx2.post(
        f"{os.environ.get('FUZZ_BASE_URL', '')}{path}",
        json=body,
        headers={"Authorization": f"Bearer {os.environ.get('FUZZ_TOKEN', '')}"},
    )
    return response.json().get("id") if response.status_code in (200, 201) else None


def _new_product() -> str | None:
    return created("/v1/products", {"name": "Fuzz oats"})


def _new_portion() -> tuple[str, str] | None:
    """A new product with a portion in grams: (product id, portion id)."""
    product = _new_product()
    portion = product and created(f"/v1/products/{product}/portions", NEW_PORTION)
    return (product, portion) if product and portion else None


def _new_entry_row() -> tuple[str, str] | None:
    """A new food entry of a new product: (entry id, its portion id)."""
    made = _new_portion()
    entry = made and created("/v1/food-entries", NEW_ENTRY | dict(zip(PAIR, made, strict=True)))
    return (entry, made[1]) if made and entry else None


def _new_weight() -> str | None:
    """A new weight, on a day of its own (one live weight a day)."""
    for _ in range(3):
        day = date(2000, 1, 1) + timedelta(days=next(_WEIGHT_DAYS))
        if weight := created("/v1/body-weights", {"day": day.isoformat(), "weight_kg": 70}):
            return weight
    return None


def _new_row(name: str, case: Any) -> str | None:
    """A row that exists for the path's id, made for this case (a case may delete or change it,
    a data reset deletes every entry, a new goal replaces the current one)."""
    if case.path.startswith("/v1/catalog/"):
        return os.environ.get("FUZZ_CATALOG_PRODUCT_ID")
    if name == "product_id":
        return _new_product()
    if name == "portion_id":
        made = _new_portion()
        return made and made[1]
    if name == "weight_id":
        return _new_weight()
    if name == "goal_id":
        return created("/v1/goals/manual", NEW_GOAL)
    made = _new_entry_row()
    if made and isinstance(case.body, dict) and case.body.get("portion_id") is not None:
        case.body["portion_id"] = made[1]  # a PATCH's portion must be of the entry's product
    return made and made[0]


def _existing_ids(case: Any) -> None:
    parameters = dict(case.path_parameters or {})
    for name in parameters.keys() & set(ID_PARAMETERS):
        if (row := _new_row(name, case)) is not None:
            parameters[name] = row
    case.path_parameters = parameters


def _new_entry(case: Any) -> None:
    body = case.body
    if isinstance(body, dict) and (made := _new_portion()) is not None:
        body.update(zip(PAIR, made, strict=True))
        _grams(body)


def _entry_change(case: Any) -> None:
    if isinstance(case.body, dict) and case.body.get("unit") is not None:
        _grams(case.body)


def _grams(body: dict[str, Any]) -> None:
    """The portions the hooks make are in grams: a unit that converts to them."""
    if not (isinstance(body.get("unit"), str) and can_convert(body["unit"], "g")):
        body["unit"] = "g"


def _on(part: str, rule: Callable[[dict[str, Any]], None]) -> Callable[[Any], None]:
    """`rule` applied to the case's `part` ("body" or "query") when that is an object."""

    def apply(case: Any) -> None:
        value = getattr(case, part)
        if isinstance(value, dict):
            rule(value)

    return apply


# (method, path) -> (the rule, whether it applies in the stateful phase too).
RULES: dict[tuple[str, str], tuple[Callable[[Any], None], bool]] = {
    ("POST", "/v1/goals/manual"): (_on("body", _percents), True),
    ("POST", "/v1/goals/calculate"): (_on("body", _body_metrics), True),
    ("POST", "/v1/goals/calculated"): (_on("body", _calculated_goal), True),
    ("PATCH", "/v1/goals/{goal_id}"): (_on("body", _some_percents), True),
    ("GET", "/v1/stats/daily"): (_on("query", _date_range), True),
    ("GET", "/v1/stats/weight"): (_on("query", _date_range), True),
    ("GET", "/v1/sync/since"): (_on("query", _sync_cursor), True),
    ("PATCH", "/v1/food-entries/{entry_id}"): (_entry_change, False),
}
ID_PARAMETERS = ("product_id", "portion_id", "entry_id", "weight_id", "goal_id")
NEW_ENTRY_OPERATION = ("POST", "/v1/food-entries")


def map_case(context: schemathesis.HookContext, case: Any) -> Any:
    """Complete a positive case to meet the server's rules; anything else as generated."""
    if not _positive(case):
        return case
    case.body = _storable(case.body)
    case.query = _storable(case.query)
    rule = RULES.get((case.method.upper(), case.path))
    if rule is not None and (case.meta.phase.name != STATEFUL or rule[1]):
        rule[0](case)
    return case


def before_call(context: schemathesis.HookContext, case: Any, kwargs: dict[str, Any]) -> None:
    """Rows for the first valid cases of each operation sent in a unit phase (see above)."""
    if not _positive(case) or case.meta.phase.name == STATEFUL:
        return
    if (case.method.upper(), case.path) == NEW_ENTRY_OPERATION:
        if _makes_rows(case):
            _new_entry(case)
    elif any(f"{{{name}}}" in case.path for name in ID_PARAMETERS) and _makes_rows(case):
        _existing_ids(case)


def _positive(case: Any) -> bool:
    return case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE


def _makes_rows(case: Any) -> bool:
    """Whether this case gets rows of its own: the first `ROWS_PER_OPERATION` valid cases of
    each operation sent in each phase (enough to reach past the lookup; the rest keep the ids
    schemathesis gave them, random or seen in earlier responses, so the 404 path is exercised
    too, and the run stays fast)."""
    key = (case.meta.phase.name, case.method.upper(), case.path)
    _ROWS_MADE[key] += 1
    return _ROWS_MADE[key] <= ROWS_PER_OPERATION
