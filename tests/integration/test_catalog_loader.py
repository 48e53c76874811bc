"""The catalog loader: idempotent upserts keyed by (source, source_id), errors naming the line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from infra.catalog.seed import DEFAULT_FILE, CatalogFileError, main, parse_lines
from tests.support.catalog import SMALL_CATALOG, load_catalog, portion, product

pytestmark = pytest.mark.usefixtures("clean_db")


def _counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (
            conn.execute(text("SELECT count(*) FROM catalog_products")).scalar_one(),
            conn.execute(text("SELECT count(*) FROM catalog_portions")).scalar_one(),
        )


def test_reloading_updates_in_place_and_never_duplicates(engine: Engine, tmp_path: Path) -> None:
    load_catalog(engine, tmp_path / "a.jsonl")
    first = _counts(engine)
    with engine.connect() as conn:
        apple_id = conn.execute(
            text("SELECT id FROM catalog_products WHERE source_id = 'apple'")
        ).scalar_one()
    load_catalog(engine, tmp_path / "a.jsonl")
    assert _counts(engine) == first

    changed = [p for p in SMALL_CATALOG if p["source_id"] != "apple"] + [
        product(
            "apple",
            "Green apple",
            [portion("1 medium", 1, "pcs", 90, gram_weight=180, is_default=True)],
        )
    ]
    load_catalog(engine, tmp_path / "b.jsonl", changed)
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT id, display_name FROM catalog_products WHERE source_id = 'apple'")
        ).one()
        portions = conn.execute(
            text(
                "SELECT label, calories, is_default FROM catalog_portions"
                " WHERE catalog_product_id = :id"
            ),
            {"id": apple_id},
        ).all()
    assert row.id == apple_id and row.display_name == "Green apple"
    assert [(p.label, float(p.calories), p.is_default) for p in portions] == [
        ("1 medium", 90.0, True)
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"source": "s"}', "source_id"),
        (
            '{"source": "s", "source_id": "1", "name": "n", "display_name": "d", "portions":'
            ' [{"label": "x", "base_amount": 1, "base_unit": "oz", "calories": 1}]}',
            "portions.0.base_unit",
        ),
        (
            '{"source": "s", "source_id": "1", "name": "n", "display_name": "d", "portions": []}',
            "at least one portion",
        ),
        (
            '{"source": "s", "source_id": "1", "name": "n", "display_name": "d", "portions":'
            ' [{"label": "a", "base_amount": 1, "base_unit": "g", "calories": 1,'
            ' "is_default": true}, {"label": "b", "base_amount": 1, "base_unit": "g",'
            ' "calories": 1, "is_default": true}]}',
            "at most one portion",
        ),
    ],
)
def test_errors_name_the_line(line: str, message: str) -> None:
    lines = ["# comment", "", line]
    with pytest.raises(CatalogFileError, match=rf"foods\.jsonl:3: .*{message}"):
        list(parse_lines(lines, "foods.jsonl"))


def test_a_bad_file_loads_nothing(engine: Engine, tmp_path: Path, capsys) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"source": "s"}\n', encoding="utf-8")
    assert main([str(path)]) == 1
    assert "bad.jsonl:1" in capsys.readouterr().err
    assert _counts(engine) == (0, 0)


def test_shipped_dataset_loads_and_is_usable(engine: Engine) -> None:
    assert main([str(DEFAULT_FILE)]) == 0
    products, portions = _counts(engine)
    assert products >= 150
    with engine.connect() as conn:
        without_default = conn.execute(
            text(
                "SELECT count(*) FROM catalog_products p WHERE NOT EXISTS (SELECT 1 FROM"
                " catalog_portions c WHERE c.catalog_product_id = p.id AND c.is_default)"
            )
        ).scalar_one()
        apple = conn.execute(
            text(
                "SELECT display_name FROM catalog_products"
                " WHERE search_document @@ to_tsquery('simple', 'apple:*')"
                " ORDER BY display_name LIMIT 1"
            )
        ).scalar_one()
        words = conn.execute(
            text("SELECT products FROM catalog_search_words WHERE word = 'apple'")
        ).scalar_one()
    assert without_default == 0
    assert portions > products
    assert apple == "Apple"
    assert words >= 2  # the vocabulary of the typo-tolerant tier was rebuilt
