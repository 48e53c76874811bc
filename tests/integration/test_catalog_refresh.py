"""`make catalog-refresh` against a local delta server and the real PostgreSQL: deltas apply
oldest first and are recorded, a second run does nothing, a delta applied twice changes nothing,
a refresh killed during a download or during an import resumes and completes, and a broken file
is reported with nothing of it applied."""

from __future__ import annotations

import gzip
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, text

from infra.catalog import freshness, synthetic
from infra.catalog.import_dump import main as import_main
from infra.catalog.refresh import main as refresh_main
from infra.local.delta_server import DeltaServer
from shared.repositories import catalog_deltas
from tests.support.catalog_data import off_products
from tests.support.deltas import (
    DAY,
    FIRST_CHANGE,
    delta_name,
    write_delta,
)

ROOT = Path(__file__).resolve().parents[2]
# A product of the sample that passes the gates; the tests rename it from one day to the next.
CHANGED = "0000105000042"


@pytest.fixture
def refresh(
    database_url: str, clean_db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """`make catalog-refresh` in-process against the tests' database; its exit status."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    downloads = tmp_path / "downloads"

    def run(server: DeltaServer) -> int:
        return refresh_main(["--source-url", server.url, "--downloads", str(downloads)])

    run.downloads = downloads  # type: ignore[attr-defined]
    yield run


def renamed(product: dict[str, Any], name: str, day: int) -> dict[str, Any]:
    """The product under another name (in every name field the mapping may read), as changed
    during the `day`-th delta's window."""
    names = {k: name for k in product if k.startswith("product_name")}
    return {**product, **names, "last_modified_t": FIRST_CHANGE + day * DAY + 60}


def two_days(folder: Path) -> None:
    """Day 0: 300 sample products, CHANGED named "Old name"; day 1: 200 others and CHANGED named
    "New name" (the index lists day 1 first, as the real one does)."""
    products = off_products()
    changed = next(p for p in products if p["code"] == CHANGED)
    day0 = [p for p in products[:300] if p["code"] != CHANGED] + [renamed(changed, "Old name", 0)]
    day1 = [p for p in products[300:500] if p["code"] != CHANGED] + [
        renamed(changed, "New name", 1)
    ]
    write_delta(folder, 0, day0)
    write_delta(folder, 1, day1)


def catalog(engine: Engine) -> dict[str, tuple[Any, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT source_id, name, updated_at FROM catalog_products WHERE source = 'off'")
        ).all()
    return {r.source_id: (r.name, r.updated_at) for r in rows}


def applied(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT name FROM catalog_deltas ORDER BY name")).scalars())


def test_deltas_apply_oldest_first_and_a_second_run_does_nothing(
    refresh: Any, served: DeltaServer, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    two_days(served.folder)
    assert refresh(served) == 0
    after = catalog(engine)
    summary = capsys.readouterr().out.split("catalog refresh")[-1]  # the last table: the run's
    for label, value in (("files applied", 2), ("records read", 501), ("inserted", len(after))):
        assert re.search(rf"{label}\s*│\s*{value}\s*│", summary), (label, summary)
    assert after[CHANGED][0] == "New name"  # day 1 applied after day 0
    assert 400 < len(after) < 500  # the gates reject some of the sample, as for a full import
    assert applied(engine) == [delta_name(0), delta_name(1)]
    assert not [p for p in refresh.downloads.iterdir() if p.name.endswith((".gz", ".part"))]
    requests = len(served.ranges)
    assert refresh(served) == 0
    assert len(served.ranges) == requests  # nothing downloaded again
    assert catalog(engine) == after


def test_a_delta_applied_twice_changes_nothing(
    refresh: Any, served: DeltaServer, engine: Engine
) -> None:
    two_days(served.folder)
    assert refresh(served) == 0
    before = catalog(engine)
    first = day_report(engine, 1)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM catalog_deltas"))
    assert refresh(served) == 0  # both days again: day 0 holds an older CHANGED
    assert catalog(engine) == before  # not even updated_at moved
    again = [day_report(engine, day) for day in (0, 1)]
    assert [(r["inserted"], r["updated"]) for r in again] == [(0, 0), (0, 0)]
    assert again[1]["unchanged"] == first["inserted"] + first["updated"] + first["unchanged"]


def day_report(engine: Engine, day: int) -> dict[str, Any]:
    with engine.connect() as conn:
        report: dict[str, Any] = conn.execute(
            text("SELECT report FROM catalog_deltas WHERE name = :n"), {"n": delta_name(day)}
        ).scalar_one()
    return report


def test_a_refresh_stopped_after_an_import_applies_that_file_from_disk(
    refresh: Any, served: DeltaServer, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_days(served.folder)
    real_record = catalog_deltas.record_applied

    def dies(*args: Any) -> None:
        raise KeyboardInterrupt  # the process stops between the import and its record

    monkeypatch.setattr(catalog_deltas, "record_applied", dies)
    with pytest.raises(KeyboardInterrupt):
        refresh(served)
    assert applied(engine) == []
    assert (refresh.downloads / delta_name(0)).exists()
    monkeypatch.setattr(catalog_deltas, "record_applied", real_record)
    requests = len(served.ranges)
    assert refresh(served) == 0
    assert len(served.ranges) == requests + 1  # day 0 from disk, day 1 downloaded
    assert applied(engine) == [delta_name(0), delta_name(1)]
    assert catalog(engine)[CHANGED][0] == "New name"


def run_in_subprocess(
    server: DeltaServer, downloads: Path, database_url: str
) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "infra.catalog.refresh",
               "--source-url", server.url, "--downloads", str(downloads)]  # fmt: skip
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def kill_when(process: subprocess.Popen[bytes], ready: Any) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None and not ready():
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, (
        process.stderr.read().decode()[-2000:] if process.stderr else ""
    )


def test_a_refresh_killed_during_a_download_resumes_it(
    refresh: Any, served: DeltaServer, engine: Engine, database_url: str
) -> None:
    write_delta(served.folder, 0, off_products())  # about 3 MB
    served.throttle = 400_000  # bytes a second: the download takes several seconds
    part = refresh.downloads / f"{delta_name(0)}.part"
    process = run_in_subprocess(served, refresh.downloads, database_url)
    kill_when(process, lambda: part.exists() and part.stat().st_size > 500_000)
    kept = part.stat().st_size
    assert kept < (served.folder / delta_name(0)).stat().st_size, "the download had finished"
    served.throttle = None
    assert refresh(served) == 0
    assert served.ranges[-1] == f"bytes={kept}-"  # resumed where it stopped
    assert applied(engine) == [delta_name(0)]
    assert len(catalog(engine)) == 932  # every product of the sample that passes the gates


def test_a_download_stopped_after_its_last_byte_is_fetched_again(
    refresh: Any, served: DeltaServer, engine: Engine
) -> None:
    write_delta(served.folder, 0, off_products()[:50])
    refresh.downloads.mkdir()
    whole = (served.folder / delta_name(0)).read_bytes()
    (refresh.downloads / f"{delta_name(0)}.part").write_bytes(whole)  # not yet renamed
    assert refresh(served) == 0
    assert served.ranges == [f"bytes={len(whole)}-", None]  # 416, then from the start
    assert applied(engine) == [delta_name(0)]


def test_a_refresh_killed_during_an_import_resumes_and_completes(
    refresh: Any, served: DeltaServer, engine: Engine, database_url: str
) -> None:
    dump = served.folder / delta_name(0)
    synthetic.write(dump, 20_000)  # four batches, each merged as it is staged
    process = run_in_subprocess(served, refresh.downloads, database_url)

    def products() -> int:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM catalog_products")).scalar_one())

    kill_when(process, lambda: products() > 0)
    merged_at_kill = products()
    assert applied(engine) == []
    assert refresh(served) == 0
    assert applied(engine) == [delta_name(0)]
    rejected = sum(1 for _ in (refresh.downloads / f"{delta_name(0)}.rejects.jsonl").open())
    assert len(catalog(engine)) == 20_000 - rejected
    assert 0 < merged_at_kill < 20_000 - rejected, "the kill did not land during the import"


def write_jsonl(path: Path, products: list[dict[str, Any]]) -> Path:
    with gzip.open(path, "wb") as out:
        out.writelines(orjson.dumps(p) + b"\n" for p in products)
    return path


def truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def with_a_broken_line(path: Path) -> None:
    lines = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
    lines[50] = lines[50][: len(lines[50]) // 2] + b"\n"
    path.write_bytes(gzip.compress(b"".join(lines)))


@pytest.mark.parametrize("breaks", [truncated, with_a_broken_line])
def test_a_broken_delta_is_reported_and_nothing_of_it_or_after_it_applies(
    refresh: Any,
    served: DeltaServer,
    engine: Engine,
    breaks: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    two_days(served.folder)
    write_delta(served.folder, 2, off_products()[600:700])
    good = (served.folder / delta_name(1)).read_bytes()
    breaks(served.folder / delta_name(1))
    assert refresh(served) == 1
    assert delta_name(1) in capsys.readouterr().err
    assert applied(engine) == [delta_name(0)]
    assert catalog(engine)[CHANGED][0] == "Old name"  # nothing of day 1
    assert not {p["code"] for p in off_products()[600:700]} & set(catalog(engine))  # nor day 2
    assert not (refresh.downloads / delta_name(1)).exists()  # downloaded again next time
    (served.folder / delta_name(1)).write_bytes(good)
    assert refresh(served) == 0
    assert applied(engine) == [delta_name(d) for d in (0, 1, 2)]
    assert catalog(engine)[CHANGED][0] == "New name"


def test_an_unreachable_source_is_one_line(
    refresh: Any, served: DeltaServer, capsys: pytest.CaptureFixture[str]
) -> None:
    served.shutdown()
    served.server_close()
    assert refresh(served) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("catalog-refresh: http://127.0.0.1:") and "\n" not in err


def test_freshness_is_the_newest_applied_change_and_stale_after_three_days(
    refresh: Any, served: DeltaServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert freshness.main() == 1
    assert "no delta applied yet" in capsys.readouterr().out
    two_days(served.folder)  # 2026-12-01 and 02
    assert refresh(served) == 0
    capsys.readouterr()
    assert freshness.main() == (1 if time.time() - (FIRST_CHANGE + 2 * DAY) > 3 * DAY else 0)
    assert "fresh through 2026-12-02T23:59:59+00:00" in capsys.readouterr().out
    today = int(time.time() - FIRST_CHANGE) // DAY
    write_delta(served.folder, today, off_products()[700:710])
    assert refresh(served) == 0
    assert freshness.main() == 0


def test_a_full_dump_taken_before_a_delta_neither_undoes_nor_retires_what_it_changed(
    refresh: Any, served: DeltaServer, engine: Engine, tmp_path: Path
) -> None:
    sample = off_products()  # changed by 2023 at the latest
    newcomer = {**sample[900], "code": "2000000000015", "last_modified_t": FIRST_CHANGE + 60}
    dump = [p for p in sample if p["code"] != sample[900]["code"]]
    rejects = ["--rejects", str(tmp_path / "r.jsonl")]
    assert import_main([str(write_jsonl(tmp_path / "all.jsonl.gz", sample)), *rejects]) == 0
    write_delta(served.folder, 0, [renamed(sample[0], "Changed in the delta", 0), newcomer])
    assert refresh(served) == 0
    before = catalog(engine)
    full = write_jsonl(tmp_path / "full.jsonl.gz", dump[:800])
    assert import_main([str(full), "--full", *rejects]) == 0
    after = catalog(engine)
    assert after[sample[0]["code"]][0] == "Changed in the delta"  # the dump's is older
    assert "2000000000015" in after  # added after the dump was taken: not retired
    kept = {p["code"] for p in dump[:800]}
    retired = {p["code"] for p in sample[800:]} & set(before)
    assert len(retired) > 150 and not retired & set(after)  # absent, older than the dump
    assert len(kept & set(after)) > 700
