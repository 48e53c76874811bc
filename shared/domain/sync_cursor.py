"""The sync cursor: one position `(change_seq, id)` per list, opaque, versioned and URL-safe.

Format: `v1.` followed by unpadded URL-safe base64 of compact JSON `{"products": [seq, "id"],
…}`; a list without a position starts from the beginning. Anything else, a cursor of another
version included, is refused (422) rather than silently restarted from zero.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass

from shared.domain.errors import InvalidValueError

VERSION = "v1"
LISTS = ("products", "portions", "food_entries", "goals", "body_weights")
# Cursors are a few hundred bytes; a longer one is not ours.
MAX_CURSOR_LENGTH = 1024


@dataclass(frozen=True, order=True)
class Position:
    """The last row delivered from a list, in feed order."""

    change_seq: int
    id: uuid.UUID


Positions = dict[str, Position]


def encode(positions: Positions) -> str:
    payload = {name: [p.change_seq, str(p.id)] for name, p in sorted(positions.items())}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return f"{VERSION}." + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _refuse(reason: str) -> InvalidValueError:
    return InvalidValueError("cursor", f"invalid sync cursor: {reason}")


def decode(cursor: str | None) -> Positions:
    """The positions in `cursor` (none for no cursor: from the beginning); 422 with a reason
    when the cursor is malformed or of another version."""
    if cursor is None or cursor == "":
        return {}
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise _refuse("too long")
    version, dot, body = cursor.partition(".")
    if not dot:
        raise _refuse("no version")
    if version != VERSION:
        raise _refuse(f"version {version!r} is not {VERSION!r}; start again without a cursor")
    try:
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, ValueError):
        raise _refuse("not readable") from None
    if not isinstance(payload, dict) or not set(payload) <= set(LISTS):
        raise _refuse("unknown lists")
    positions: Positions = {}
    for name, value in payload.items():
        try:
            seq, row_id = value
            if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq < 2**63:
                raise ValueError
            positions[name] = Position(seq, uuid.UUID(row_id))
        except (TypeError, ValueError, AttributeError):
            raise _refuse(f"bad position for {name}") from None
    return positions
