"""The sample events in events/ are current, and each is served by its function with a 2xx."""

from __future__ import annotations

import importlib
import json

import pytest
from sqlalchemy import Engine, text

from infra.local.events import LambdaContext
from infra.local.sample_events import (
    EVENTS_DIR,
    SAMPLE_DEVICE,
    SAMPLE_TOKEN,
    render,
    sample_events,
)
from infra.local.template import api_config
from shared.auth.tokens import hash_secret


def test_event_files_match_their_generator() -> None:
    expected = {f"{stem}.json": render(event) for stem, (_, event) in sample_events().items()}
    actual = {p.name: p.read_text(encoding="utf-8") for p in EVENTS_DIR.glob("*.json")}
    assert actual == expected, "run `make events` after changing the event builders"


@pytest.mark.usefixtures("clean_db")
def test_every_sample_event_is_served(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO devices (id, token_hash) VALUES (:d, :h)"),
            {"d": SAMPLE_DEVICE, "h": hash_secret(SAMPLE_TOKEN.split(".")[1], 4)},
        )
    handlers = api_config().handlers
    # Registration re-keys the device, so it runs last.
    ordered = sorted(sample_events().items(), key=lambda item: item[0] == "register")
    for stem, (function, _) in ordered:
        module_name, attribute = handlers[function].rsplit(".", 1)
        handler = getattr(importlib.import_module(module_name), attribute)
        event = json.loads((EVENTS_DIR / f"{stem}.json").read_text(encoding="utf-8"))
        result = handler(event, LambdaContext(function_name=function))
        if function == "AuthorizerFunction":
            assert result["policyDocument"]["Statement"][0]["Effect"] == "Allow", stem
        else:
            assert 200 <= result["statusCode"] < 300, (stem, result)
