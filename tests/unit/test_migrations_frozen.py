"""Migrations are frozen: each states what it does as it was when written, so a later edit of
the application's code never changes what a fresh `alembic upgrade` builds."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REVISIONS = sorted((ROOT / "migrations" / "versions").glob("*.py"))
LIVE_CODE = ("shared", "functions", "infra", "bench")


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("revision", REVISIONS, ids=lambda p: p.stem)
def test_a_revision_imports_no_application_code(revision: Path) -> None:
    live = {m for m in imported_modules(revision) if m.split(".")[0] in LIVE_CODE}
    assert live == set()


def test_the_check_sees_an_import_of_application_code(tmp_path: Path) -> None:
    planted = tmp_path / "0099_planted.py"
    planted.write_text("from shared.domain.barcodes import normalized_or_none\nimport alembic\n")
    assert imported_modules(planted) == {"shared.domain.barcodes", "alembic"}


def test_the_frozen_barcode_rule_still_agrees_with_todays() -> None:
    """Today the two agree; the day the live rule changes, this test says so (and the frozen
    copy stays as the revision applied it)."""
    from importlib import util

    from shared.domain.barcodes import normalized_or_none

    [revision] = [path for path in REVISIONS if path.stem.startswith("0005")]
    spec = util.spec_from_file_location("m0005", revision)
    assert spec is not None and spec.loader is not None
    module = util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for text in ("0 70602 60900", "00000012345670", "abc", "", "000", "04963406", None, "1" * 70):
        assert module.normalized_or_none(text) == normalized_or_none(text), text
