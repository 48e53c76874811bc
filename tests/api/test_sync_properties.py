"""Sync never loses, repeats or invents a row: random interleavings of every write path with an
incremental client paging at random limits, then a full pass, both rebuilt and compared with the
database row by row; and a writer whose transaction started before the reader's page but
committed after it."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from shared.services.sync import FEEDS
from tests.support.api import MANUAL_GOAL, Device, seeded_device
from tests.support.sync import LISTS, State, apply_page, pass_through

OPERATIONS = (
    "product", "rename", "delete_product", "portion", "default", "delete_portion", "entry",
    "patch_entry", "delete_entry", "goal", "patch_goal", "delete_goal", "weight",
    "patch_weight", "delete_weight", "reset", "sync",
)  # fmt: skip


def database_state(engine: Engine, device: Device) -> State:
    """Every row of the device (tombstones included) as the feed represents it."""
    with Session(engine) as session:
        state: State = {}
        for name, (model, item, _) in FEEDS.items():
            rows = session.query(model).filter(model.device_id == device.id).all()  # type: ignore[attr-defined]
            state[name] = {str(r.id): item.model_validate(r).model_dump(mode="json") for r in rows}
    return state


class Actor:
    """Applies the app's writes at random; tracks the ids it has seen."""

    def __init__(self, device: Device, choose: random.Random):
        self.device, self.choose = device, choose
        self.products: list[str] = []
        self.portions: dict[str, str] = {}  # portion -> product
        self.known: dict[str, list[str]] = {"entries": [], "goals": [], "weights": []}

    def pick(self, items: list[str]) -> str | None:
        return self.choose.choice(items) if items else None

    def run(self, operation: str, n: int) -> None:
        d = self.device
        if operation == "product":
            self.products.append(d.post("/v1/products", {"name": f"p{n}"}).json()["id"])
        elif operation == "rename" and (p := self.pick(self.products)):
            d.patch(f"/v1/products/{p}", {"name": f"r{n}"})
        elif operation == "delete_product" and (p := self.pick(self.products)):
            d.delete(f"/v1/products/{p}")
        elif operation == "portion" and (p := self.pick(self.products)):
            body = {"label": f"l{n}", "base_amount": 100, "base_unit": "g", "calories": n % 500,
                    "is_default": n % 2 == 0}  # fmt: skip
            response = d.post(f"/v1/products/{p}/portions", body)
            if response.status_code == 201:
                self.portions[response.json()["id"]] = p
        elif operation == "default" and (q := self.pick(list(self.portions))):
            d.patch(f"/v1/portions/{q}", {"is_default": True})
        elif operation == "delete_portion" and (q := self.pick(list(self.portions))):
            d.delete(f"/v1/portions/{q}")
        elif operation == "entry" and (q := self.pick(list(self.portions))):
            body = {"product_id": self.portions[q], "portion_id": q, "day": "2026-03-15",
                    "meal_type": "lunch", "amount": n % 300 + 1, "unit": "g"}  # fmt: skip
            response = d.post("/v1/food-entries", body)
            if response.status_code == 201:
                self.known["entries"].append(response.json()["id"])
        elif operation == "patch_entry" and (e := self.pick(self.known["entries"])):
            d.patch(f"/v1/food-entries/{e}", {"amount": n % 300 + 1})
        elif operation == "delete_entry" and (e := self.pick(self.known["entries"])):
            d.delete(f"/v1/food-entries/{e}")
        elif operation == "goal":
            self.known["goals"].append(d.post("/v1/goals/manual", MANUAL_GOAL).json()["id"])
        elif operation == "patch_goal" and (g := self.pick(self.known["goals"])):
            d.patch(f"/v1/goals/{g}", {"water_ml": n % 5000})
        elif operation == "delete_goal" and (g := self.pick(self.known["goals"])):
            d.delete(f"/v1/goals/{g}")
        elif operation == "weight":
            body = {"day": f"2026-03-{n % 5 + 10}", "weight_kg": 70 + n % 3}
            response = d.post("/v1/body-weights", body)
            if response.status_code in (200, 201):
                self.known["weights"].append(response.json()["id"])
        elif operation == "patch_weight" and (w := self.pick(self.known["weights"])):
            d.patch(f"/v1/body-weights/{w}", {"weight_kg": 60 + n % 20})
        elif operation == "delete_weight" and (w := self.pick(self.known["weights"])):
            d.delete(f"/v1/body-weights/{w}")
        elif operation == "reset":
            d.delete("/v1/data/reset")


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 10_000)), min_size=1, max_size=30
    ),
    limits=st.lists(st.integers(1, 7), min_size=1, max_size=5),
)
def test_rebuilt_state_equals_the_database(
    client: TestClient, engine: Engine, steps: list[tuple[str, int]], limits: list[int]
) -> None:
    device = seeded_device(client, engine)
    actor = Actor(device, random.Random(len(steps)))
    incremental: State = {name: {} for name in LISTS}
    cursor: str | None = None
    for operation, n in steps:
        if operation == "sync":  # the app syncs one page between writes
            params: dict[str, Any] = {"limit": n % 7 + 1}
            if cursor is not None:
                params["cursor"] = cursor
            page = device.get("/v1/sync/since", params=params).json()
            apply_page(incremental, page)
            cursor = page["cursor"]
        else:
            actor.run(operation, n)
    truth = database_state(engine, device)
    # The client that synced along the way catches up and sees exactly the database.
    caught_up, _, _ = pass_through(device, limits, cursor, incremental)
    assert caught_up == truth
    # A new install pages from the beginning: every row once, tombstones included.
    fresh, final_cursor, delivered = pass_through(device, limits)
    assert fresh == truth
    assert len(delivered) == len(set(delivered))
    idle = device.get("/v1/sync/since", params={"cursor": final_cursor}).json()
    assert not idle["has_more"] and all(idle[name] == [] for name in LISTS)


