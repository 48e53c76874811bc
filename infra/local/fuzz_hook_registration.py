"""Registers the fuzz hooks (`infra/local/fuzz_hooks.py`) with schemathesis: the module that
`SCHEMATHESIS_HOOKS` names in the CLI run of `infra/local/fuzz.py`.

Kept apart from the hooks because schemathesis' registry is global: importing the hooks (their
unit tests do) must register nothing, or the suite's in-process schemathesis run would have its
cases changed, and rows created against a server that process does not have.
"""

from __future__ import annotations

import schemathesis

from infra.local.fuzz_hooks import before_call, map_case

schemathesis.hook(map_case)
schemathesis.hook(before_call)
