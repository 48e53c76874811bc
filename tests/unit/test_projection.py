"""The AWS import's items carry projected records (`shared.dump_import.projection`): each
must map to exactly what the whole record maps to, on every record of the real samples, in
every format."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from shared.dump_import.batches import map_batch, mapper_for
from shared.dump_import.projection import projector_for
from shared.dump_import.readers import SourceRecord, open_records
from tests.support.catalog_data import (
    FDC_FOUNDATION,
    OFF_CSV,
    OFF_JSONL,
    OFF_PARQUET,
    fdc_api_food,
    off_products,
)

SAMPLES = [OFF_JSONL, OFF_PARQUET, OFF_CSV, FDC_FOUNDATION]


def _outcomes(records: list[SourceRecord], source: str) -> tuple[list, list]:
    accepted, rejected = map_batch(records, mapper_for(source))
    return accepted, [(r.number, r.reason) for r in rejected]


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_projected_records_map_to_the_same_outcome(sample: Path) -> None:
    stream = open_records(sample)
    project = projector_for(stream.source)
    records = list(stream)
    projected = [
        SourceRecord(r.number, None if r.document is None else project(r.document)) for r in records
    ]
    assert _outcomes(projected, stream.source) == _outcomes(records, stream.source)
    assert len(_outcomes(records, stream.source)[0]) > 0


def test_projection_keeps_a_fraction_of_an_open_food_facts_document() -> None:
    stream = open_records(OFF_JSONL)
    project = projector_for(stream.source)
    whole = projected = 0
    for record in stream:
        assert record.document is not None
        whole += len(orjson.dumps(record.document))
        projected += len(orjson.dumps(project(record.document)))
    assert projected * 5 < whole


def test_fdc_foods_of_every_data_type_map_the_same_projected() -> None:
    project = projector_for("usda")
    mapper = mapper_for("usda")
    for name in ("standard_reference_legacy_food", "branded_food", "liquid_food", "survey_food"):
        food = fdc_api_food(name)
        assert mapper(project(food)) == mapper(food), name


@pytest.mark.parametrize(
    "edit",
    [
        lambda p: p.update(nutriments="not an object"),
        lambda p: p.update(nutriments={"energy_100g": 1500, "fat_100g": 3}),
        lambda p: p.update(nutriments={"energy-kj_100g": 900, "proteins_100g": 4}),
        lambda p: p.update(nutrition={"aggregated_set": "odd"}),
        lambda p: p.update(categories_tags="en:snacks"),
        lambda p: p.update(nutrition={"aggregated_set": {"per": "100g", "nutrients": []}}),
    ],
)
def test_odd_shapes_map_as_the_whole_record_does(edit) -> None:
    product = next(p for p in off_products() if "nutriments" in p and "categories_tags" in p)
    edit(product)
    records = [SourceRecord(1, product)]
    projected = [SourceRecord(1, projector_for("off")(product))]
    assert _outcomes(projected, "off") == _outcomes(records, "off")
