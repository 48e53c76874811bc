"""A sliding-window rate limiter kept in PostgreSQL, so that every Lambda instance shares it.

One statement per check: prune a bounded batch of expired hits (of any bucket), count this
bucket's hits in the window, and record a new hit only when under the limit (rejected requests do
not extend the wait). Two requests racing at the limit can both pass: the bound is exact up to
the number of concurrent requests from one source, which is acceptable for abuse protection.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

_PRUNE_BATCH = 200

_CHECK = text(
    """
    WITH window_start AS (SELECT now() - make_interval(secs => :window_s) AS t),
    pruned AS (
        DELETE FROM rate_limit_hits WHERE id IN (
            SELECT id FROM rate_limit_hits
            WHERE hit_at < (SELECT t FROM window_start)
            ORDER BY hit_at LIMIT :prune_batch
        )
    ),
    recent AS (
        SELECT count(*) AS hits, min(hit_at) AS oldest FROM rate_limit_hits
        WHERE bucket = :bucket AND hit_at >= (SELECT t FROM window_start)
    ),
    recorded AS (
        INSERT INTO rate_limit_hits (bucket) SELECT :bucket FROM recent WHERE hits < :limit
    )
    SELECT hits < :limit AS allowed,
           ceil(extract(epoch FROM oldest + make_interval(secs => :window_s) - now()))::int
               AS retry_after_s
    FROM recent
    """
)


def take(session: Session, bucket: str, *, limit: int, window_s: int) -> int | None:
    """Record a hit for `bucket`; None when allowed, else the seconds until a slot frees up."""
    row = session.execute(
        _CHECK,
        {"bucket": bucket, "limit": limit, "window_s": window_s, "prune_batch": _PRUNE_BATCH},
    ).one()
    return None if row.allowed else max(1, row.retry_after_s or 1)
