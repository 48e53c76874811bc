"""Builds a function's FastAPI app from its routers and wraps it as a Lambda handler.

Mangum runs with `lifespan="off"`: it would otherwise run the startup/shutdown cycle on every
invocation. The engine is created per container (see `shared.db`), never in a lifespan. The docs
routes are off in Lambda; the local emulator serves the merged OpenAPI of all functions instead.
"""

from __future__ import annotations

from aws_lambda_powertools.logging import correlation_paths
from fastapi import APIRouter, FastAPI
from mangum import Mangum

from shared.observability import LambdaHandler, instrument_handler
from shared.web.error_handlers import install_error_handlers
from shared.web.input_guard import InputGuard
from shared.web.openapi_statuses import document_error_statuses

API_VERSION = "1.0.0"


def create_app(*routers: APIRouter, title: str) -> FastAPI:
    """A FastAPI app holding only the given routers, with the shared error handling."""
    app = FastAPI(title=title, version=API_VERSION, docs_url=None, redoc_url=None, openapi_url=None)
    for router in routers:
        document_error_statuses(router)
        app.include_router(router)
    install_error_handlers(app)
    app.add_middleware(InputGuard)
    return app


def create_lambda_handler(app: FastAPI) -> LambdaHandler:
    """The Lambda entry point for a REST API proxy integration serving `app`."""
    adapter = Mangum(app, lifespan="off")
    return instrument_handler(adapter, correlation_id_path=correlation_paths.API_GATEWAY_REST)
