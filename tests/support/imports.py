"""Which third-party packages a module needs at import time, following this repository's own
modules: what a Lambda artifact must carry (or its runtime provide) for a handler to load."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from infra.local.database import REPO_ROOT

LOCAL_PACKAGES = {"shared", "functions", "migrations", "infra"}


def _module_file(name: str) -> Path | None:
    path = REPO_ROOT.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _module_level_imports(tree: ast.Module) -> Iterator[str]:
    """Names imported by statements that run on import (not inside a function or class)."""
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.If | ast.Try | ast.With):
            for field in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(node, field, []):
                    pending += child.body if isinstance(child, ast.ExceptHandler) else [child]


def third_party_imports(files: Iterable[Path]) -> set[str]:
    """Top-level third-party packages that importing `files` imports, through local modules."""
    seen: set[Path] = set()
    found: set[str] = set()
    pending = list(files)
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _module_level_imports(ast.parse(path.read_text())):
            top = name.split(".")[0]
            if top in LOCAL_PACKAGES:
                if module := _module_file(name):
                    pending.append(module)
            elif top not in sys.stdlib_module_names and top != "__future__":
                found.add(top)
    return found
