"""An unreachable database is a 503 with Retry-After, never a 500 or a hang."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from fastapi import APIRouter
from sqlalchemy import text

from infra.local.events import LambdaContext, proxy_event
from shared.db.engine import build_engine
from shared.db.units_of_work import transaction_opened_by
from shared.domain.errors import ServiceUnavailableError
from shared.runtime.settings import get_settings
from shared.web.app_factory import create_app, create_lambda_handler

SELECT_1 = ("SELECT 1", {})
UNREACHABLE = "postgresql://nobody@/nowhere?host=/nonexistent"


def unreachable_engine():
    return build_engine(replace(get_settings(), database_url=UNREACHABLE))


def test_a_session_maps_unreachable_database_to_503() -> None:
    with (
        pytest.raises(ServiceUnavailableError) as info,
        transaction_opened_by(SELECT_1, unreachable_engine()) as (s, _),
    ):
        s.execute(text("SELECT 1"))
    assert info.value.retry_after_s > 0


def test_http_answer_is_json_503_with_retry_after() -> None:
    router = APIRouter()
    engine = unreachable_engine()

    @router.get("/probe")
    async def probe() -> dict[str, int]:
        with transaction_opened_by(SELECT_1, engine) as (session, _):
            return {"one": session.execute(text("SELECT 1")).scalar_one()}

    handler = create_lambda_handler(create_app(router, title="probe"))
    event = proxy_event("GET", "/probe")
    result = handler(event, LambdaContext(function_name="probe"))
    assert result["statusCode"] == 503
    assert json.loads(result["body"])["code"] == "SERVICE_UNAVAILABLE"
    assert int(result["headers"]["retry-after"]) > 0
    assert "nonexistent" not in result["body"]
