"""Authorizer cache-miss verification with 10 and with 100 000 registered devices, and one
registration.

The cost must not grow with the number of devices (one indexed lookup, one bcrypt check); the
original design's scan over devices is shown for comparison at 10 devices (one check per device).
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from contextlib import redirect_stdout

import bcrypt
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bench.harness import Timing, measure, table
from infra.local.events import LambdaContext, proxy_event, token_authorizer_event
from shared.auth.tokens import format_token, hash_secret, new_secret
from shared.runtime.settings import get_settings

METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/v1/products"
RUNS = 100


def _fill_devices(url: str, total: int) -> tuple[str, list[str]]:
    """Make `total` devices exist; return one valid token and the hashes of the first ten."""
    rounds = get_settings().bcrypt_rounds
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        existing = conn.execute(text("SELECT count(*) FROM devices")).scalar_one()
        filler_hash = hash_secret(new_secret(), rounds)
        conn.execute(
            text(
                "INSERT INTO devices (id, token_hash) SELECT gen_random_uuid(), :h"
                " FROM generate_series(1, :n)"
            ),
            {"h": filler_hash, "n": total - existing - 1},
        )
        device_id, secret = uuid.uuid4(), new_secret()
        conn.execute(
            text("INSERT INTO devices (id, token_hash) VALUES (:id, :h)"),
            {"id": device_id, "h": hash_secret(secret, rounds)},
        )
        conn.execute(text("ANALYZE devices"))
        hashes = conn.execute(text("SELECT token_hash FROM devices LIMIT 10")).scalars().all()
    engine.dispose()
    return format_token(device_id, secret), list(hashes)


def _registration() -> Callable[[], None]:
    """One registration through the auth function's handler, a new device and source IP each
    time (the per-IP limit is 10 a minute): one rate-limit statement, one bcrypt hash, one
    upsert."""
    from functions.auth.handler import lambda_handler

    counter = iter(range(1, 10**6))

    def register() -> None:
        n = next(counter)
        body = json.dumps({"device_id": str(uuid.uuid4())}).encode()
        event = proxy_event(
            "POST",
            "/v1/devices/register",
            headers=[("Content-Type", "application/json")],
            body=body,
            source_ip=f"198.51.100.{n % 256}",
        )
        with redirect_stdout(io.StringIO()):
            result = lambda_handler(event, LambdaContext(function_name="AuthFunction"))
        assert result["statusCode"] == 200, result

    return register


def run(url: str) -> str:
    from functions.authorizer.handler import lambda_handler

    def verify(token: str) -> None:
        event = token_authorizer_event(f"Bearer {token}", METHOD_ARN)
        with redirect_stdout(io.StringIO()):  # EMF metrics are printed, as in Lambda; not shown
            result = lambda_handler(event, LambdaContext(function_name="AuthorizerFunction"))
        assert result["policyDocument"]["Statement"][0]["Effect"] == "Allow"

    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:  # no device left by another benchmark (they hash nothing)
        conn.execute(text("TRUNCATE devices CASCADE"))
    engine.dispose()
    small_token, hashes = _fill_devices(url, 10)
    small = measure("10 devices", lambda: verify(small_token), runs=RUNS)
    probe = new_secret().encode()
    scan = measure(
        "scan of 10 devices (original design)",
        lambda: [bcrypt.checkpw(probe, h.encode()) for h in hashes],
        runs=5,
        warmup=1,
    )
    large_token, _ = _fill_devices(url, 100_000)
    large = measure("100 000 devices", lambda: verify(large_token), runs=RUNS)
    single = measure(
        "one bcrypt check", lambda: bcrypt.checkpw(probe, hashes[0].encode()), runs=RUNS
    )
    register = measure("register (new device)", _registration(), runs=RUNS)
    rows: list[Timing] = [small, large, single, register, scan]
    rounds = get_settings().bcrypt_rounds
    return f"### Authorizer cache miss (bcrypt cost {rounds}, {RUNS} runs)\n\n" + table(
        rows, baseline=small
    )
