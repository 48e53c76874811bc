"""Keeps the catalog import's database role in step with the schema.

The import function logs in to the cluster's writer endpoint with an IAM token (no password, so
nothing to rotate) as this role. Its grants are the catalog's tables only: it can fill and merge
the catalog, and cannot read a device's data. Its statement timeout is its own setting, long
enough for a merge chunk and the vocabulary rebuild yet below the function's 15 minutes, applied
by the server at login: the import never sends a `SET`.
"""

from __future__ import annotations

from sqlalchemy import Engine, text

from functions.migrate.app_role import valid_role_name

# Below the import function's 900 s timeout: a stuck statement fails, and is retried, in time.
IMPORT_STATEMENT_TIMEOUT_MS = 600_000
CATALOG_TABLES = (
    "catalog_products",
    "catalog_portions",
    "catalog_import_staging",
    "catalog_search_words",
    "catalog_import_runs",
    "catalog_import_batches",
)


def ensure_import_role(engine: Engine, username: str) -> None:
    role = valid_role_name(username)
    tables = ", ".join(CATALOG_TABLES)
    with engine.begin() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": role}
        ).scalar()
        if not exists:
            conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        conn.execute(
            text(f'ALTER ROLE "{role}" SET statement_timeout = {IMPORT_STATEMENT_TIMEOUT_MS}')
        )
        # Aurora's role for IAM database authentication; absent from a plain PostgreSQL.
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam'")).scalar():
            conn.execute(text(f'GRANT rds_iam TO "{role}"'))
        staging_sequence = conn.execute(
            text("SELECT pg_get_serial_sequence('catalog_import_staging', 'seq')")
        ).scalar_one()
        for grant in (
            f'GRANT USAGE ON SCHEMA public TO "{role}"',
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON {tables} TO "{role}"',
            f'GRANT USAGE ON SEQUENCE {staging_sequence} TO "{role}"',
        ):
            conn.execute(text(grant))
