"""The short keyed hash that stands for a device id wherever an id must not be written.

A device id is a key: with registration open to a known id, whoever reads one can re-key the
device (docs/security.md). Logs, the authorizer's principal and security events carry this
reference instead: the same device gives the same reference on one stage, so events can be
correlated, and without the stage's key a reference cannot be tested against a guessed id.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

from shared.runtime.settings import get_settings

REF_HEX_CHARS = 16


def device_ref(device_id: uuid.UUID) -> str:
    """`dev_` and 64 bits of HMAC-SHA256 of the id under the stage's DEVICE_REF_KEY."""
    key = get_settings().device_ref_key.encode()
    digest = hmac.new(key, device_id.bytes, hashlib.sha256).hexdigest()
    return f"dev_{digest[:REF_HEX_CHARS]}"
