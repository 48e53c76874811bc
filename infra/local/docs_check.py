"""`make docs-check`: render `/docs` in headless Chromium, as a person's browser would, and fail
unless every operation of every function is on the page. Needs Debian's `chromium` package
(`apt-get install chromium`); not part of `make test`. Only loopback is used, and Chromium runs
with its background networking off, so the check also proves the page needs no internet."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import uvicorn

from infra.local.asgi import create_asgi_app
from infra.local.gateway import ApiGateway
from infra.local.openapi_docs import merged_openapi
from infra.local.ports import free_port
from infra.local.template import api_config

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--virtual-time-budget=15000", "--dump-dom",
)  # fmt: skip


def rendered_docs(browser: str) -> tuple[str, list[str]]:
    """The DOM Chromium renders for /docs, and the `METHOD path` of every documented operation.
    The docs need no database: the handlers connect only when a request needs data."""
    os.environ.setdefault("DATABASE_URL", "postgresql://docs-check@127.0.0.1/unused")
    gateway = ApiGateway(api_config())
    operations = [
        f"{method.upper()} {path}"
        for path, methods in merged_openapi(gateway)["paths"].items()
        for method in methods
    ]
    port = free_port()
    config = uvicorn.Config(
        create_asgi_app(gateway), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        with tempfile.TemporaryDirectory() as profile:
            result = subprocess.run(  # noqa: S603 (our own browser, our own loopback URL)
                [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                 f"http://127.0.0.1:{port}/docs"],
                capture_output=True, text=True, timeout=120, check=True,
            )  # fmt: skip
        return result.stdout, operations
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        gateway.close()


def missing_operations(dom: str, operations: list[str]) -> list[str]:
    """Operations whose block Swagger UI did not render (it writes each as an `opblock` with
    the method and `data-path` of the operation)."""
    missing = []
    for operation in operations:
        method, path = operation.split(" ", 1)
        if f'data-path="{path}"' not in dom or f"opblock-{method.lower()}" not in dom:
            missing.append(operation)
    return missing


def main() -> int:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("docs-check needs Chromium: apt-get install chromium", file=sys.stderr)
        return 2
    dom, operations = rendered_docs(browser)
    missing = missing_operations(dom, operations)
    if missing:
        print("Not rendered on /docs:\n  " + "\n  ".join(missing), file=sys.stderr)
        return 1
    print(f"docs-check ok: all {len(operations)} operations rendered by {browser}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
