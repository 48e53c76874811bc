"""Migrations: a full round trip on an empty database, and models that equal the migrated schema."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from functions.migrate.runner import (
    current_revision,
    downgrade_to_base,
    head_revision,
    upgrade_to_head,
)
from shared.db.engine import violated_constraint
from shared.models import Base


@contextmanager
def rejected_by(constraint: str) -> Iterator[None]:
    """Expect the statement in the block to violate `constraint`."""
    with pytest.raises(DBAPIError) as info:
        yield
    assert violated_constraint(info.value) == constraint


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade_round_trip(scratch_engine: Engine) -> None:
    with scratch_engine.begin() as conn:
        upgrade_to_head(conn)
        assert current_revision(conn) == head_revision()
    assert _tables(scratch_engine) == set(Base.metadata.tables)

    with scratch_engine.begin() as conn:
        downgrade_to_base(conn)
        assert current_revision(conn) is None
    assert _tables(scratch_engine) == set()

    with scratch_engine.begin() as conn:
        upgrade_to_head(conn)
    assert _tables(scratch_engine) == set(Base.metadata.tables)


def test_models_equal_migrated_schema(engine: Engine) -> None:
    """Autogenerate finds nothing to do: the ORM models and the migrations have not drifted."""
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        assert compare_metadata(context, Base.metadata) == []


def _insert_device(conn, device_id: uuid.UUID) -> None:
    conn.execute(text("INSERT INTO devices (id, token_hash) VALUES (:id, 'h')"), {"id": device_id})


def _insert_product(conn, device_id: uuid.UUID) -> uuid.UUID:
    return conn.execute(
        text("INSERT INTO products (device_id, name) VALUES (:d, 'Oats') RETURNING id"),
        {"d": device_id},
    ).scalar_one()


def _insert_portion(conn, device_id: uuid.UUID, product_id: uuid.UUID, default: bool) -> None:
    conn.execute(
        text(
            "INSERT INTO product_portions (device_id, product_id, label, base_amount, base_unit,"
            " calories, is_default) VALUES (:d, :p, '100 g', 100, 'g', 380, :default)"
        ),
        {"d": device_id, "p": product_id, "default": default},
    )


@pytest.mark.usefixtures("clean_db")
def test_one_live_default_portion_per_product(engine: Engine) -> None:
    device = uuid.uuid4()
    with engine.begin() as conn:
        _insert_device(conn, device)
        product = _insert_product(conn, device)
        _insert_portion(conn, device, product, default=True)
    with rejected_by("uq_product_portions_one_default"), engine.begin() as conn:
        _insert_portion(conn, device, product, default=True)


@pytest.mark.usefixtures("clean_db")
def test_portion_cannot_belong_to_another_devices_product(engine: Engine) -> None:
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    with engine.begin() as conn:
        _insert_device(conn, mine)
        _insert_device(conn, theirs)
        their_product = _insert_product(conn, theirs)
    with (
        rejected_by("fk_product_portions_product_id_device_id_products"),
        engine.begin() as conn,
    ):
        _insert_portion(conn, mine, their_product, default=True)


@pytest.mark.usefixtures("clean_db")
def test_one_live_weight_per_day_but_deleted_ones_do_not_count(engine: Engine) -> None:
    device = uuid.uuid4()
    insert = text("INSERT INTO body_weights (device_id, day, weight_kg) VALUES (:d, :day, 70)")
    with engine.begin() as conn:
        _insert_device(conn, device)
        conn.execute(insert, {"d": device, "day": "2026-01-01"})
        conn.execute(text("UPDATE body_weights SET deleted_at = now()"))
        conn.execute(insert, {"d": device, "day": "2026-01-01"})
    with rejected_by("uq_body_weights_device_day_live"), engine.begin() as conn:
        conn.execute(insert, {"d": device, "day": "2026-01-01"})


@pytest.mark.usefixtures("clean_db")
@pytest.mark.parametrize(
    ("protein", "carbs", "fat", "ok"), [(30, 40, 30, True), (30, 40, 31, False)]
)
def test_goal_percents_must_sum_to_100(
    engine: Engine, protein: int, carbs: int, fat: int, ok: bool
) -> None:
    device = uuid.uuid4()
    with engine.begin() as conn:
        _insert_device(conn, device)
    statement = text(
        "INSERT INTO user_goals (device_id, goal_type, daily_calories_kcal, protein_percent,"
        " carbs_percent, fat_percent, protein_grams, carbs_grams, fat_grams, water_ml)"
        " VALUES (:d, 'manual', 2000, :p, :c, :f, 150, 200, 67, 2000)"
    )
    params = {"d": device, "p": protein, "c": carbs, "f": fat}
    if ok:
        with engine.begin() as conn:
            conn.execute(statement, params)
    else:
        with rejected_by("ck_user_goals_percents_sum_100"), engine.begin() as conn:
            conn.execute(statement, params)


@pytest.mark.usefixtures("clean_db")
def test_non_positive_amounts_are_rejected(engine: Engine) -> None:
    device = uuid.uuid4()
    with engine.begin() as conn:
        _insert_device(conn, device)
        product = _insert_product(conn, device)
    with rejected_by("ck_product_portions_base_amount_positive"), engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO product_portions (device_id, product_id, label, base_amount,"
                " base_unit, calories) VALUES (:d, :p, 'x', 0, 'g', 1)"
            ),
            {"d": device, "p": product},
        )


@pytest.mark.usefixtures("clean_db")
def test_catalog_search_columns_are_generated_folded(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO catalog_products (source, source_id, name, display_name, brand)"
                " VALUES ('off', '1', 'x', 'PÂTE à Tartiner, Noisettes', 'Ferrero'),"
                " ('usda', '2', 'x', 'Apples, raw', NULL)"
            )
        )
        rows = conn.execute(
            text(
                "SELECT search_name, search_head, search_text, is_generic,"
                " search_document @@ to_tsquery('simple', 'ferr:* & tart:*') AS words"
                " FROM catalog_products ORDER BY source_id"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        (
            "pate a tartiner, noisettes",
            "pate a tartiner",
            "pate a tartiner, noisettes ferrero",
            False,
            True,
        ),
        ("apples, raw", "apples", "apples, raw ", True, False),
    ]
