"""Sample Lambda events for `sam local invoke` and `make invoke`, one per route family.

`make events` writes them to events/ from the same builders the emulator uses; a test checks the
files still match and that each one is served by its function.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infra.local.database import REPO_ROOT
from infra.local.events import method_arn, proxy_event, token_authorizer_event

EVENTS_DIR = REPO_ROOT / "events"
SAMPLE_DEVICE = "0b6a4f8e-3c1d-4e5f-9a7b-2c8d1e0f3a4b"
SAMPLE_TOKEN = f"{SAMPLE_DEVICE}.{'A' * 43}"
_AUTHORIZED = {"principalId": SAMPLE_DEVICE, "device_id": SAMPLE_DEVICE, "token_generation": "1"}
_HEADERS = [("Content-Type", "application/json"), ("User-Agent", "CountOnMe/1.0 (sample)")]


def _api(
    method: str,
    path: str,
    resource: str,
    *,
    body: Any = None,
    query: list[tuple[str, str]] | None = None,
    params: dict[str, str] | None = None,
    authorized: bool = True,
) -> dict[str, Any]:
    headers = [*_HEADERS, ("Authorization", f"Bearer {SAMPLE_TOKEN}")] if authorized else _HEADERS
    event = proxy_event(
        method,
        path,
        resource=resource,
        stage="dev",
        headers=headers,
        query=query or [],
        path_parameters=params,
        body=json.dumps(body).encode() if body is not None else b"",
        source_ip="203.0.113.10",
        authorizer=_AUTHORIZED if authorized else None,
    )
    event["requestContext"]["requestId"] = f"sample-{method.lower()}-{resource.strip('/')}"
    event["requestContext"]["requestTimeEpoch"] = 1_773_570_600_000
    return event


def sample_events() -> dict[str, tuple[str, dict[str, Any]]]:
    """{file stem: (function logical id, event)}."""
    product = "5b9e0c62-7d41-4f3a-8e2b-1a6c9d0e4f71"
    return {
        "health": ("AuthFunction", _api("GET", "/health", "/health", authorized=False)),
        "register": (
            "AuthFunction",
            _api(
                "POST",
                "/v1/devices/register",
                "/v1/devices/register",
                body={"device_id": SAMPLE_DEVICE},
                authorized=False,
            ),
        ),
        "devices-me": ("AuthFunction", _api("GET", "/v1/devices/me", "/v1/devices/me")),
        "authorizer": (
            "AuthorizerFunction",
            token_authorizer_event(
                f"Bearer {SAMPLE_TOKEN}", method_arn("dev", "GET", "/v1/products")
            ),
        ),
        "products-create": (
            "ProductsFunction",
            _api("POST", "/v1/products", "/v1/products", body={"id": product, "name": "Oats"}),
        ),
        "products-list": ("ProductsFunction", _api("GET", "/v1/products", "/v1/products")),
        "products-search": (
            "ProductsFunction",
            _api(
                "GET",
                "/v1/products/search",
                "/v1/products/{proxy+}",
                query=[("q", "oat"), ("limit", "10")],
                params={"proxy": "search"},
            ),
        ),
        "catalog-list": (
            "ProductsFunction",
            _api(
                "GET",
                "/v1/catalog/products",
                "/v1/catalog/{proxy+}",
                query=[("search", "apple")],
                params={"proxy": "products"},
            ),
        ),
        "entries-list": (
            "EntriesFunction",
            _api("GET", "/v1/food-entries", "/v1/food-entries", query=[("day", "2026-03-15")]),
        ),
        "stats-day": (
            "EntriesFunction",
            _api(
                "GET",
                "/v1/stats/day/2026-03-15",
                "/v1/stats/day/{proxy+}",
                params={"proxy": "2026-03-15"},
            ),
        ),
        "stats-daily": (
            "EntriesFunction",
            _api(
                "GET",
                "/v1/stats/daily",
                "/v1/stats/daily",
                query=[("from", "2026-03-09"), ("to", "2026-03-15")],
            ),
        ),
        "goals-current": (
            "GoalsFunction",
            _api("GET", "/v1/goals/current", "/v1/goals/{proxy+}", params={"proxy": "current"}),
        ),
        "goals-calculate": (
            "GoalsFunction",
            _api(
                "POST",
                "/v1/goals/calculate",
                "/v1/goals/{proxy+}",
                params={"proxy": "calculate"},
                body={
                    "gender": "female",
                    "birth_date": "1990-05-17",
                    "height_cm": 168,
                    "current_weight_kg": 64.5,
                    "activity_level": "light",
                    "weight_goal_type": "maintain",
                },
            ),
        ),
        "weights-create": (
            "WeightsFunction",
            _api(
                "POST",
                "/v1/body-weights",
                "/v1/body-weights",
                body={"day": "2026-03-15", "weight_kg": 75.5},
            ),
        ),
        "stats-weight": (
            "WeightsFunction",
            _api(
                "GET",
                "/v1/stats/weight",
                "/v1/stats/weight",
                query=[("from", "2026-03-01"), ("to", "2026-03-31")],
            ),
        ),
        "sync-since": (
            "SyncFunction",
            _api("GET", "/v1/sync/since", "/v1/sync/since", query=[("limit", "50")]),
        ),
    }


def render(event: dict[str, Any]) -> str:
    return json.dumps(event, indent=2, sort_keys=True) + "\n"


def write_all(directory: Path = EVENTS_DIR) -> list[Path]:
    directory.mkdir(exist_ok=True)
    written = []
    for stem, (_, event) in sample_events().items():
        path = directory / f"{stem}.json"
        path.write_text(render(event), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all():
        print(path.relative_to(REPO_ROOT))
