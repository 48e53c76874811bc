"""The docs page of `make run` works offline: it references no host but its own, and every
asset it references is served; the OpenAPI document in `docs/` is the one the code makes."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from infra.local.openapi_docs import DOCUMENT_PATH, rendered

_REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\s*:\s*["']([^"']+)["']""")


def test_docs_reference_only_their_own_host_and_every_asset_is_served(
    client: TestClient,
) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.text
    assert "://" not in html, "the docs page names another host"
    references = {a or b for a, b in _REFERENCE.findall(html)}
    assert {"/openapi.json", "/docs-assets/swagger-ui-bundle.js"} <= references
    for reference in references:
        assert reference.startswith("/"), reference
        response = client.get(reference)
        assert response.status_code == 200, reference
        assert len(response.content) > 0, reference


def test_unknown_assets_are_not_served(client: TestClient) -> None:
    assert client.get("/docs-assets/../core.py").status_code == 404
    assert client.get("/docs-assets/redoc.standalone.js").status_code == 404


def test_the_committed_openapi_document_is_what_the_code_documents(gateway) -> None:
    """`docs/openapi.json` is the API's specification in the repository: `make openapi`
    rewrites it, and a route, field or status changed without it fails here."""
    assert DOCUMENT_PATH.read_text(encoding="utf-8") == rendered(gateway), "run `make openapi`"
