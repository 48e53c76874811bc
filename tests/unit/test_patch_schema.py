"""PATCH bodies in the OpenAPI document say what their validator enforces: a `NOT_NULL` field may
be left out but never sent as null, every other field may be null (it clears the value)."""

from __future__ import annotations

import json

import jsonschema_rs
import pytest
from pydantic import ValidationError

from shared.schemas import entries, goals, products, weights  # noqa: F401 (their models)
from shared.schemas.fields import PatchModel

MODELS = sorted(PatchModel.__subclasses__(), key=lambda model: model.__name__)


def test_every_patch_model_is_checked() -> None:
    assert {model.__name__ for model in MODELS} >= {
        "EntryPatch",
        "GoalPatch",
        "PortionPatch",
        "ProductPatch",
    }


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_null_is_documented_exactly_where_it_is_accepted(model: type[PatchModel]) -> None:
    schema = model.model_json_schema()
    validator = jsonschema_rs.validator_for(schema)
    for name in model.model_fields:
        documented = validator.is_valid({name: None})
        try:
            model.model_validate({name: None})
            accepted = True
        except ValidationError:
            accepted = False
        assert documented == accepted == (name not in model.NOT_NULL), (name, json.dumps(schema))
