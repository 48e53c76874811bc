"""Lambda entry point of the entries function (food diary, stats, data reset)."""

from __future__ import annotations

from functions.entries.routes import router
from shared.web.app_factory import create_app, create_lambda_handler

app = create_app(router, title="CountOnMe entries")
lambda_handler = create_lambda_handler(app)
