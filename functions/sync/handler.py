"""Lambda entry point of the sync function (incremental sync and the data export)."""

from __future__ import annotations

from functions.sync.routes import router
from shared.web.app_factory import create_app, create_lambda_handler

app = create_app(router, title="CountOnMe sync")
lambda_handler = create_lambda_handler(app)
