"""Hostile input is a 4xx with a JSON reason, never a 500 (contract §1): NUL characters and
unpaired surrogates anywhere, integers beyond their documented range, dates that are not
YYYY-MM-DD, empty name checks, oversized bodies. Each case below was a 500 or wrongly accepted
before (the schemathesis run of the token-freshness issue found most of them)."""

from __future__ import annotations

import json

import pytest

from shared.web.input_guard import MAX_BODY_BYTES, MAX_JSON_DEPTH
from shared.web.params import MAX_OFFSET
from tests.support.api import Device


def assert_422(response, location: list | None = None) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR"
    if location is not None:
        assert body["detail"][0]["loc"] == location


@pytest.mark.parametrize(
    "path",
    [
        "/v1/products?offset=9223372036854775809",
        f"/v1/products?offset={MAX_OFFSET + 1}",
        "/v1/food-entries?offset=94187733585348037443584",
        "/v1/catalog/products?offset=" + "9" * 40,
        "/v1/stats/day/0",
        "/v1/food-entries?to=0",
        "/v1/food-entries?day=2026-03-15T00:00:00",
        "/v1/body-weights?from=20260315",
        "/v1/stats/weight?from=0&to=1",
        "/v1/products/check-name?name=",
        "/v1/products/check-name?name=%20%20",
        "/v1/products/check-name?name=" + "x" * 201,
    ],
)
def test_out_of_range_query_and_path_values_are_422(device: Device, path: str) -> None:
    assert_422(device.get(path))


def test_the_largest_documented_offset_is_accepted(device: Device) -> None:
    assert device.get(f"/v1/products?offset={MAX_OFFSET}").json() == []
    assert device.get(f"/v1/catalog/products?offset={MAX_OFFSET}").json() == []


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/v1/products/check-name?name=a%00b", ["query", "name"]),
        ("/v1/products/search?q=%00", ["query", "q"]),
        ("/v1/catalog/products?search=app%00le", ["query", "search"]),
        ("/v1/catalog/products/barcode/12%0034", ["path"]),
    ],
)
def test_nul_and_surrogates_in_queries_and_paths(device: Device, path: str, location: list) -> None:
    assert_422(device.get(path), location)


@pytest.mark.parametrize("query", ["%ED%A0%80", "%FF"])
def test_undecodable_query_bytes_arrive_replaced_and_are_harmless(
    device: Device, query: str
) -> None:
    """The gateway (and the emulator) hand the function query values already decoded, with
    bytes that are not UTF-8 (an encoded lone surrogate included) replaced by U+FFFD, which
    PostgreSQL stores and compares safely."""
    response = device.get(f"/v1/products/search?q={query}")
    assert response.status_code == 200 and response.json() == []


@pytest.mark.parametrize(
    ("body", "location"),
    [
        ('{"name": "Oa\\u0000ts"}', ["body", "name"]),
        ('{"name": "Oats", "barcode": "\\ud800"}', ["body", "barcode"]),
        ('{"name": "Oats", "extra": ["ok", "\\udfff"]}', ["body", "extra", 1]),
        ('{"name": "Oats", "ke\\u0000y": 1}', ["body", "ke\x00y"]),
    ],
)
def test_nul_and_surrogates_in_json_bodies(device: Device, body: str, location: list) -> None:
    response = device.client.post(
        "/v1/products",
        content=body.encode(),
        headers={**device.headers, "Content-Type": "application/json"},
    )
    assert_422(response, location)
    assert device.get("/v1/products").json() == []


