"""One OpenAPI document for the whole API, merged from each function's FastAPI app, with the links
between operations (`infra/local/openapi_links.py`). `make openapi` writes it to
`docs/openapi.json`, the API's field-by-field specification in the repository (a test keeps the
file equal to what the code documents)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from fastapi.openapi.utils import get_openapi

from infra.local.gateway import ApiGateway
from infra.local.openapi_links import add_links
from shared.web.app_factory import API_VERSION

# What no body schema can state for every string a body may hold (`shared/web/input_guard.py`).
TEXT_RULE = (
    "Every string of a request (path, query, and a JSON body's keys and values, extra properties"
    " included) must be UTF-8 without NUL characters or lone surrogates (422 otherwise)."
)


def merged_openapi(gateway: ApiGateway) -> dict[str, Any]:
    """Paths and schemas of every function that exposes an `app` beside its handler."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for function in sorted({route.function for route in gateway.config.routes}):
        module_name = gateway.config.handlers[function].rsplit(".", 1)[0]
        app = getattr(importlib.import_module(module_name), "app", None)
        if app is None:
            continue
        spec = get_openapi(title=app.title, version=app.version, routes=app.routes)
        for path, operations in spec.get("paths", {}).items():
            paths.setdefault(path, {}).update(operations)
        schemas.update(spec.get("components", {}).get("schemas", {}))
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "CountOnMe API",
            "version": API_VERSION,
            "description": TEXT_RULE,
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
    add_links(document)
    return document


DOCUMENT_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def rendered(gateway: ApiGateway) -> str:
    """The document as `docs/openapi.json` holds it."""
    return json.dumps(merged_openapi(gateway), indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # make openapi
    from infra.local.template import api_config

    api = ApiGateway(api_config())
    try:
        DOCUMENT_PATH.write_text(rendered(api), encoding="utf-8")
    finally:
        api.close()
    print(f"wrote {DOCUMENT_PATH.relative_to(Path.cwd())}")
