"""The post-deploy smoke test passes against the API served over real HTTP (uvicorn, loopback)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import Engine

from infra import smoke
from infra.local.asgi import create_asgi_app
from infra.local.gateway import ApiGateway
from infra.smoke import main
from tests.support.catalog import load_catalog


@pytest.fixture
def served(gateway: ApiGateway, clean_db: None, engine: Engine, tmp_path: Path) -> Iterator[str]:
    load_catalog(engine, tmp_path / "catalog.jsonl")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_asgi_app(gateway), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    if not server.started:
        server.should_exit = True
        pytest.fail("the local server did not start within 10 s")
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_smoke_passes_and_cleans_up(served: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([served, "--barcode", "5000000000001"]) == 0  # the small catalog's apple
    # (the served functions' metric lines share stdout with the script's own line)
    assert (
        "smoke ok: health, register, authorized call, product, portion, entry, day stats, "
        "catalog barcode, replaced token refused, cleanup\n"
    ) in capsys.readouterr().out


def test_smoke_fails_when_the_replaced_token_still_works(
    served: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stage that let a replaced token in (a stale authorizer cache, a freshness check
    missing) fails the smoke run at that step."""
    real_call = smoke.call

    def call_with_the_first_token(base: str, method: str, path: str, body=None, token=""):
        status, answer = real_call(base, method, path, body, token)
        if path == "/v1/devices/me" and method == "GET" and status == 401:
            return 200, {}
        return status, answer

    monkeypatch.setattr(smoke, "call", call_with_the_first_token)
    assert main([served]) == 1
    assert "SMOKE FAILED replaced token refused: expected HTTP 401, got 200" in (
        capsys.readouterr().err
    )


def test_smoke_reports_the_failing_step(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once the probe is closed
    assert main([f"http://127.0.0.1:{port}"]) == 1
    assert "SMOKE FAILED GET /health: cannot reach the API" in capsys.readouterr().err
