"""Keeps the API's database role in step with its Secrets Manager secret.

RDS Proxy logs into PostgreSQL as the app role with the password in the app secret (clients reach
the proxy with IAM tokens). After each migration run the migrate function creates the role if
missing, sets its password from the secret (so a rotation is picked up on the next deploy), and
grants it data access only: no DDL, no ownership. The role also carries the API's
`statement_timeout` as its own setting, applied by the server at every login, because a `SET`
from the functions would pin RDS Proxy sessions.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, text

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def _quote_literal(value: str) -> str:
    """A SQL string literal (standard_conforming_strings is on: only quotes need doubling).
    CREATE/ALTER ROLE cannot take the password as a bound parameter."""
    return "'" + value.replace("'", "''") + "'"


def valid_role_name(username: str) -> str:
    """The name, when it is safe to quote into DDL (roles cannot be bound parameters)."""
    if not _ROLE_NAME.fullmatch(username):
        raise ValueError(f"unsafe role name {username!r}")
    return username


def ensure_app_role(
    engine: Engine, username: str, password: str, statement_timeout_ms: int
) -> None:
    valid_role_name(username)
    with engine.begin() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": username}
        ).scalar()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(text(f'{verb} ROLE "{username}" LOGIN PASSWORD {_quote_literal(password)}'))
        conn.execute(
            text(f'ALTER ROLE "{username}" SET statement_timeout = {int(statement_timeout_ms)}')
        )
        for grant in (
            f'GRANT USAGE ON SCHEMA public TO "{username}"',
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{username}"',
            f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{username}"',
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public"
            f' GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{username}"',
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public"
            f' GRANT USAGE, SELECT ON SEQUENCES TO "{username}"',
        ):
            conn.execute(text(grant))
