"""The OpenAPI document's schema of every decimal input field takes exactly what the server takes:
a value valid by the schema is accepted and an invalid one refused (schemathesis generates from
the schema and checks both ways). Validated with jsonschema_rs, the validator schemathesis uses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from shared.schemas import goals, weights
from shared.schemas.decimals import NonNegativeAmount, PositiveAmount

FIELDS = {
    "amount > 0, NUMERIC(12,3)": PositiveAmount,
    "amount >= 0, NUMERIC(12,3)": NonNegativeAmount,
    "height 0 < cm <= 300, NUMERIC(5,2)": goals.HeightCm,
    "weight 0 < kg <= 500, NUMERIC(5,2)": goals.WeightKg,
    "body weight > 0, NUMERIC(7,3)": weights.WeightKg,
}
EDGES = ["0", "0.0005", "0.005", "300", "500", "10000", "1000000000"]


def _numbers() -> st.SearchStrategy[Any]:
    near_edges = st.builds(
        lambda edge, delta, sign: float(sign * Decimal(edge) + Decimal(delta)),
        st.sampled_from(EDGES),
        st.decimals(min_value=-1, max_value=1, places=6),
        st.sampled_from([1, -1]),
    )
    return st.one_of(
        near_edges,
        st.floats(allow_nan=False, allow_infinity=False),
        st.integers(min_value=-(10**12), max_value=10**12),
    )


def _strings(pattern: str) -> st.SearchStrategy[str]:
    numeric_looking = st.text(alphabet="0123456789.-+e ", max_size=14)
    return st.one_of(st.from_regex(pattern, fullmatch=True), numeric_looking)


def _accepted(adapter: TypeAdapter[Any], value: Any) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("field", FIELDS.values(), ids=FIELDS.keys())
def test_the_schema_takes_exactly_what_the_server_takes(field: Any) -> None:
    adapter = TypeAdapter(field)
    schema = adapter.json_schema(mode="validation")
    validator = jsonschema_rs.validator_for(schema)
    pattern = next(branch["pattern"] for branch in schema["anyOf"] if branch["type"] == "string")

    @settings(max_examples=400, deadline=None)
    @given(st.one_of(_numbers(), _strings(pattern)))
    def agree(value: Any) -> None:
        assert validator.is_valid(value) == _accepted(adapter, value), value

    agree()


@pytest.mark.parametrize(
    ("field", "taken", "refused"),
    [
        (
            PositiveAmount,
            [0.0005, "0.001", "999999999.999", 999999999.9994],
            [0.00049, "0", "0.0001", 999999999.9995, "1e3", " 5"],
        ),
        (NonNegativeAmount, [0, -0.0004, "0.000", "12"], [-0.0005, "-1", "012"]),
        (goals.HeightCm, [300.004, "300.00", "0.01", 180], [300.005, "300.01", "0.00", 0.004]),
    ],
)
def test_edges(field: Any, taken: list[Any], refused: list[Any]) -> None:
    adapter = TypeAdapter(field)
    validator = jsonschema_rs.validator_for(adapter.json_schema(mode="validation"))
    assert [v for v in taken if not (validator.is_valid(v) and _accepted(adapter, v))] == []
    assert [v for v in refused if validator.is_valid(v) or _accepted(adapter, v)] == []