def test_a_paired_surrogate_is_an_ordinary_character(device: Device) -> None:
    response = device.client.post(
        "/v1/products",
        content=b'{"name": "Oats \\ud83c\\udf3e"}',
        headers={**device.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 201 and response.json()["name"] == "Oats \U0001f33e"


def test_invalid_utf8_in_a_body_is_422(device: Device) -> None:
    response = device.client.post(
        "/v1/products",
        content=b'{"name": "\xff\xfe"}',
        headers={**device.headers, "Content-Type": "application/json"},
    )
    assert_422(response, ["body"])


def test_an_oversized_body_is_413(device: Device) -> None:
    body = json.dumps({"name": "Oats", "padding": "x" * MAX_BODY_BYTES})
    response = device.client.post(
        "/v1/products",
        content=body.encode(),
        headers={**device.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "PAYLOAD_TOO_LARGE"
    assert device.get("/v1/products").json() == []


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/body-weights", {"day": 0, "weight_kg": 70}),
        ("/v1/body-weights", {"day": "2026-03-15T00:00:00", "weight_kg": 70}),
        ("/v1/body-weights", {"day": "2026-02-30", "weight_kg": 70}),
        ("/v1/goals/calculate", {"gender": "male", "birth_date": 0, "height_cm": 180,
                                 "current_weight_kg": 80, "activity_level": "light",
                                 "weight_goal_type": "maintain"}),
    ],
)  # fmt: skip
def test_dates_in_bodies_are_strict(device: Device, path: str, body: dict) -> None:
    assert_422(device.post(path, body))


JSON_BODY_ROUTES = [
    ("POST", "/v1/products"),
    ("PATCH", "/v1/products/{product}"),
    ("POST", "/v1/products/{product}/portions"),
    ("POST", "/v1/food-entries"),
    ("POST", "/v1/goals/calculate"),
    ("POST", "/v1/goals/manual"),
    ("POST", "/v1/body-weights"),
    ("POST", "/v1/devices/register"),
]


@pytest.mark.parametrize(("method", "path"), JSON_BODY_ROUTES)
@pytest.mark.parametrize(
    ("body", "location"),
    [
        (b"=\x00lFd", ["body", 0]),  # the fuzzer's finding: was an undocumented 400
        (b'{"name": "Oats"', ["body", 15]),
        (b"", None),  # no body at all: the route's own 422 for a missing body
        (b"1e999999", ["body"]),  # was a 500: an infinity the error renderer could not write
        (b'{"name": "Oats", "amount": NaN}', ["body"]),
        (b'{"name": "Oats", "amount": -Infinity}', ["body"]),
    ],
)
def test_a_body_that_is_not_json_is_422_on_every_json_route(
    device: Device, method: str, path: str, body: bytes, location: list | None
) -> None:
    product = device.product("Kept")
    response = device.client.request(
        method,
        path.format(product=product["id"]),
        content=body,
        headers={**device.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert response.json()["code"] == "VALIDATION_ERROR" and detail[0]["loc"][0] == "body"
    if location is not None:
        assert detail[0]["loc"] == location
    assert [p["name"] for p in device.get("/v1/products").json()] == ["Kept"]


def nested(depth: int, key: str = "device_id") -> bytes:
    """`{key: [[[ ... ]]]}`: `depth` levels counting the outer object."""
    return f'{{"{key}": {"[" * (depth - 1)}{"]" * (depth - 1)}}}'.encode()


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 960, 1_000, 20_000])
@pytest.mark.parametrize("with_token", [True, False])
@pytest.mark.parametrize(("method", "path"), JSON_BODY_ROUTES)
def test_json_nested_deeper_than_the_limit_is_422_on_every_route(
    device: Device, method: str, path: str, depth: int, with_token: bool
) -> None:
    """Around 1,000 levels the parser's recursion ran out (a 500); just below, a 400. Without
    a token the authorizer answers first on the routes that need one (the function never reads
    the body); registration needs none and reads it."""
    product = device.product("Kept")
    headers = {**(device.headers if with_token else {}), "Content-Type": "application/json"}
    response = device.client.request(
        method, path.format(product=product["id"]), content=nested(depth), headers=headers
    )
    if not with_token and path != "/v1/devices/register":
        assert response.status_code == 401, response.text
        return
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body"] and str(MAX_JSON_DEPTH) in problem["msg"]
    assert len(response.content) < 500  # the body is not echoed back
    assert [p["name"] for p in device.get("/v1/products").json()] == ["Kept"]


def test_json_at_the_depth_limit_is_read(device: Device) -> None:
    """Brackets inside strings are text, not nesting."""
    name = "[" * (MAX_JSON_DEPTH * 2) + " oats"
    response = device.post("/v1/products", {"name": name[:200]})
    assert response.status_code == 201, response.text
    at_the_limit = device.client.post(
        "/v1/devices/register",
        content=nested(MAX_JSON_DEPTH),
        headers={"Content-Type": "application/json"},
    )
    assert at_the_limit.status_code == 422  # read, then refused as a device id, not as depth
    assert str(MAX_JSON_DEPTH) not in at_the_limit.text
