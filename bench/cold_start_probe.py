"""One cold start, run in a fresh interpreter by `bench.bench_cold_start` (with the tree under
test as the working directory and first on sys.path):

    python -m bench.cold_start_probe <function> <plain|snapstart>

Imports the function's handler, sends its first request, and prints one JSON line with the import
time, the first request's time and the peak RSS (VmHWM). With `snapstart`, the registered SnapStart
hooks (before-snapshot, then after-restore) run between the two, as they would around a snapshot.
Request details come from the environment (`PROBE_*`, set by the benchmark).
"""

from __future__ import annotations

import importlib
import io
import json
import os
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

from infra.local.events import LambdaContext, proxy_event, token_authorizer_event

ARN = "arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/v1/products"
# The first request each function serves (a read of the seeded device; migrate has none).
FIRST_REQUESTS = {
    "auth": "/v1/devices/me",
    "products": "/v1/products",
    "entries": "/v1/food-entries?day=2026-06-30",
    "goals": "/v1/goals/current",
    "weights": "/v1/body-weights",
    "sync": "/v1/sync/since",
}


def _event(function: str) -> dict | None:
    if function == "authorizer":
        return token_authorizer_event(f"Bearer {os.environ['PROBE_TOKEN']}", ARN)
    target = FIRST_REQUESTS.get(function)
    if target is None:
        return None
    path, _, query = target.partition("?")
    device = os.environ["PROBE_DEVICE"]
    return proxy_event(
        "GET",
        path,
        resource=path,
        query=[tuple(pair.split("=", 1)) for pair in query.split("&")] if query else [],
        authorizer={"principalId": device, "device_id": device, "token_generation": "1"},
    )


def _peak_rss_kib() -> int:
    """This process's peak resident set (VmHWM). Not getrusage's ru_maxrss: Linux carries that
    over from the forking parent (the benchmark process) across exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise LookupError("VmHWM not in /proc/self/status")


def _run_snapstart_hooks() -> None:
    import snapshot_restore_py

    for func, args, kwargs in reversed(snapshot_restore_py.get_before_snapshot()):
        func(*args, **kwargs)
    for func, args, kwargs in snapshot_restore_py.get_after_restore():
        func(*args, **kwargs)


def main() -> None:
    function, mode = sys.argv[1], sys.argv[2]
    event = _event(function)
    started = time.perf_counter()
    with redirect_stdout(io.StringIO()):
        module = importlib.import_module(f"functions.{function}.handler")
    imported = time.perf_counter()
    if mode == "snapstart":
        with redirect_stdout(io.StringIO()):
            _run_snapstart_hooks()
    request_ms = 0.0
    if event is not None:
        context = LambdaContext(function_name=function)
        before = time.perf_counter()
        with redirect_stdout(io.StringIO()):
            result = module.lambda_handler(event, context)
        request_ms = (time.perf_counter() - before) * 1000
        if function != "authorizer":
            assert result["statusCode"] == 200, result
        else:
            assert result["policyDocument"]["Statement"][0]["Effect"] == "Allow", result
    peak_kib = _peak_rss_kib()
    sys.stdout.write(
        json.dumps(
            {
                "import_ms": (imported - started) * 1000,
                "request_ms": request_ms,
                "peak_rss_mib": peak_kib / 1024,
            }
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
