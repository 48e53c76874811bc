"""The catalog import on records of the real dumps' shape beside today's small ones (part of
`make bench-catalog`): `CATALOG_BENCH_SHAPE_PRODUCTS` products (200,000 by default; the issue's
figure is for 3·10⁶) each as

- small synthetic OFF JSONL (`infra.catalog.synthetic`, about 1.5 KB a record),
- real-shape OFF JSONL, gzipped (`bench.real_shape`, about 22 KB a record),
- real-shape Parquet of the export's schema (`bench.real_shape`),

imported into an empty catalog by `make catalog-import`'s command in a process of its own:
wall time, products/s and peak RSS (VmHWM). The files are kept in `.local/bench-catalog/`.
"""

from __future__ import annotations

import os
from pathlib import Path

from bench import real_shape
from bench.bench_catalog import cached_dump, dump_file, empty_catalog, import_in_subprocess

PRODUCTS = int(os.environ.get("CATALOG_BENCH_SHAPE_PRODUCTS", "200000"))


def dumps(count: int) -> dict[str, Path]:
    return {
        "small synthetic JSONL": dump_file(count),
        "real-shape JSONL (gzip)": cached_dump(
            "off-real-shape-{count}.jsonl.gz", count, real_shape.write_jsonl
        ),
        "real-shape Parquet": cached_dump(
            "off-real-shape-{count}.parquet", count, real_shape.write_parquet
        ),
    }


def run(url: str, count: int = PRODUCTS) -> str:
    lines = [
        f"## Catalog import by record shape: {count:,} products each",
        "",
        real_shape.describe(),
        "",
        "| dump | file MB | seconds | records/s | peak RSS MiB |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, path in dumps(count).items():
        empty_catalog(url)
        seconds, peak_kib, _ = import_in_subprocess(url, path)
        lines.append(
            f"| {name} | {path.stat().st_size / 1e6:,.0f} | {seconds:.1f} |"
            f" {count / seconds:,.0f} | {peak_kib / 1024:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    from bench.harness import prepare_database

    print(run(prepare_database()), flush=True)


if __name__ == "__main__":
    main()
