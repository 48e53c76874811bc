"""What a name or label a person gives may hold: text that shows as what it says.

Refused: control characters (C0, DEL, C1, the line and paragraph separators), which terminals
and log viewers act on; the bidi embeddings, overrides and isolates (U+202A to U+202E and U+2066
to U+2069), which make a name display in another order than it is stored ("Trojan Source");
and text made only of characters that show nothing (spaces, zero-width characters, fillers,
variation selectors), which lists as an empty row. The marks LRM and RLM stay allowed: right-to-left
names need them.

One regular expression says it, written with escapes that ECMAScript and Python read alike, so
the OpenAPI document states exactly the rule the server applies.
"""

from __future__ import annotations

import re

# Characters never allowed anywhere in a name.
_REFUSED = r"\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069"
# Characters that show nothing; a name needs at least one character outside these.
_INVISIBLE = (
    r" \u00a0\u00ad\u034f\u061c\u115f\u1160\u1680\u17b4\u17b5\u180b-\u180f\u2000-\u200f"
    r"\u202f\u205f-\u2064\u206a-\u206f\u2800\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
)
SHOWN_TEXT_PATTERN = rf"^[^{_REFUSED}]*[^{_REFUSED}{_INVISIBLE}][^{_REFUSED}]*$"
_SHOWN_TEXT = re.compile(SHOWN_TEXT_PATTERN[1:-1])


def shows_as_written(value: str) -> bool:
    """True when `value` holds no refused character and at least one visible one."""
    return _SHOWN_TEXT.fullmatch(value) is not None
