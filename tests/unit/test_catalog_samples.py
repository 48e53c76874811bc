"""The vendored catalog samples are the files their PROVENANCE.md describes: each one listed,
with the size and checksum recorded when it was gathered, and nothing unlisted beside them."""

from __future__ import annotations

import hashlib
import re

from tests.support.catalog_data import CATALOG_DATA

ROW = re.compile(r"^\| `(?P<path>[^`]+)` \| (?P<size>[\d,]+) \| `(?P<sha16>[0-9a-f]{16})` \|", re.M)


def test_every_sample_is_the_file_its_provenance_records() -> None:
    rows = list(ROW.finditer((CATALOG_DATA / "PROVENANCE.md").read_text()))
    listed = {row["path"] for row in rows}
    present = {
        str(path.relative_to(CATALOG_DATA))
        for path in CATALOG_DATA.rglob("*")
        if path.is_file() and path.name != "PROVENANCE.md"
    }
    assert listed == present
    for row in rows:
        data = (CATALOG_DATA / row["path"]).read_bytes()
        assert len(data) == int(row["size"].replace(",", "")), row["path"]
        assert hashlib.sha256(data).hexdigest()[:16] == row["sha16"], row["path"]
