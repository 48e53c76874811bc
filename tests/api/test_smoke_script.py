"""The post-deploy smoke test passes against the API served over real HTTP (uvicorn, loopback)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from infra.local.asgi import create_asgi_app
from infra.local.gateway import ApiGateway
from infra.smoke import main


@pytest.fixture
def served(gateway: ApiGateway, clean_db: None) -> Iterator[str]:
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
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_smoke_passes_and_cleans_up(served: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([served]) == 0
    assert "smoke ok: health, register, authorized call, cleanup" in capsys.readouterr().out


def test_smoke_reports_the_failing_step(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once the probe is closed
    assert main([f"http://127.0.0.1:{port}"]) == 1
    assert "SMOKE FAILED GET /health: cannot reach the API" in capsys.readouterr().err
