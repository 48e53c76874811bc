"""CloudFormation's own SAM transform (aws-sam-translator, in the SAM CLI's environment) on a
template file, as `infra.build.sam_transform` runs it: the same code CloudFormation runs when a
change set of a `Transform: AWS::Serverless-2016-10-31` template is created."""

from __future__ import annotations

import json
import os
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

from infra.local.database import REPO_ROOT

SAM_PYTHON = REPO_ROOT / ".venv-sam" / "bin" / "python"
TEMPLATE_PATH = REPO_ROOT / "template.yaml"


class TransformFailed(AssertionError):
    """The transform refused the template; the message is the translator's."""


def transform(path: Path) -> dict[str, Any]:
    """The template after the transform (code locations stubbed), or TransformFailed."""
    result = subprocess.run(
        [str(SAM_PYTHON), "-m", "infra.build.sam_transform", str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
        env={**os.environ, "AWS_DEFAULT_REGION": "eu-central-1"},
    )
    if result.returncode != 0:
        raise TransformFailed(result.stderr[-3000:])
    return json.loads(result.stdout)


@cache
def transformed(path: Path) -> dict[str, Any]:
    """`transform` of a committed template, once per test process."""
    return transform(path)
