"""The catalog import against the real PostgreSQL: the OFF sample in, a re-import that changes no
row, a newer dump that changes one product and (with --full) retires one, a dry run, refusals that
write nothing, and a run killed with SIGKILL that leaves the catalog consistent and completes when
run again."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, text

from infra.catalog import synthetic
from infra.catalog.import_dump import main as import_main
from shared.db.engine import driver_connection
from shared.dump_import.importer import ImportReport, run_import
from shared.dump_import.readers import open_records
from tests.support.catalog_data import OFF_JSONL, off_products

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def connection(database_url: str, clean_db: None) -> Iterator[psycopg.Connection[Any]]:
    with driver_connection(database_url) as conn:
        yield conn


def import_file(
    connection: psycopg.Connection[Any] | None, path: Path, **options: Any
) -> ImportReport:
    return run_import(connection, open_records(path), **options)


def catalog_state(engine: Engine) -> dict[str, tuple[Any, ...]]:
    """Every OFF product with its update time and portions, keyed by code."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT p.source_id, p.updated_at, p.barcode,"
                " array_agg(c.label || '=' || c.calories ORDER BY c.label) AS portions,"
                " count(*) FILTER (WHERE c.is_default) AS defaults"
                " FROM catalog_products p JOIN catalog_portions c ON c.catalog_product_id = p.id"
                " WHERE p.source = 'off' GROUP BY p.id"
            )
        ).all()
    return {r.source_id: (r.updated_at, r.barcode, tuple(r.portions), r.defaults) for r in rows}


def write_jsonl(path: Path, products: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(p) + "\n" for p in products))
    return path


def test_sample_import_then_a_reimport_changes_nothing(
    connection: psycopg.Connection[Any], engine: Engine
) -> None:
    first = import_file(connection, OFF_JSONL)
    assert (first.read, first.inserted, first.updated, first.unchanged) == (1000, 932, 0, 0)
    assert first.rejected == {"no_energy": 47, "no_name": 14, "macros_over_100": 5,
                              "kcal_out_of_range": 2}  # fmt: skip
    before = catalog_state(engine)
    assert len(before) == 932 and {state[3] for state in before.values()} == {1}
    again = import_file(connection, OFF_JSONL)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 932)
    assert catalog_state(engine) == before  # not even updated_at moved
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM catalog_import_staging")).scalar() == 0


def test_a_newer_dump_updates_what_changed_and_full_retires_what_is_gone(
    connection: psycopg.Connection[Any], engine: Engine, tmp_path: Path
) -> None:
    import_file(connection, OFF_JSONL)
    before = catalog_state(engine)
    products = off_products()
    bovetti = next(p for p in products if p["code"] == "0000101209159")
    bovetti["nutriments"]["energy-kcal_100g"] = 600
    gone = next(p for p in products if p["code"] == "0000105000042")
    newer = write_jsonl(tmp_path / "newer.jsonl", [p for p in products if p is not gone])

    partial = import_file(connection, newer)
    assert (partial.inserted, partial.updated, partial.unchanged, partial.retired) == (0, 1, 930, 0)
    after = catalog_state(engine)
    assert after["0000101209159"][2] == ("100 g=600.000",)
    assert after["0000101209159"][0] > before["0000101209159"][0]
    assert "0000105000042" in after  # a partial read never retires

    full = import_file(connection, newer, full=True)
    assert (full.updated, full.retired) == (0, 1)
    final = catalog_state(engine)
    assert "0000105000042" not in final and len(final) == 931
    with engine.connect() as conn:
        orphans = conn.execute(
            text(
                "SELECT count(*) FROM catalog_portions c WHERE NOT EXISTS"
                " (SELECT 1 FROM catalog_products p WHERE p.id = c.catalog_product_id)"
            )
        ).scalar()
    assert orphans == 0


def test_dry_run_and_limit(connection: psycopg.Connection[Any], engine: Engine) -> None:
    dry = import_file(None, OFF_JSONL)
    assert (dry.read, dry.staged, dry.inserted) == (1000, 932, 0)
    assert catalog_state(engine) == {}
    limited = import_file(connection, OFF_JSONL, limit=10)
    assert limited.read == 10 and not limited.complete
    assert len(catalog_state(engine)) == limited.inserted
    with pytest.raises(ValueError, match="whole file"):
        import_file(connection, OFF_JSONL, limit=10, full=True)


def test_refusals_write_nothing(
    clean_db: None, engine: Engine, scratch_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    assert import_main([str(tmp_path / "missing.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err
    notes = tmp_path / "notes.txt"
    notes.write_text("not a dump\n")
    assert import_main([str(notes)]) == 2
    assert "not a catalog dump" in capsys.readouterr().err
    assert import_main([str(OFF_JSONL), "--source", "usda"]) == 2
    assert "not a usda dump" in capsys.readouterr().err
    monkeypatch.setenv("DATABASE_URL", scratch_url)  # an empty, unmigrated database
    assert import_main([str(OFF_JSONL), "--rejects", str(tmp_path / "r.jsonl")]) == 2
    assert "run `make migrate` first" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        import_main([str(OFF_JSONL), "--full", "--limit", "5"])
    assert catalog_state(engine) == {}


def test_a_killed_import_leaves_a_consistent_catalog_and_a_rerun_completes_it(
    clean_db: None, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    dump = tmp_path / "synthetic.jsonl.gz"
    synthetic.write(dump, 60_000)  # three merge chunks
    command = [sys.executable, "-m", "infra.catalog.import_dump", str(dump),
               "--rejects", str(tmp_path / "rejects.jsonl")]  # fmt: skip
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    merged = 0
    while time.monotonic() < deadline and process.poll() is None:
        with engine.connect() as conn:
            merged = conn.execute(text("SELECT count(*) FROM catalog_products")).scalar_one()
        if merged:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the import had ended before the kill"
    assert merged > 0, "the import was killed before it merged anything"
    with engine.connect() as conn:
        products = conn.execute(text("SELECT count(*) FROM catalog_products")).scalar_one()
        broken = conn.execute(
            text(
                "SELECT count(*) FROM catalog_products p WHERE (SELECT count(*)"
                " FROM catalog_portions c WHERE c.catalog_product_id = p.id AND c.is_default) <> 1"
            )
        ).scalar_one()
    assert broken == 0  # every merged product has its portions: chunks are atomic
    rerun = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=False)
    assert rerun.returncode == 0, rerun.stderr.decode()[-2000:]
    with gzip.open(dump, "rt") as lines:
        assert sum(1 for _ in lines) == 60_000
    state = catalog_state(engine)
    rejected = sum(1 for _ in (tmp_path / "rejects.jsonl").open())
    assert len(state) == 60_000 - rejected
    assert products < len(state), "the kill landed after the last merge: nothing was left to resume"
    assert {s[3] for s in state.values()} == {1}
