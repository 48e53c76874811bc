"""Lambda entry point of the goals function."""

from __future__ import annotations

from functions.goals.routes import router
from shared.web.app_factory import create_app, create_lambda_handler

app = create_app(router, title="CountOnMe goals")
lambda_handler = create_lambda_handler(app)
