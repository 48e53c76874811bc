"""Open Food Facts' daily delta exports: which files there are and in what order they apply.

`https://static.openfoodfacts.org/data/delta/index.txt` lists the files of the last 14 days, one
name a line (newest first there). A name carries the UNIX seconds of the first and last product
change it holds, `openfoodfacts_products_<first>_<last>.json.gz`; applying the files oldest first
leaves each product as its newest change. Only names of exactly that shape are taken: a name
becomes part of a URL, a local path and an S3 key, so anything else in the index is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

DELTA_NAME = re.compile(r"openfoodfacts_products_(\d{1,12})_(\d{1,12})\.json\.gz")
# Open Food Facts publishes a file a day: a catalog whose newest change is older than this has
# missed two refreshes (the stage's freshness alarm and `make catalog-freshness` say so).
STALE_AFTER = timedelta(days=3)


@dataclass(frozen=True, order=True)
class DeltaFile:
    """One delta file; ordered by its window, which is the order in which deltas apply."""

    first_change: int
    last_change: int
    name: str

    @property
    def window(self) -> tuple[datetime, datetime]:
        """The first and last change the file holds, as UTC times."""
        return (
            datetime.fromtimestamp(self.first_change, UTC),
            datetime.fromtimestamp(self.last_change, UTC),
        )


def delta_file(name: str) -> DeltaFile | None:
    """The delta file of `name`, or None when the name is not a delta file's."""
    match = DELTA_NAME.fullmatch(name)
    if match is None:
        return None
    first, last = int(match.group(1)), int(match.group(2))
    if last < first:
        return None
    return DeltaFile(first, last, name)


@dataclass(frozen=True)
class DeltaIndex:
    """The files of an index, oldest first, and how many of its lines were not delta names."""

    files: tuple[DeltaFile, ...]
    skipped: int


def parse_index(text: str) -> DeltaIndex:
    """The index's delta files in the order they apply (each once)."""
    files: set[DeltaFile] = set()
    skipped = 0
    for word in text.split():
        found = delta_file(word)
        if found is None:
            skipped += 1
        else:
            files.add(found)
    return DeltaIndex(tuple(sorted(files)), skipped)


def pending(index: DeltaIndex, applied: set[str]) -> list[DeltaFile]:
    """The index's files not applied yet, oldest first."""
    return [file for file in index.files if file.name not in applied]
