"""The database role of each job, and what each may touch: kept in step by the migrate function
after every run (docs/security.md, "Database roles").

- **authorizer** (`countonme_authorizer`): reads a device's token state and writes its
  `last_seen_at`; nothing else, not even the device's other columns.
- **api** (`countonme_app`): the API functions. Reads and writes device data, only reads the
  catalog; no DELETE of a device row (erasure revokes it), nothing of the import's work tables.
- **import** (`countonme_import`): fills and merges the catalog; cannot read a device's data.
- The owner (the master user, the migrate function) alone changes the schema and
  `alembic_version`.

The API and authorizer roles log in through RDS Proxy, which holds their passwords in their
secrets; the import role logs in with IAM tokens (`rds_iam`) and has no password. Each role's
statement timeout and connection limit are its own settings, applied by the server at login:
the functions never send a `SET`, which would pin proxy sessions. Every run first revokes what a
role holds in the schema and then grants its list, so a privilege removed here is removed from
a deployed database, and a table a migration adds is reachable by no job until it is listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
DML = "SELECT, INSERT, UPDATE, DELETE"

# Every table of the schema is in exactly one of these (tests/integration/test_roles.py).
OWNER_ONLY_TABLES = ("alembic_version",)
DEVICE_TABLES = (
    "devices",
    "products",
    "product_portions",
    "food_entries",
    "body_weights",
    "user_goals",
    "rate_limit_hits",
)
CATALOG_TABLES = ("catalog_products", "catalog_portions", "catalog_search_words")
IMPORT_WORK_TABLES = (
    "catalog_import_staging",
    "catalog_import_runs",
    "catalog_import_batches",
    "catalog_deltas",
)

# What the authorizer reads (shared/repositories/device_tokens.py) and the one column it writes.
AUTHORIZER_GRANTS: tuple[tuple[str, str], ...] = (
    ("SELECT (id, token_hash, token_generation, revoked_at, last_seen_at)", "devices"),
    ("UPDATE (last_seen_at)", "devices"),
)
API_GRANTS: tuple[tuple[str, str], ...] = (
    ("SELECT, INSERT, UPDATE", "devices"),
    *((DML, table) for table in DEVICE_TABLES if table != "devices"),
    *(("SELECT", table) for table in CATALOG_TABLES),
)
IMPORT_GRANTS: tuple[tuple[str, str], ...] = tuple(
    (DML, table) for table in (*CATALOG_TABLES, *IMPORT_WORK_TABLES)
)
# Below the import function's 900 s timeout: a stuck statement fails, and is retried, in time.
IMPORT_STATEMENT_TIMEOUT_MS = 600_000
# The import's own connections besides its batches: prepare, merge or finish (one at a time),
# and one spare for an operator's look during a run.
IMPORT_CONNECTIONS_BESIDE_BATCHES = 2


@dataclass(frozen=True)
class Role:
    name: str
    grants: tuple[tuple[str, str], ...]
    statement_timeout_ms: int
    connection_limit: int
    # None: the role logs in with IAM tokens only.
    password: str | None = None

    def __repr__(self) -> str:
        return f"Role({self.name!r}, connection_limit={self.connection_limit})"


def valid_role_name(username: str) -> str:
    """The name, when it is safe to quote into DDL (roles cannot be bound parameters)."""
    if not _ROLE_NAME.fullmatch(username):
        raise ValueError(f"unsafe role name {username!r}")
    return username


def _quote_literal(value: str) -> str:
    """A SQL string literal (standard_conforming_strings is on: only quotes need doubling).
    CREATE/ALTER ROLE cannot take the password as a bound parameter."""
    return "'" + value.replace("'", "''") + "'"


def ensure_role(engine: Engine, role: Role) -> None:
    """Create or update the role, its login settings and its grants, in one transaction."""
    name = valid_role_name(role.name)
    with engine.begin() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": name}
        ).scalar()
        login = f"LOGIN CONNECTION LIMIT {int(role.connection_limit)}"
        if role.password is not None:
            login += f" PASSWORD {_quote_literal(role.password)}"
        conn.execute(text(f'{"ALTER" if exists else "CREATE"} ROLE "{name}" {login}'))
        conn.execute(
            text(f'ALTER ROLE "{name}" SET statement_timeout = {int(role.statement_timeout_ms)}')
        )
        # Aurora's role for IAM database authentication; absent from a plain PostgreSQL.
        iam = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam'")).scalar()
        if role.password is None and iam:
            conn.execute(text(f'GRANT rds_iam TO "{name}"'))
        _regrant(conn, name, role.grants)


def _regrant(conn: Connection, name: str, grants: tuple[tuple[str, str], ...]) -> None:
    for revoke in (
        f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{name}"',
        f'REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM "{name}"',
        # Earlier versions granted the app role every future table by default.
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM "{name}"',
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM "{name}"',
    ):
        conn.execute(text(revoke))
    conn.execute(text(f'GRANT USAGE ON SCHEMA public TO "{name}"'))
    for privileges, table in grants:
        conn.execute(text(f'GRANT {privileges} ON {table} TO "{name}"'))
    inserted = [table for privileges, table in grants if "INSERT" in privileges]
    for (sequence,) in conn.execute(_OWNED_SEQUENCES, {"tables": inserted}):
        conn.execute(text(f'GRANT USAGE ON SEQUENCE {sequence} TO "{name}"'))


# Sequences that serial and identity columns of these tables draw from.
_OWNED_SEQUENCES = text(
    "SELECT DISTINCT s.oid::regclass::text FROM pg_class s"
    " JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid"
    " JOIN pg_class t ON t.oid = d.refobjid AND d.refclassid = 'pg_class'::regclass"
    " WHERE s.relkind = 'S' AND t.relname = ANY(:tables)"
)
