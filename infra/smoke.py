"""Smoke test of a deployed stage: `python -m infra.smoke <api base url>`.

Health, registration of a throwaway device, one authorized call, then the device's erasure (so
smoke runs leave nothing behind). Exits non-zero with the failing step on any surprise.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
import uuid
from typing import Any


class SmokeFailure(Exception):
    pass


def call(base: str, method: str, path: str, body: Any = None, token: str = "") -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base.rstrip("/") + path, data=data, method=method)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, None
    except urllib.error.URLError as error:
        raise SmokeFailure(f"{method} {path}: cannot reach the API ({error.reason})") from None


def expect(step: str, got: int, wanted: int) -> None:
    if got != wanted:
        raise SmokeFailure(f"{step}: expected HTTP {wanted}, got {got}")


def run(base: str) -> list[str]:
    done = []
    status, body = call(base, "GET", "/health")
    expect("health", status, 200)
    done.append("health")
    device_id = str(uuid.uuid4())
    status, body = call(base, "POST", "/v1/devices/register", {"device_id": device_id})
    expect("register", status, 200)
    token = body["device_token"]
    done.append("register")
    status, body = call(base, "GET", "/v1/devices/me", token=token)
    expect("authorized call", status, 200)
    if body["device_id"] != device_id:
        raise SmokeFailure("authorized call: answered for another device")
    done.append("authorized call")
    status, _ = call(base, "DELETE", "/v1/devices/me", token=token)
    expect("erase the smoke device", status, 204)
    done.append("cleanup")
    return done


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m infra.smoke <api base url>", file=sys.stderr)
        return 2
    try:
        steps = run(argv[0])
    except SmokeFailure as failure:
        print(f"SMOKE FAILED {failure}", file=sys.stderr)
        return 1
    print("smoke ok: " + ", ".join(steps))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
