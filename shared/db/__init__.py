"""Database plumbing: the engine and its connections, wire round trips, token freshness and the
unit-of-work scopes routes run in. No business rules and no table-specific SQL."""
