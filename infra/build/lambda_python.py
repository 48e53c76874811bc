"""Lambda's Python (3.13) beside the tooling's: `build_function.sh` compiles the artifacts'
bytecode with `python3.13`, and the rehearsal's emulator runs the functions on it. CI's runners
install it beside 3.11; on a machine with pyenv, PYENV_VERSION puts both on PATH."""

from __future__ import annotations

import shutil
import subprocess
import sys

LAMBDA_PYTHON = "3.13"


def pyenv_version_with_lambda_python() -> str | None:
    """PYENV_VERSION naming this interpreter and the newest installed 3.13, or None when pyenv
    is not used (then `python3.13` must be on PATH) or has no 3.13."""
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return None
    listed = subprocess.run(  # noqa: S603 (pyenv's own listing)
        [pyenv, "versions", "--bare"], capture_output=True, text=True, check=True
    ).stdout.split()
    found = sorted(v for v in listed if v.startswith(LAMBDA_PYTHON + "."))
    current = ".".join(map(str, sys.version_info[:3]))
    if not found or current not in listed:
        return None
    return f"{current}:{found[-1]}"
