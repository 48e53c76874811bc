"""Day and range stats (contract §4) against an independent computation, through the emulator."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.api import Device, count_statements, queries_after_freshness

# The contract's unit table, written out again here so the check does not reuse the code under test.
SIZES = {
    "mg": Fraction(1, 1000), "g": 1, "kg": 1000,
    "ml": 1, "l": 1000, "tsp": 5, "tbsp": 15, "cup": 240,
    "pcs": 1, "serving": 1,
}  # fmt: skip
GROUPS = [["mg", "g", "kg"], ["ml", "l", "tsp", "tbsp", "cup"], ["pcs"], ["serving"]]
MEALS = ["breakfast", "lunch", "dinner", "snacks", "water"]
ZERO = {"calories": "0.00", "protein": "0.00", "carbs": "0.00", "fat": "0.00"}


def rounded(value: Fraction) -> str:
    """Half-up to 2 places, plain notation."""
    cents = (value * 100 + Fraction(1, 2)).__floor__()
    return f"{Decimal(cents) / 100:.2f}"


def expected_totals(entries: list[dict]) -> dict[str, Fraction]:
    totals = dict.fromkeys(("calories", "protein", "carbs", "fat"), Fraction(0))
    for e in entries:
        p = e["portion"]
        factor = (
            Fraction(e["amount"])
            * SIZES[e["unit"]]
            / (SIZES[p["base_unit"]] * Fraction(p["base_amount"]))
        )
        for key in totals:
            totals[key] += Fraction(p[key] or 0) * factor
    return totals


def as_strings(totals: dict[str, Fraction]) -> dict[str, str]:
    return {key: rounded(value) for key, value in totals.items()}


amounts = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(5000), places=3)
nutrients = st.decimals(min_value=Decimal(0), max_value=Decimal(900), places=3)
portion_specs = st.builds(
    lambda group, unit_index, base_amount, calories, macros: {
        "group": group,
        "base_unit": GROUPS[group][unit_index % len(GROUPS[group])],
        "base_amount": str(base_amount),
        "calories": str(calories),
        **dict(zip(("protein", "carbs", "fat"), macros, strict=True)),
    },
    st.integers(0, len(GROUPS) - 1),
    st.integers(0, 4),
    amounts,
    nutrients,
    st.tuples(*[st.none() | nutrients.map(str)] * 3),
)
entry_specs = st.tuples(
    st.integers(0, 2), st.integers(0, 4), amounts, st.sampled_from(MEALS), st.booleans()
)
day_counter = itertools.count()


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    portions=st.lists(portion_specs, min_size=1, max_size=3),
    entries=st.lists(entry_specs, max_size=8),
    delete_portion=st.booleans(),
    delete_product=st.booleans(),
)
def test_day_stats_equal_an_independent_computation(
    device: Device,
    portions: list[dict],
    entries: list[tuple],
    delete_portion: bool,
    delete_product: bool,
) -> None:
    day = (date(2030, 1, 1) + timedelta(days=next(day_counter))).isoformat()
    product = device.product("Stats")
    made = [
        device.portion(
            product["id"], label=f"p{n}", **{k: v for k, v in spec.items() if k != "group"}
        )
        for n, spec in enumerate(portions)
    ]
    live: list[dict] = []
    for portion_index, unit_index, amount, meal, deleted in entries:
        spec = portions[portion_index % len(portions)]
        group = GROUPS[spec["group"]]
        unit = group[unit_index % len(group)]
        portion = made[portion_index % len(made)]
        entry = device.entry(
            product["id"], portion["id"], day=day, meal_type=meal, amount=str(amount), unit=unit
        )
        if deleted:
            device.delete(f"/v1/food-entries/{entry['id']}")
        else:
            live.append({"portion": spec, "amount": str(amount), "unit": unit, "meal": meal})
    if delete_portion and len(made) > 1:
        assert device.delete(f"/v1/portions/{made[0]['id']}").status_code == 204
    if delete_product:
        assert device.delete(f"/v1/products/{product['id']}").status_code == 204

    stats = device.get(f"/v1/stats/day/{day}").json()
    assert stats["day"] == day
    assert stats["totals"] == as_strings(expected_totals(live))
    by_meal = {
        meal: as_strings(expected_totals([e for e in live if e["meal"] == meal]))
        for meal in {e["meal"] for e in live}
    }
    assert stats["by_meal_type"] == by_meal


def test_empty_day_is_all_zero(device: Device) -> None:
    stats = device.get("/v1/stats/day/2026-01-01")
    assert stats.status_code == 200
    assert stats.json() == {"day": "2026-01-01", "totals": ZERO, "by_meal_type": {}}


def test_day_stats_are_scoped_and_one_statement(device: Device, other_device: Device) -> None:
    theirs = other_device.product()
    other_device.entry(theirs["id"], other_device.portion(theirs["id"])["id"], day="2026-03-15")
    product = device.product()
    portion = device.portion(product["id"], base_amount=100, base_unit="g", calories=200)
    device.entry(product["id"], portion["id"], day="2026-03-15", amount=150, meal_type="water")
    with count_statements("EntriesFunction") as statements:
        stats = device.get("/v1/stats/day/2026-03-15").json()
    assert len(queries_after_freshness(statements)) == 1
    assert stats["totals"]["calories"] == "300.00"
    assert list(stats["by_meal_type"]) == ["water"]


def test_daily_stats_zero_fill_in_order_in_one_statement(device: Device) -> None:
    product = device.product()
    portion = device.portion(product["id"], base_amount=100, base_unit="g", calories=100, fat=1)
    device.entry(product["id"], portion["id"], day="2026-01-05", amount=50)
    device.entry(product["id"], portion["id"], day="2026-01-05", amount=25, unit="g")
    gone = device.entry(product["id"], portion["id"], day="2026-01-07", amount=1000)
    device.delete(f"/v1/food-entries/{gone['id']}")
    device.entry(product["id"], portion["id"], day="2026-03-31", amount="0.5", unit="kg")
    with count_statements("EntriesFunction") as statements:
        response = device.get("/v1/stats/daily", params={"from": "2026-01-01", "to": "2026-03-31"})
    assert len(queries_after_freshness(statements)) == 1
    body = response.json()
    assert (body["from_day"], body["to_day"]) == ("2026-01-01", "2026-03-31")
    points = body["points"]
    assert len(points) == 90
    assert [p["day"] for p in points] == [
        (date(2026, 1, 1) + timedelta(days=n)).isoformat() for n in range(90)
    ]
    by_day = {p["day"]: p["totals"] for p in points}
    assert by_day["2026-01-05"] == {
        "calories": "75.00",
        "protein": "0.00",
        "carbs": "0.00",
        "fat": "0.75",
    }
    assert by_day["2026-03-31"]["calories"] == "500.00"
    assert by_day["2026-01-07"] == ZERO
    assert sum(p["totals"] != ZERO for p in points) == 2


def test_daily_range_limits(device: Device) -> None:
    ok = device.get("/v1/stats/daily", params={"from": "2024-01-01", "to": "2024-12-31"})
    assert ok.status_code == 200 and len(ok.json()["points"]) == 366
    too_long = device.get("/v1/stats/daily", params={"from": "2024-01-01", "to": "2025-01-01"})
    assert too_long.status_code == 422
    assert "366" in too_long.json()["detail"][0]["msg"]
    backwards = device.get("/v1/stats/daily", params={"from": "2024-02-01", "to": "2024-01-01"})
    assert backwards.status_code == 422
    assert backwards.json()["detail"][0]["msg"] == "from must not be after to"
    for params in ({"from": "2024-01-01"}, {"to": "2024-01-01"}, {"from": "x", "to": "y"}):
        assert device.get("/v1/stats/daily", params=params).status_code == 422


def test_stats_need_a_token(client) -> None:
    assert client.get("/v1/stats/day/2026-01-01").status_code == 401


def test_an_exact_half_cent_rounds_up_in_every_group(device: Device) -> None:
    """0.017 g of fat per 0.323 mg, eaten 0.855 mg: exactly 0.045 g, so 0.05 (half-up) both per
    meal and in the total. Found by the property test above: a factor divided out first
    (0.855 / 0.323 does not terminate) made it 0.04499… and the meal's figure 0.04."""
    product = device.product("Half cent")
    portion = device.portion(
        product["id"], label="tiny", base_amount="0.323", base_unit="mg", calories="0", fat="0.017"
    )
    device.entry(product["id"], portion["id"], day="2030-06-01", amount="0.855", unit="mg")
    stats = device.get("/v1/stats/day/2030-06-01").json()
    assert stats["totals"]["fat"] == "0.05"
    assert [meal["fat"] for meal in stats["by_meal_type"].values()] == ["0.05"]
    daily = device.get("/v1/stats/daily?from=2030-06-01&to=2030-06-01").json()
    assert daily["points"][0]["totals"]["fat"] == "0.05"
