"""Lambda entry point of the weights function (body weights and the weight chart)."""

from __future__ import annotations

from functions.weights.routes import router
from shared.web.app_factory import create_app, create_lambda_handler

app = create_app(router, title="CountOnMe weights")
lambda_handler = create_lambda_handler(app)
