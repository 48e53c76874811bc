"""A sliding-window rate limiter kept in PostgreSQL, so that every Lambda instance shares it.

One statement per check (`hit`), which opens registration's transaction
(`shared.db.units_of_work.transaction_opened_by`; `retry_after` reads its row): prune a bounded
batch of expired hits (of any bucket), count this bucket's hits in the window, and record a new
hit only when under the limit (rejected requests do not extend the wait). Two requests racing at
the limit can both pass: the bound is exact up to the number of concurrent requests from one
source, which is acceptable for abuse protection.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from shared.db.pipeline import Statement

_PRUNE_BATCH = 200

_CHECK = """
    WITH window_start AS (SELECT now() - make_interval(secs => %(window_s)s) AS t),
    pruned AS (
        DELETE FROM rate_limit_hits WHERE id IN (
            SELECT id FROM rate_limit_hits
            WHERE hit_at < (SELECT t FROM window_start)
            ORDER BY hit_at LIMIT %(prune_batch)s
        )
    ),
    recent AS (
        SELECT count(*) AS hits, min(hit_at) AS oldest FROM rate_limit_hits
        WHERE bucket = %(bucket)s AND hit_at >= (SELECT t FROM window_start)
    ),
    recorded AS (
        INSERT INTO rate_limit_hits (bucket) SELECT %(bucket)s FROM recent WHERE hits < %(limit)s
    )
    SELECT hits < %(limit)s AS allowed,
           ceil(extract(epoch FROM oldest + make_interval(secs => %(window_s)s) - now()))::int
               AS retry_after_s
    FROM recent
"""


def hit(bucket: str, *, limit: int, window_s: int) -> Statement:
    """The statement that records a hit for `bucket` when under `limit` hits in `window_s`."""
    params = {"bucket": bucket, "limit": limit, "window_s": window_s, "prune_batch": _PRUNE_BATCH}
    return _CHECK, params


def retry_after(row: Sequence[Any] | None) -> int | None:
    """None when `hit`'s row says the hit was allowed, else the seconds until a slot frees up."""
    assert row is not None  # the statement always returns one row
    allowed, retry_after_s = row
    return None if allowed else max(1, retry_after_s or 1)


def check_in(session: Session, bucket: str, *, limit: int, window_s: int) -> int | None:
    """`hit` run inside an open transaction: None when allowed, else the seconds to wait."""
    sql, params = hit(bucket, limit=limit, window_s=window_s)
    return retry_after(session.connection().exec_driver_sql(sql, params).first())
