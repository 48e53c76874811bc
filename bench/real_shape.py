"""Benchmark dumps of the real dumps' shape: N Open Food Facts products as JSON Lines (gzip) and
as Parquet, each one a real record of the repository's sample (`tests/data/catalog-samples/off`,
about 22 KB a line: nutriments, ingredients, images, tags, every language's fields) with a new
code and a new name. Deterministic: the same N gives the same files.

Names come from a long-tailed vocabulary fitted to the sample. The sample's name words, ranked by
how many names hold them, are the head of a vocabulary of `VOCABULARY` words (the rest are made-up
words, so that almost every name is distinct); a word's share follows Zipf-Mandelbrot,
`p(k) ∝ 1 / (k + q)^s`, with `s` and `q` fitted to the sample's rank-frequency curve by least
squares on the logarithms. A name has as many words as a name of the sample drawn at random.
`describe()` reports the fit and what it gives: the commonest word's share of names, and how many
names are distinct.

`python -m bench.real_shape OUT.jsonl.gz|OUT.parquet COUNT` writes one.
"""

from __future__ import annotations

import bisect
import gzip
import itertools
import math
import random
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from infra.catalog.synthetic import ean13
from shared.dump_import.projection import project_off

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "tests" / "data" / "catalog-samples" / "off"
SAMPLE_JSONL = SAMPLES / "openfoodfacts-products-min.jsonl.gz"
SAMPLE_PARQUET = SAMPLES / "openfoodfacts-min.parquet"
VOCABULARY = 400_000
SEED = 20261207
# Codes of this maker start here, apart from the small synthetic dump's (`infra.catalog.synthetic`).
FIRST_CODE = 50_000_000_000
_WORD = re.compile(r"[^\W\d_]{2,}")
_SYLLABLES = [c + v for c in "bcdfghjklmnprstvz" for v in ("a", "e", "i", "o", "u", "ou", "ai")]


@cache
def sample_records() -> tuple[bytes, ...]:
    """The sample's lines, as published."""
    with gzip.open(SAMPLE_JSONL, "rb") as lines:
        return tuple(line.rstrip(b"\n") for line in lines if line.strip())


def _first_name(record: dict[str, Any]) -> str:
    """The record's first non-empty `product_name*` value, or nothing."""
    names = (v for k, v in record.items() if k.startswith("product_name") and isinstance(v, str))
    return next((name for name in names if name.strip()), "")


@dataclass(frozen=True)
class Vocabulary:
    words: tuple[str, ...]
    cumulative: tuple[float, ...]
    name_lengths: tuple[int, ...]
    exponent: float
    offset: float

    def name(self, chooser: random.Random) -> str:
        length = chooser.choice(self.name_lengths)
        total = self.cumulative[-1]
        picks = [self.words[bisect.bisect(self.cumulative, chooser.random() * total)]
                 for _ in range(length)]  # fmt: skip
        return " ".join(picks).capitalize()


def _fit(counts: list[int]) -> tuple[float, float]:
    """(s, q) of Zipf-Mandelbrot fitted to a rank-ordered count list: least squares of
    log(count) on log(rank + q), for q on a grid, s the slope of the best."""
    best: tuple[float, float, float] | None = None
    ys = [math.log(c) for c in counts]
    for q in (0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0):
        xs = [math.log(rank + q) for rank in range(1, len(counts) + 1)]
        mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
        sxx = sum((x - mean_x) ** 2 for x in xs)
        slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
        pairs = zip(xs, ys, strict=True)
        residual = sum((y - mean_y - slope * (x - mean_x)) ** 2 for x, y in pairs)
        if best is None or residual < best[0]:
            best = (residual, -slope, q)
    assert best is not None
    return best[1], best[2]


def _made_up_words(chooser: random.Random, known: set[str]) -> Iterator[str]:
    while True:
        word = "".join(chooser.choice(_SYLLABLES) for _ in range(chooser.randint(2, 4)))
        if word not in known:
            known.add(word)
            yield word


