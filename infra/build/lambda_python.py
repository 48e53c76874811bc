"""Lambda's Python (3.13) beside the tooling's: `build_function.sh` compiles the artifacts'
bytecode with `python3.13`, and the rehearsal's emulator runs the functions on it. CI's runners
install it beside 3.11; on a machine with pyenv, PYENV_VERSION puts both on PATH.

`python -m infra.build.lambda_python` prints the interpreter's path (nothing when there is none),
for `make rehearse` to build the emulator's environment on it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

LAMBDA_PYTHON = "3.13"


def _pyenv_versions(pyenv: str) -> list[str]:
    return subprocess.run(  # noqa: S603 (pyenv's own listing)
        [pyenv, "versions", "--bare"], capture_output=True, text=True, check=True
    ).stdout.split()


def _newest_lambda_python(versions: list[str]) -> str | None:
    found = sorted(v for v in versions if v.startswith(LAMBDA_PYTHON + "."))
    return found[-1] if found else None


def pyenv_version_with_lambda_python() -> str | None:
    """PYENV_VERSION naming this interpreter and the newest installed 3.13, or None when pyenv
    is not used (then `python3.13` must be on PATH) or has no 3.13."""
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return None
    listed = _pyenv_versions(pyenv)
    newest = _newest_lambda_python(listed)
    current = ".".join(map(str, sys.version_info[:3]))
    if newest is None or current not in listed:
        return None
    return f"{current}:{newest}"


def interpreter() -> str | None:
    """The executable of the newest Python 3.13: pyenv's, else `python3.13` on PATH."""
    if pyenv := shutil.which("pyenv"):
        newest = _newest_lambda_python(_pyenv_versions(pyenv))
        if newest is not None:
            root = subprocess.run(  # noqa: S603 (pyenv's own root)
                [pyenv, "root"], capture_output=True, text=True, check=True
            ).stdout.strip()
            return str(Path(root) / "versions" / newest / "bin" / "python3")
    return shutil.which(f"python{LAMBDA_PYTHON}")


if __name__ == "__main__":
    print(interpreter() or "")
