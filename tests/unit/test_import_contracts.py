"""The layer rules of docs/architecture.md as import-linter contracts (`pyproject.toml`): the code
keeps them, and a planted breach of each kind breaks them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin" / "lint-imports"
PACKAGES = ("shared", "functions", "infra", "bench")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_code_keeps_every_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout and "Contracts: 6 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("relative", "source", "contract"),
    [
        ("shared/domain/leaky.py", "from shared.db import engine\n", "layers of shared/"),
        ("shared/repositories/leaky.py", "from shared.services import products\n", "layers"),
        ("shared/schemas/leaky.py", "from shared.models import Product\n", "Schemas are"),
        ("shared/web/leaky.py", "def f():\n    from infra.local import serve\n", "never imports"),
        ("functions/auth/leaky.py", "from functions.sync import routes\n", "independent"),
        ("functions/sync/leaky.py", "from infra.local import ports\n", "no tooling"),
        ("infra/local/leaky.py", "from bench import harness\n", "benchmarks stay"),
    ],
)
def test_a_planted_breach_breaks_its_contract(
    tmp_path: Path, relative: str, source: str, contract: str
) -> None:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / relative).write_text(source)
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout[-3000:]
    assert result.stdout.count(" BROKEN") == 1, result.stdout[-3000:]
    assert contract in result.stdout.split("Broken contracts")[1], result.stdout[-3000:]


def test_the_architecture_table_lists_the_contracts_layers_in_order() -> None:
    """docs/architecture.md's table of shared/ and the layers contract name the same packages in
    the same order (siblings of one layer in the order the contract writes them)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (layers,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    in_contract = [name.strip() for layer in layers["layers"] for name in layer.split("|")]
    doc = (ROOT / "docs" / "architecture.md").read_text().split("## Layers of `shared/`")[1]
    in_table = [f"shared.{name}" for name in re.findall(r"^\| `shared/(\w+)/` \|", doc, re.M)]
    assert in_table == in_contract
