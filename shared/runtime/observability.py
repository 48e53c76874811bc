"""Powertools Logger, Metrics and (optionally) Tracer, created once per container.

Importing the X-Ray SDK costs about 0.75 s of cold start here (it pulls in botocore even with
tracing disabled), nearly as much as FastAPI, SQLAlchemy and pydantic together. Lambda's active
tracing already records every invocation without it, so the SDK Tracer, with its per-query
subsegments, is switched on per stage by `XRAY_SDK_TRACING=true` and is never imported otherwise.
It patches only psycopg: the default patches every supported library and pulls in more.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any, cast

from aws_lambda_powertools import Logger, Metrics

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "countonme")
METRICS_NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "CountOnMe")

# Requests that record no business metric (health checks, reads) are normal, not worth a warning.
warnings.filterwarnings("ignore", message="No application metrics to publish")

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE)

LambdaHandler = Callable[[dict[str, Any], Any], Any]


def xray_sdk_enabled(env: dict[str, str] | None = None) -> bool:
    """True only inside Lambda and when the stage asked for SDK subsegments."""
    env = dict(os.environ if env is None else env)
    in_lambda = "LAMBDA_TASK_ROOT" in env and "AWS_SAM_LOCAL" not in env
    return in_lambda and env.get("XRAY_SDK_TRACING", "false").lower() == "true"


def instrument_handler(handler: LambdaHandler, *, correlation_id_path: str | None) -> LambdaHandler:
    """Wrap a Lambda handler with structured logging, EMF metrics and, if enabled, X-Ray."""
    wrapped = metrics.log_metrics(capture_cold_start_metric=True)(handler)
    wrapped = logger.inject_lambda_context(
        correlation_id_path=correlation_id_path, clear_state=True
    )(wrapped)
    if xray_sdk_enabled():
        from aws_lambda_powertools import Tracer

        tracer = Tracer(service=SERVICE, patch_modules=["psycopg"])
        wrapped = tracer.capture_lambda_handler(wrapped)
    return cast(LambdaHandler, wrapped)  # Powertools' decorators are typed as returning Any
