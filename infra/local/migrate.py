"""`make migrate`: apply the migrations to DATABASE_URL, or to the embedded development database."""

from __future__ import annotations

from functions.migrate.runner import upgrade_database
from infra.local.database import local_database_url
from shared.runtime.settings import redact_url


def main() -> None:
    _server, url = local_database_url()
    upgrade_database(url)
    print(f"Migrated to head: {redact_url(url)}")


if __name__ == "__main__":
    main()
