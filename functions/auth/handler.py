"""Lambda entry point of the auth function (health, registration, the device's own record)."""

from __future__ import annotations

from functions.auth.routes import devices_router, health_router
from shared.web.app_factory import create_app, create_lambda_handler

app = create_app(health_router, devices_router, title="CountOnMe auth")
lambda_handler = create_lambda_handler(app)