@cache
def vocabulary(size: int = VOCABULARY) -> Vocabulary:
    """The sample's name words first (most frequent first), then made-up words, weighted by the
    fitted Zipf-Mandelbrot law."""
    counts: Counter[str] = Counter()
    lengths: list[int] = []
    for line in sample_records():
        words = [w.lower() for w in _WORD.findall(_first_name(orjson.loads(line)))]
        if words:
            lengths.append(len(words))
            counts.update(set(words))
    ranked = [word for word, _ in counts.most_common()]
    exponent, offset = _fit([count for _, count in counts.most_common()])
    chooser = random.Random(SEED)
    more = itertools.islice(_made_up_words(chooser, set(ranked)), max(0, size - len(ranked)))
    words = (*ranked, *more)[:size]
    weights = itertools.accumulate(1 / (rank + offset) ** exponent for rank in range(1, size + 1))
    return Vocabulary(words, tuple(weights), tuple(lengths), exponent, offset)


def code(number: int) -> str:
    return ean13(FIRST_CODE + number)


def _renamed(count: int, templates: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """`count` products: the templates in turn, each with a new code and name."""
    vocab = vocabulary()
    chooser = random.Random(SEED)
    for number in range(count):
        record = dict(templates[number % len(templates)])
        name = vocab.name(chooser)
        keys = [key for key in record if key.startswith("product_name")] or ["product_name"]
        record.update(dict.fromkeys(keys, name))
        record["code"] = record["_id"] = code(number)
        yield record


def _templates() -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in sample_records()]


def records(count: int) -> Iterator[bytes]:
    """`count` JSON lines: real records in turn, each with a new code and name."""
    return (orjson.dumps(record) for record in _renamed(count, _templates()))


def write_jsonl(path: Path, count: int) -> None:
    with gzip.open(path, "wb", compresslevel=1) as target:
        for line in records(count):
            target.write(line + b"\n")


def write_projected_jsonl(path: Path, count: int) -> None:
    """The same products as `write_jsonl`, each cut to the fields the mapper reads (a few
    hundred bytes a line, uncompressed). They import as exactly the same catalog records
    (`tests/unit/test_projection.py` checks the projection on every sample record), so the
    search benchmark builds its 3·10⁶ products in a fraction of the real-shape file's time."""
    projected = [project_off(template) for template in _templates()]
    with path.open("wb") as target:
        for record in _renamed(count, projected):
            target.write(orjson.dumps(record) + b"\n")


def write_parquet(path: Path, count: int, rows_per_group: int = 50_000) -> None:
    """The sample's Parquet rows (the export's schema) in turn, with new codes and names."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    sample = pq.read_table(SAMPLE_PARQUET)
    name_type = sample.schema.field("product_name").type
    vocab = vocabulary()
    chooser = random.Random(SEED)
    with pq.ParquetWriter(path, sample.schema, compression="zstd") as writer:
        for start in range(0, count, rows_per_group):
            size = min(rows_per_group, count - start)
            rows = sample.take([(start + i) % sample.num_rows for i in range(size)])
            names = [[{"lang": "main", "text": vocab.name(chooser)}] for _ in range(size)]
            codes = [code(start + i) for i in range(size)]
            rows = rows.set_column(
                rows.schema.get_field_index("product_name"), "product_name",
                pa.array(names, type=name_type),
            )  # fmt: skip
            rows = rows.set_column(rows.schema.get_field_index("code"), "code", pa.array(codes))
            writer.write_table(rows)


def describe(names: int = 100_000) -> str:
    """The fit, and what names drawn from it look like."""
    vocab = vocabulary()
    chooser = random.Random(SEED)
    drawn = [vocab.name(chooser) for _ in range(names)]
    holding: Counter[str] = Counter()
    for name in drawn:
        holding.update(set(name.lower().split()))
    commonest, count = holding.most_common(1)[0]
    return (
        f"Zipf-Mandelbrot s = {vocab.exponent:.2f}, q = {vocab.offset:g} over {len(vocab.words):,}"
        f" words; in {names:,} names: '{commonest}' is in {count / names:.1%},"
        f" {len(set(drawn)) / names:.1%} of names are distinct,"
        f" {len(holding):,} distinct words"
    )


if __name__ == "__main__":
    target, how_many = Path(sys.argv[1]), int(sys.argv[2])
    (write_parquet if target.suffix == ".parquet" else write_jsonl)(target, how_many)
    print(describe())
