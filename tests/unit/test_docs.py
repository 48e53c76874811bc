"""The documentation tells the truth about the tree: every relative link in README.md and docs/
resolves (file and heading), every repository path written in backticks exists, and every
`shared.…`/`functions.…` name written in backticks can be imported. README stays a front door."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE = re.compile(r"`([^`\s]+)`")
TOP_FOLDERS = ("shared", "functions", "infra", "tests", "bench", "migrations", "docs", "events")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    return {slug(m) for m in re.findall(r"^#+ (.+)$", page.read_text(), flags=re.M)}


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_relative_links_resolve(page: Path) -> None:
    broken = []
    for target in LINK.findall(page.read_text()):
        if re.match(r"[a-z]+:", target):
            continue
        file_part, _, anchor = target.partition("#")
        linked = (page.parent / file_part).resolve() if file_part else page
        if not linked.exists() or (
            anchor and linked.suffix == ".md" and anchor not in anchors(linked)
        ):
            broken.append(target)
    assert broken == []


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_named_paths_and_modules_exist(page: Path) -> None:
    missing = []
    for code in CODE.findall(page.read_text()):
        if code.split("/")[0] in TOP_FOLDERS and "/" in code and not re.search(r"[<>*{]", code):
            if not (ROOT / code.rstrip("/")).exists():
                missing.append(code)
        elif re.fullmatch(r"(shared|functions)(\.\w+)+", code) and not importable(code):
            missing.append(code)
    assert missing == []


def importable(dotted: str) -> bool:
    """Whether `dotted` names a module, or an attribute of one."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(found, attribute):
                return False
            found = getattr(found, attribute)
        return True
    return False


def test_readme_is_a_front_door() -> None:
    assert len((ROOT / "README.md").read_bytes()) <= 10 * 1024


@pytest.mark.parametrize("page", PAGES[1:], ids=page_id)
def test_each_docs_page_has_a_table_of_contents(page: Path) -> None:
    text = page.read_text()
    sections = re.findall(r"^## (.+)$", text, flags=re.M)
    for section in sections:
        assert f"(#{slug(section)})" in text, f"{section!r} is missing from the contents"
