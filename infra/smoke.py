"""Smoke test of a deployed stage: `python -m infra.smoke <api base url> [--barcode CODE]`.

The app's first minutes, through the stage's URL: health, registration of a throwaway device,
an authorized call (through the authorizer), a product with a portion, an entry, the day's
statistics, a catalog barcode (when one the stage's catalog holds is given), a registration again
whose replaced token is then refused, and the device's erasure (so smoke runs leave nothing
behind). Exits non-zero with the failing step on any surprise.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import urllib.error
import urllib.request
import uuid
from decimal import Decimal
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


def run(base: str, barcode: str = "") -> list[str]:
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
    status, product = call(base, "POST", "/v1/products", {"name": "Smoke oats"}, token)
    expect("product", status, 201)
    portion_body = {"label": "100 g", "base_amount": 100, "base_unit": "g", "calories": 380}
    status, portion = call(
        base, "POST", f"/v1/products/{product['id']}/portions", portion_body, token
    )
    expect("portion", status, 201)
    day = datetime.date.today().isoformat()
    entry = {"product_id": product["id"], "portion_id": portion["id"], "day": day,
             "meal_type": "lunch", "amount": 50, "unit": "g"}  # fmt: skip
    status, _ = call(base, "POST", "/v1/food-entries", entry, token)
    expect("entry", status, 201)
    status, stats = call(base, "GET", f"/v1/stats/day/{day}", token=token)
    expect("day stats", status, 200)
    if Decimal(stats["totals"]["calories"]) != 190:  # 50 g of 380 kcal per 100 g
        raise SmokeFailure(f"day stats: {stats['totals']['calories']} kcal, expected 190")
    done += ["product", "portion", "entry", "day stats"]
    if barcode:
        status, item = call(base, "GET", f"/v1/catalog/products/barcode/{barcode}", token=token)
        expect("catalog barcode", status, 200)
        if item["barcode"] != barcode:
            raise SmokeFailure("catalog barcode: answered another product")
        done.append("catalog barcode")
    status, body = call(base, "POST", "/v1/devices/register", {"device_id": device_id})
    expect("register again", status, 200)
    status, _ = call(base, "GET", "/v1/devices/me", token=token)
    expect("replaced token refused", status, 401)
    token = body["device_token"]
    done.append("replaced token refused")
    status, _ = call(base, "DELETE", "/v1/devices/me", token=token)
    expect("erase the smoke device", status, 204)
    done.append("cleanup")
    return done


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.smoke")
    parser.add_argument("base", help="the stage's API base URL")
    parser.add_argument("--barcode", default="", help="a barcode the stage's catalog holds")
    arguments = parser.parse_args(argv)
    try:
        steps = run(arguments.base, arguments.barcode)
    except SmokeFailure as failure:
        print(f"SMOKE FAILED {failure}", file=sys.stderr)
        return 1
    print("smoke ok: " + ", ".join(steps))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
