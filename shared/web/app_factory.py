"""Builds a function's FastAPI app from its routers and wraps it as a Lambda handler.

Mangum runs with `lifespan="off"`: it would otherwise run the startup/shutdown cycle on every
invocation. The engine is created per container (see `shared.db.engine`), never in a lifespan. The
docs routes are off in Lambda; the local emulator serves the merged OpenAPI of all functions
instead. Each handler registers its SnapStart hooks (`shared.snapstart`): the priming
request goes to one of the app's own routes without an authorizer context, so it is refused with a
401 before any database work, through routing, dependencies and the error handlers.

Routes are `async def` although they call the database synchronously. FastAPI runs a `def` route
in a worker thread; Mangum runs each invocation on a loop of its own, so that is a thread hop
per request: `bench/bench_route_style.py` measured the products list at 1.40 ms as `async def`
and 2.97 ms as `def` (median, in-process, docs/performance.md). Blocking the loop costs nothing
where one request runs per loop at a time: a Lambda sandbox serves one invocation at a time, and
the local gateway gives each sandbox thread its own loop. An `async def` route must therefore
never be served by a loop shared between concurrent requests.
"""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools.logging import correlation_paths
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from mangum import Mangum

from shared import snapstart
from shared.runtime.observability import LambdaHandler, instrument_handler
from shared.web.error_handlers import install_error_handlers
from shared.web.input_guard import InputGuard
from shared.web.no_store import NoStore
from shared.web.openapi_statuses import document_error_statuses
from shared.web.stale_token_first import StaleTokenFirst

API_VERSION = "1.0.0"


def create_app(*routers: APIRouter, title: str) -> FastAPI:
    """A FastAPI app holding only the given routers, with the shared error handling."""
    app = FastAPI(title=title, version=API_VERSION, docs_url=None, redoc_url=None, openapi_url=None)
    for router in routers:
        document_error_statuses(router)
        app.include_router(router)
    app.state.priming_path = _priming_path(routers)
    install_error_handlers(app)
    app.add_middleware(InputGuard)
    app.add_middleware(StaleTokenFirst)  # around the guard: a dead token outranks its refusals
    app.add_middleware(NoStore)  # outermost: every answer gets it
    return app


def create_lambda_handler(app: FastAPI) -> LambdaHandler:
    """The Lambda entry point for a REST API proxy integration serving `app`."""
    adapter = Mangum(app, lifespan="off")
    snapstart.register(priming_request(app, adapter))
    return instrument_handler(adapter, correlation_id_path=correlation_paths.API_GATEWAY_REST)


def _priming_path(routers: tuple[APIRouter, ...]) -> str:
    """The first GET route without path parameters (else one the app does not have: a 404)."""
    for router in routers:
        for route in router.routes:
            if (
                isinstance(route, APIRoute)
                and "GET" in (route.methods or ())
                and "{" not in route.path
            ):
                return route.path
    return "/snapstart-priming"


def priming_request(app: FastAPI, adapter: Mangum) -> Callable[[], int]:
    """A call that sends one REST proxy event through `adapter` (not through the instrumented
    handler: no log context, no metrics) and returns the response's status."""
    path = app.state.priming_path
    event = {
        "resource": path,
        "path": path,
        "httpMethod": "GET",
        "headers": {"accept": "application/json"},
        "multiValueHeaders": {"accept": ["application/json"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": "GET",
            "path": path,
            "stage": "snapstart",
            "requestId": "snapstart-priming",
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": None,
        "isBase64Encoded": False,
    }

    def prime() -> int:
        response = adapter(event, None)  # type: ignore[arg-type]  # no context while priming
        status: int = response["statusCode"]
        return status

    return prime
