"""Schemathesis over the merged OpenAPI, through the emulator with a registered device: every
operation, schema-valid and schema-violating inputs, a fixed seed and a bounded number of
examples (`FUZZ_EXAMPLES`, default 25 per operation) so it fits the CI budget. Then
schemathesis' own engine against a served API: the examples and coverage phases, and the stateful
phase, which chains real calls along the document's links (`infra/local/openapi_links.py`: a
product's id into its portions, a portion into an entry, each created id into its GET, PATCH and
DELETE). Any failed check fails the suite, and so does an operation whose generated valid data
the server refused or never found (schemathesis' "schema validation mismatch" and "missing test
data" warnings).
`make fuzz` runs every phase, fuzzing included, for 240 s (`infra/local/fuzz.py`)."""

from __future__ import annotations

import os
import re
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
from infra.local.template import api_config
from tests.support.api import bearer, register
from tests.support.background import Background

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

# Built at collection (the schema decides which tests exist); closed after the module.
_GATEWAY = ApiGateway(api_config(), authorizer_cache_ttl_s=0)
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


def test_the_document_links_creates_to_what_uses_their_ids() -> None:
    links = [
        name
        for operations in schema.raw_schema["paths"].values()
        for operation in operations.values()
        for response in operation.get("responses", {}).values()
        for name in response.get("links", {})
    ]
    assert len(links) >= 30


def test_served_api_phases_pass_and_generated_data_reaches_past_validation(
    request: pytest.FixtureRequest, background_runs: Background
) -> None:
    """Schemathesis' own engine against a served API (`infra/local/fuzz.py`): the examples and
    coverage phases over every operation, then the stateful phase until `FUZZ_SECONDS`, chaining
    creates into reads, PATCH and DELETE of the created ids, with the five checks. The hooks of
    `infra/local/fuzz_hooks.py` complete valid data to meet the rules the document cannot state
    and give the first valid cases sent of each operation rows that exist, so no operation may
    end with schemathesis' "schema validation mismatch" or "missing test data" warning (the
    device erasure is left out of the run, and the registration limit is raised for it). It runs
    beside the suite (`tests/support/background.py`); this waits for it."""
    result = background_runs.outcome(request.node.nodeid, timeout_s=900)
    output = result.stdout + result.stderr
    assert result.code == 0, output[-4000:]
    for warning in ("Schema validation mismatch", "Missing test data"):
        assert warning not in output, output[output.find(warning) :][:1500]
    assert re.search(r"Coverage \(in [0-9.]+s\)\s+✅ (\d+) passed", output), output[-4000:]
    covered = re.search(r"API Links:\s+(\d+) covered", output)
    assert covered is not None and int(covered.group(1)) >= 10, output[-4000:]
    scenarios = re.search(r"Scenarios:\s+(\d+)", output)
    assert scenarios is not None and int(scenarios.group(1)) > 50, output[-4000:]
