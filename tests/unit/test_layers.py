"""What the import contracts (`pyproject.toml`, checked by `test_import_contracts.py`) cannot say,
because it is about other libraries' names: pure rules import no database or web library, and
SQL is built only in `shared/db/`, `shared/repositories/`, `shared/search/` and `shared/models/`
(elsewhere a module may hold a `Session` or a `Row`, never build a statement)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / "shared"
# What outside the SQL layers may take from SQLAlchemy: types to pass around, errors to classify.
SQLALCHEMY_TYPES = {"Connection", "Engine", "Row", "Session"}
SQL_LAYERS = ("shared.db", "shared.repositories", "shared.search", "shared.models")


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> Iterator[tuple[str, list[str]]]:
    """(module, names) for every import in the file, at any depth (lazy imports count)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, [alias.name for alias in node.names]


def under(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def violations(path: Path, root: Path = ROOT) -> list[str]:
    """Every import of `path` (a file under `root`) that breaks a rule, described."""
    me = module_name(path, root)
    found = []
    for target, names in imports(path):
        if under(me, "shared.domain") and under(target, "sqlalchemy", "fastapi", "pydantic"):
            found.append(f"{me} imports {target}: domain is free of database and web libraries")
        if under(me, "shared") and not under(me, *SQL_LAYERS) and under(target, "sqlalchemy"):
            # `import sqlalchemy` would reach every builder through the module: refused too.
            builders = [n for n in names if n not in SQLALCHEMY_TYPES]
            if not names:
                builders = [target]
            if target != "sqlalchemy.exc" and builders:
                found.append(f"{me} imports {builders} from {target}: SQL belongs in {SQL_LAYERS}")
    return found


def shared_modules() -> list[Path]:
    return sorted(SHARED.rglob("*.py"))


@pytest.mark.parametrize("path", shared_modules(), ids=lambda p: module_name(p))
def test_imports_follow_the_layers(path: Path) -> None:
    assert violations(path) == []


def write(root: Path, relative: str, source: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    return path


def test_the_rules_catch_a_breach(tmp_path: Path) -> None:
    """The checker itself: a domain module importing the database is reported."""
    source = "from shared.db.engine import get_engine\nfrom sqlalchemy import select\n"
    bad = write(tmp_path, "shared/domain/leaky.py", source)
    assert violations(bad, tmp_path) == [
        "shared.domain.leaky imports sqlalchemy: domain is free of database and web libraries",
        f"shared.domain.leaky imports ['select'] from sqlalchemy: SQL belongs in {SQL_LAYERS}",
    ]


def test_few_modules_at_the_root_of_shared() -> None:
    """Every module belongs to a layer whose folder a newcomer can guess."""
    loose = sorted(p.name for p in SHARED.glob("*.py") if p.name != "__init__.py")
    assert len(loose) <= 5, loose
    for package in (p for p in SHARED.iterdir() if (p / "__init__.py").is_file()):
        docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text()))
        assert docstring, f"{package.name}/__init__.py says in one line what the package is for"


@pytest.mark.parametrize(
    ("relative", "source", "rule"),
    [
        ("shared/domain/x.py", "from pydantic import BaseModel", "database and web libraries"),
        ("shared/web/x.py", "import sqlalchemy", "SQL belongs"),
        ("shared/services/x.py", "from sqlalchemy import text", "SQL belongs"),
    ],
)
def test_each_rule_is_enforced(tmp_path: Path, relative: str, source: str, rule: str) -> None:
    (found,) = violations(write(tmp_path, relative, source), tmp_path)
    assert rule in found


def test_allowed_imports_pass(tmp_path: Path) -> None:
    source = "from sqlalchemy.orm import Session\nfrom shared.repositories import products\n"
    assert violations(write(tmp_path, "shared/services/x.py", source), tmp_path) == []