def test_a_transaction_that_started_before_a_page_and_commits_after_it_is_not_lost(
    client: TestClient, engine: Engine
) -> None:
    """The slow writer begins (fixing its `updated_at`), then another write of the device commits
    and a reader pages past it; the slow writer commits last. A cursor on `updated_at` would skip
    the slow writer's row forever; the change sequence delivers it on the next page."""
    device = seeded_device(client, engine)
    began, may_commit, committed = threading.Event(), threading.Event(), threading.Event()
    slow: dict[str, Any] = {}

    def slow_writer() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT now()"))  # the transaction (and its now()) starts here
            began.set()
            may_commit.wait(10)
            # What `writing()` does: take the device lock and a sequence number, then write.
            conn.execute(
                text("UPDATE devices SET change_seq = change_seq + 1 WHERE id = :d"),
                {"d": device.id},
            )
            row = conn.execute(
                text(
                    "INSERT INTO products (device_id, name) VALUES (:d, 'slow')"
                    " RETURNING id, updated_at"
                ),
                {"d": device.id},
            ).one()
            slow.update(id=str(row.id), updated_at=row.updated_at)
            conn.commit()
        committed.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert began.wait(10)
    time.sleep(0.01)
    fast = device.product("fast")  # commits after the slow transaction began
    state, cursor, _ = pass_through(device, 1)
    assert list(state["products"]) == [fast["id"]]
    may_commit.set()
    assert committed.wait(10)
    thread.join()
    from datetime import datetime

    assert slow["updated_at"] < datetime.fromisoformat(fast["updated_at"])  # the hazard is real
    state, _, delivered = pass_through(device, 1, cursor, state)
    assert delivered == [("products", slow["id"])]
    assert set(state["products"]) == {fast["id"], slow["id"]}


def test_writers_in_other_threads_while_a_reader_pages(client: TestClient, engine: Engine) -> None:
    device = seeded_device(client, engine)
    stop = threading.Event()
    errors: list[int] = []

    def writer(k: int) -> None:
        n = 0
        while not stop.is_set() and n < 40:
            response = device.post("/v1/products", {"name": f"w{k}-{n}"})
            if response.status_code != 201:
                errors.append(response.status_code)
            if n % 3 == 0:
                device.delete(f"/v1/products/{response.json()['id']}")
            n += 1

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(3)]
    for thread in threads:
        thread.start()
    state: State = {name: {} for name in LISTS}
    cursor: str | None = None
    while any(t.is_alive() for t in threads):
        state, cursor, _ = pass_through(device, 3, cursor, state)
    for thread in threads:
        thread.join()
    state, _, _ = pass_through(device, 3, cursor, state)
    assert errors == []
    assert state == database_state(engine, device)
    assert len(state["products"]) == 120
