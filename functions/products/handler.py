"""Lambda entry point of the products function (products, portions, search, catalog)."""

from __future__ import annotations

from functions.products.routes import catalog_router, products_router
from shared.web.app_factory import create_app, create_lambda_handler

app = create_app(products_router, catalog_router, title="CountOnMe products")
lambda_handler = create_lambda_handler(app)
