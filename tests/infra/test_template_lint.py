"""The SAM template passes cfn-lint (which also runs the SAM transform)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from infra.local.database import REPO_ROOT


def test_template_passes_cfn_lint() -> None:
    result = subprocess.run(
        [Path(sys.executable).parent / "cfn-lint", str(REPO_ROOT / "template.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
