"""The type checker `make test` runs: mypy, strict on `shared/` (`[tool.mypy]` in
`pyproject.toml`), clean; each `# type: ignore` left says on its line why."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MYPY = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin" / "mypy"
# An ignore names its error code and is followed by a comment with the reason.
EXPLAINED_IGNORE = re.compile(r"# type: ignore\[[a-z-]+(, [a-z-]+)*\]  # \S")


def test_shared_passes_strict_mypy() -> None:
    result = subprocess.run(
        [str(MYPY)], cwd=ROOT, capture_output=True, text=True, check=False, timeout=600
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "Success: no issues found" in result.stdout


def test_every_remaining_ignore_says_why() -> None:
    unexplained = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / "shared").rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "type: ignore" in line and not EXPLAINED_IGNORE.search(line)
    ]
    assert unexplained == []
