"""REST API TOKEN authorizer: a plain Powertools handler (no FastAPI, Mangum or ORM imports).

Valid token → Allow on every route of the stage (the decision is cached per token, so a policy for
one route only would block the device's next route) with `device_id` and `token_generation` in the
context and the device's reference (never its id) as the principal; every function re-checks that
generation against the database in its first statement, so the cache TTL decides cost, never who
gets in. Unknown, malformed or wrong → `Unauthorized` (API Gateway answers 401, the app registers
again). Revoked, once the secret matches → explicit Deny (403, the app stops). A database outage
raises, which the gateway answers 503.
"""

from __future__ import annotations

import uuid
from typing import Any, NoReturn

from shared import snapstart
from shared.auth.device_auth import Verdict, Verification, verify_token
from shared.auth.device_ref import device_ref
from shared.auth.tokens import bearer_token, format_token, new_secret, parse_token, secret_matches
from shared.db.engine import autocommit_connection, retry_on_stale_connection
from shared.domain.errors import InvalidTokenError
from shared.runtime.observability import instrument_handler, logger, metrics
from shared.runtime.settings import get_settings


def _stage_wildcard(method_arn: str) -> str:
    """arn:aws:execute-api:region:account:api-id/stage/VERB/path → …/api-id/stage/*/*."""
    api_arn, stage = method_arn.split("/")[:2]
    return f"{api_arn}/{stage}/*/*"


def _policy(principal: str, effect: str, resource: str, context: dict[str, str]) -> dict[str, Any]:
    return {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
        "context": context,
    }


def _reject(reason: str) -> NoReturn:
    metrics.add_metric(name="AuthorizerInvalid", unit="Count", value=1)
    logger.info("Token rejected", extra={"reason": reason})
    raise Exception("Unauthorized")  # API Gateway maps exactly this message to 401


def authorize(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    try:
        parsed = parse_token(bearer_token(event.get("authorizationToken")))
    except InvalidTokenError:
        return _reject("malformed")

    def verify() -> Verification:
        with autocommit_connection() as connection:
            return verify_token(connection, parsed, bcrypt_rounds=get_settings().bcrypt_rounds)

    # A lookup and an idempotent `last_seen_at` touch: safe to repeat on a fresh connection.
    result = retry_on_stale_connection(verify)
    if result.verdict is Verdict.INVALID:
        return _reject("unknown device or wrong secret")
    metrics.add_metric(name=f"Authorizer{result.verdict.value.title()}", unit="Count", value=1)
    assert result.device_id is not None
    # The principal shows in API Gateway's logs and metrics: the device's reference, not its id.
    principal = device_ref(result.device_id)
    resource = _stage_wildcard(event["methodArn"])
    if result.verdict is Verdict.REVOKED:
        logger.info("Revoked device denied", extra={"device_ref": principal})
        return _policy(principal, "Deny", resource, {})
    context = {"device_id": str(result.device_id), "token_generation": str(result.generation)}
    return _policy(principal, "Allow", resource, context)


def prime() -> bool:
    """SnapStart priming without the database: a token parsed and one bcrypt check (its first
    call builds the comparison hash an unknown device is checked against)."""
    parsed = parse_token(format_token(uuid.uuid4(), new_secret()))
    return secret_matches(parsed.secret, None, rounds=get_settings().bcrypt_rounds)


snapstart.register(prime)
lambda_handler = instrument_handler(authorize, correlation_id_path=None)
