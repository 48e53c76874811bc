"""Names and labels show as what they say (issue 32, finding 5): no control characters, no bidi
overrides or isolates, not invisible-only; everything a person writes in any script still goes
in. The document's pattern and the server agree on each case."""

from __future__ import annotations

import re

import pytest

from shared.domain.display_text import SHOWN_TEXT_PATTERN
from tests.support.api import Device

REFUSED = [
    "\u200b\u200b",  # zero-width spaces only
    "\u3164",  # Hangul filler
    "\ufeff",  # byte-order mark
    "\u2800 \u00a0",  # braille blank and spaces
    "\ufe0f\u200d",  # a variation selector and a joiner
    "Salad\u202egnp.exe",  # right-to-left override
    "Milk\u2066 \u2069",  # an isolate
    "Tea\x1b[31m",  # ESC
    "Bell\x07",  # BEL
    "Line\u2028break",
    "C1\x85",
]
ACCEPTED = [
    "Crème brûlée",
    "חלב 3%",  # Hebrew
    "\u200fחלב\u200e 3%",  # with RLM and LRM marks, which right-to-left text needs
    "زبادي",
    "牛奶",
    "🥛 Milk",
    "👩\u200d🍳 stew",  # a joiner inside an emoji sequence
    "Ja\u0301",  # a combining accent
]


@pytest.mark.parametrize("name", REFUSED)
def test_a_name_that_does_not_show_as_written_is_refused(device: Device, name: str) -> None:
    assert re.search(SHOWN_TEXT_PATTERN, name) is None
    response = device.post("/v1/products", {"name": name})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "name"]
    product = device.post("/v1/products", {"name": "Plain"}).json()
    portion = {"label": name, "base_amount": 100, "base_unit": "g", "calories": 50}
    refused = device.post(f"/v1/products/{product['id']}/portions", portion)
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "label"]
    portion["label"] = "Cup"
    assert device.post(f"/v1/products/{product['id']}/portions", portion).status_code == 201
    check = device.get("/v1/products/check-name", params={"name": name})
    assert check.status_code == 422
    assert device.patch(f"/v1/products/{product['id']}", {"name": name}).status_code == 422


@pytest.mark.parametrize("name", ACCEPTED)
def test_names_in_every_script_still_go_in(device: Device, name: str) -> None:
    assert re.search(SHOWN_TEXT_PATTERN, name) is not None
    response = device.post("/v1/products", {"name": name})
    assert response.status_code == 201, response.text
    assert response.json()["name"] == name


def test_the_document_states_the_rule(client) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    name = schemas["ProductCreate"]["properties"]["name"]
    assert name["pattern"] == SHOWN_TEXT_PATTERN
