"""`make catalog-freshness`: how fresh the catalog of DATABASE_URL (or of the embedded database)
is: the last change of the newest applied delta file, its age, and exit status 1 when that is
older than `STALE_AFTER` (the age at which the deployed stage's alarm fires), so a cron job or a
shell can act on it."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from infra.catalog import import_dump
from infra.local.database import local_database_url
from shared.domain.catalog_deltas import STALE_AFTER
from shared.repositories import catalog_deltas


def main() -> int:
    _server, url = local_database_url()
    try:
        with import_dump.connect(url) as connection:
            fresh = catalog_deltas.fresh_through(connection)
    except import_dump.ImportRefused as exc:
        print(f"catalog-freshness: {exc}", file=sys.stderr)
        return 2
    except import_dump.DATABASE_ERRORS as exc:
        print(f"catalog-freshness: {import_dump.unreachable(exc)}", file=sys.stderr)
        return 2
    if fresh is None:
        print("no delta applied yet: run make catalog-refresh")
        return 1
    age = datetime.now(UTC) - fresh
    hours = age.total_seconds() / 3600
    print(f"fresh through {fresh.isoformat()} ({hours:.1f} hours ago)")
    return 1 if age > STALE_AFTER else 0


if __name__ == "__main__":
    raise SystemExit(main())
