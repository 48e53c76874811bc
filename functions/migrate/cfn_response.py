"""Answers a CloudFormation custom resource request exactly once, before Lambda's timeout.

CloudFormation waits (up to the resource's ServiceTimeout) for a PUT to the pre-signed
ResponseURL; a handler that crashes or times out without answering wedges the stack. So the
responder sends at most one answer, and a timer sends FAILED when the remaining time runs low.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from typing import Any

SUCCESS = "SUCCESS"
FAILED = "FAILED"
REASON_LIMIT = 1000


class CfnResponder:
    def __init__(self, event: dict[str, Any], physical_resource_id: str):
        self._event = event
        self._physical_id = event.get("PhysicalResourceId") or physical_resource_id
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self.sent: str | None = None

    def send(self, status: str, reason: str, data: dict[str, str] | None = None) -> bool:
        """PUT the answer unless one was already sent; returns whether this call sent it."""
        with self._lock:
            if self.sent is not None:
                return False
            self.sent = status
        body = json.dumps(
            {
                "Status": status,
                "Reason": reason[:REASON_LIMIT],
                "PhysicalResourceId": self._physical_id,
                "StackId": self._event["StackId"],
                "RequestId": self._event["RequestId"],
                "LogicalResourceId": self._event["LogicalResourceId"],
                "NoEcho": False,
                "Data": data or {},
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL is CloudFormation's pre-signed S3 URL
            self._event["ResponseURL"],
            data=body,
            method="PUT",
            headers={"Content-Type": "", "Content-Length": str(len(body))},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            response.read()
        return True

    def fail_before(self, seconds: float, reason: str) -> None:
        """Send FAILED after `seconds` unless an answer was sent by then."""
        self._timer = threading.Timer(seconds, self.send, args=(FAILED, reason))
        self._timer.daemon = True
        self._timer.start()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
