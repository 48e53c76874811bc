"""A replaced or revoked token is refused with 401/403 whatever else is wrong with the request.

Each request's first statement checks the caller's token (`shared.db.freshness`), but a request
refused before any statement never runs it: the input guard's 413/422, a validation error, a
path no route has, a service that refuses before it queries. Such a request would tell the
holder of a dead token something about the request (and the app would not re-register). So any
4xx answer other than 401/403/429 to a request that carries the authorizer's caller is held back
until the freshness check alone has run (`require_fresh`, one round trip, on refusals only); a
dead token's 401/403 then replaces it. A refusal that came after the request's own check (a 404
of a read, a 409 of a write) pays that round trip again and keeps its answer; the check reads
and writes nothing.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.db.units_of_work import require_fresh
from shared.domain.errors import DeviceRevokedError, InvalidTokenError, ServiceUnavailableError
from shared.web.dependencies import authorized_device
from shared.web.error_handlers import domain_error_response

# Refusals that say nothing more than a token's own answer would, or are that answer.
_NOT_HELD = frozenset({401, 403, 429})


class StaleTokenFirst:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        event = (scope.get("aws.event") or {}) if scope["type"] == "http" else {}
        caller = authorized_device(event)
        if caller is None:
            await self.app(scope, receive, send)
            return
        replaced = False

        async def send_unless_stale(message: Message) -> None:
            nonlocal replaced
            if replaced:
                return  # the original refusal's body: dropped
            if message["type"] == "http.response.start":
                status = message["status"]
                if 400 <= status < 500 and status not in _NOT_HELD:
                    try:
                        require_fresh(caller)
                    except (InvalidTokenError, DeviceRevokedError) as stale:
                        replaced = True
                        await domain_error_response(Request(scope), stale)(scope, receive, send)
                        return
                    except ServiceUnavailableError:
                        pass  # the token cannot be checked now: the request's own refusal stands
            await send(message)

        await self.app(scope, receive, send_unless_stale)
