"""Health and gateway routing, through the emulator exactly as `make run` serves them."""

from __future__ import annotations

from starlette.testclient import TestClient


def test_health_answers_ok_without_auth(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert response.headers["content-type"] == "application/json"


def test_unknown_path_is_json_404(client: TestClient) -> None:
    response = client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found", "code": "NOT_FOUND"}


def test_wrong_method_on_health_is_405(client: TestClient) -> None:
    response = client.post("/health")
    assert response.status_code == 405
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"


def test_docs_and_merged_openapi_are_served(client: TestClient) -> None:
    spec = client.get("/openapi.json")
    assert spec.status_code == 200
    assert "/health" in spec.json()["paths"]
    page = client.get("/docs")
    assert page.status_code == 200
    assert "swagger" in page.text.lower()
