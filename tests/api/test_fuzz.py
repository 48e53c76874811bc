"""Schemathesis over the merged OpenAPI, through the emulator with a registered device: every
operation, schema-valid and schema-violating inputs, a fixed seed and a bounded number of
examples (`FUZZ_EXAMPLES`, default 25 per operation) so it fits the CI budget. Any failed check
fails the suite. `make fuzz` runs the same test with many more examples."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.testclient import TestClient

from infra.local.asgi import create_asgi_app
from infra.local.gateway import ApiGateway
from infra.local.template import load_template, parse_api
from tests.support.api import bearer, register

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

# Built at collection (the schema decides which tests exist); closed after the module.
_GATEWAY = ApiGateway(parse_api(load_template()), authorizer_cache_ttl_s=0)
_APP = create_asgi_app(_GATEWAY)
# Erasing the device would turn every later case into a (correct, documented) 403.
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP).exclude(
    path="/v1/devices/me", method="DELETE"
)


@pytest.fixture(scope="module", autouse=True)
def _close_gateway() -> Iterator[None]:
    yield
    _GATEWAY.close()


@pytest.fixture
def token(clean_db: None) -> str:
    with TestClient(_APP) as client:
        return register(client)[1]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_openapi(case: schemathesis.Case, token: str) -> None:
    case.call_and_validate(headers=bearer(token), checks=CHECKS)
