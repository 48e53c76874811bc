"""Every template passes cfn-lint (with the SAM translator beside it, so it lints what the
transform makes) and `sam validate --lint`; `sam build` works offline within the artifact
budgets."""

from __future__ import annotations

import os
import subprocess
import tomllib
from pathlib import Path

import pytest

from infra.build.check_artifacts import problems
from infra.build.lambda_python import pyenv_version_with_lambda_python
from infra.local.database import REPO_ROOT
from infra.local.template import load_template
from tests.support.imports import third_party_imports

TEMPLATES = [
    REPO_ROOT / "template.yaml",
    *sorted((REPO_ROOT / "infra" / "stacks").glob("*.yaml")),
    *sorted((REPO_ROOT / "infra" / "rehearsal").glob("*.yaml")),
]
SAM = REPO_ROOT / ".venv-sam" / "bin" / "sam"
CFN_LINT = REPO_ROOT / ".venv-sam" / "bin" / "cfn-lint"
# boto3 comes with Lambda's Python runtime; snapshot_restore_py with SnapStart's.
PROVIDED_BY_THE_RUNTIME = {"boto3", "botocore", "snapshot_restore_py"}
HANDLERS = {
    name: resource["Properties"]["Handler"].rsplit(".", 1)[0].replace(".", "/") + ".py"
    for name, resource in load_template()["Resources"].items()
    if resource["Type"] in ("AWS::Serverless::Function", "AWS::Lambda::Function")
}
SAM_ENV = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "eu-central-1"}


def run(*command: str | Path, env: dict[str, str] = SAM_ENV) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in command],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
        env=env,
    )


def test_every_template_passes_cfn_lint() -> None:
    """One cfn-lint run over every template (its start-up is most of its time); its findings
    name the file."""
    result = run(CFN_LINT, *TEMPLATES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cfn_lint_runs_with_the_sam_translator() -> None:
    """Without the translator cfn-lint cannot transform a SAM template and checks far less."""
    check = "import cfnlint, samtranslator; print(samtranslator.__version__)"
    result = run(CFN_LINT.parent / "python", "-c", check)
    assert result.returncode == 0, result.stderr
    tools = tomllib.loads((REPO_ROOT / "infra" / "tools" / "sam" / "pyproject.toml").read_text())
    assert f"aws-sam-translator=={result.stdout.strip()}" in tools["project"]["dependencies"]


@pytest.mark.slow
def test_sam_validate_lint() -> None:
    """SAM's own validation of the SAM template (the stacks are plain CloudFormation, which
    cfn-lint above already checks)."""
    result = run(SAM, "validate", "--lint", "--template", REPO_ROOT / "template.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def with_python_313(env: dict[str, str]) -> dict[str, str]:
    """The environment a deploy builds in: Python 3.13 on PATH as `python3.13` (CI installs it
    beside 3.11; here pyenv has it), so the artifacts ship bytecode, as deployed ones do."""
    version = pyenv_version_with_lambda_python()
    return {**env, "PYENV_VERSION": version} if version else env


@pytest.mark.slow
def test_sam_build_offline_within_budgets(tmp_path: Path) -> None:
    build_dir = tmp_path / "build"
    result = run(SAM, "build", "--build-dir", build_dir, env=with_python_313(SAM_ENV))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ships without bytecode" not in result.stderr, "no python3.13: " + result.stderr[-500:]
    compiled = build_dir / "AuthorizerFunction" / "functions" / "authorizer" / "__pycache__"
    assert any(compiled.glob("handler.cpython-313.pyc"))  # measured as it ships
    report, found = problems(build_dir)
    assert found == [], "\n".join(report + found)
    authorizer = build_dir / "AuthorizerFunction"
    assert (authorizer / "functions" / "authorizer" / "handler.py").is_file()
    assert not (authorizer / "functions" / "auth").exists()  # only its own function
    assert (build_dir / "MigrateFunction" / "migrations" / "env.py").is_file()
    assert not (build_dir / "AuthFunction" / "migrations").exists()
    for function, handler in HANDLERS.items():
        entry = [REPO_ROOT / handler]
        if function == "MigrateFunction":  # it imports every revision when it migrates
            entry += sorted((REPO_ROOT / "migrations").rglob("*.py"))
        needed = third_party_imports(entry) - PROVIDED_BY_THE_RUNTIME
        artifact = build_dir / function
        missing = {name for name in needed if not any(artifact.glob(f"{name}*"))}
        assert missing == set(), f"{function} would fail to import: {missing}"
