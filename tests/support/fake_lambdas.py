"""Stand-in Lambda handlers that let the emulator's own behaviour be tested in isolation."""

from __future__ import annotations

import json
from typing import Any

ALLOW_ALL = "allow"
DENY = "deny"
REJECT = "reject"
CRASH = "crash"
MALFORMED = "malformed"
authorizer_calls: list[str] = []


def echo_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Returns the event it received, so tests can inspect what the gateway built."""
    if event["path"] == "/crash":
        raise RuntimeError("boom")
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"X-Multi": ["a", "b"]},
        "body": json.dumps({"event": event, "function": context.function_name}),
        "isBase64Encoded": False,
    }


def authorizer(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Decides by the token's text: allow, deny, reject (401), crash (500) or malformed."""
    token = event["authorizationToken"].removeprefix("Bearer ")
    authorizer_calls.append(token)
    if token == REJECT:
        raise Exception("Unauthorized")  # the message is the Lambda contract
    if token == CRASH:
        raise RuntimeError("database down")
    if token == MALFORMED:
        return {"nothing": "useful"}
    arn_prefix = event["methodArn"].split("/", 1)[0]
    effect = "Deny" if token == DENY else "Allow"
    return {
        "principalId": "device-1",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": f"{arn_prefix}/*/*"}
            ],
        },
        "context": {"device_id": "device-1"},
    }
