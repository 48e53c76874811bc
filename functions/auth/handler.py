"""Lambda entry point of the auth function: health check (device registration lands here too)."""

from __future__ import annotations

from fastapi import APIRouter

from shared.web.app_factory import create_app, create_lambda_handler

health_router = APIRouter(tags=["health"])


@health_router.get("/health")
async def health() -> dict[str, bool]:
    """Liveness only: it never touches the database, so it stays cheap and always answers."""
    return {"ok": True}


app = create_app(health_router, title="CountOnMe auth")
lambda_handler = create_lambda_handler(app)
