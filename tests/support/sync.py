"""A sync client for tests: pages through the feed and rebuilds the device's rows from it."""

from __future__ import annotations

from typing import Any

from shared.domain.sync_cursor import LISTS

State = dict[str, dict[str, dict[str, Any]]]

__all__ = ["LISTS", "State", "apply_page", "pass_through"]


def apply_page(state: State, page: dict[str, Any]) -> list[tuple[str, str]]:
    """Apply one page to `state` (the newest version of each row wins); the (list, id) pairs it
    delivered."""
    delivered = []
    for name in LISTS:
        for item in page[name]:
            state.setdefault(name, {})[item["id"]] = item
            delivered.append((name, item["id"]))
    return delivered


def pass_through(
    device: Any, limit: int | list[int], cursor: str | None = None, state: State | None = None
) -> tuple[State, str, list[tuple[str, str]]]:
    """Page from `cursor` until `has_more` is false, with `limit` (or the limits in turn);
    returns the state, the final cursor and everything delivered in order."""
    state = state if state is not None else {name: {} for name in LISTS}
    for name in LISTS:
        state.setdefault(name, {})
    limits = limit if isinstance(limit, list) else [limit]
    delivered: list[tuple[str, str]] = []
    turn = 0
    while True:
        params: dict[str, Any] = {"limit": limits[turn % len(limits)]}
        if cursor is not None:
            params["cursor"] = cursor
        response = device.get("/v1/sync/since", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        delivered += apply_page(state, page)
        cursor = page["cursor"]
        turn += 1
        if not page["has_more"]:
            return state, cursor, delivered
