"""`make bench`: run every benchmark against a fresh embedded database and print the report."""

from __future__ import annotations

import os

os.environ.pop("BCRYPT_ROUNDS", None)  # the production default, whatever the shell says

from bench import (
    bench_authorizer,
    bench_cold_start,
    bench_driver,
    bench_entries,
    bench_route_style,
    bench_routes,
    bench_sync,
)
from bench.harness import prepare_database

BENCHMARKS = (
    bench_driver,
    bench_routes,
    bench_authorizer,
    bench_cold_start,
    bench_sync,
    bench_route_style,
    bench_entries,  # last: it fills food_entries to a million rows
)


def main() -> None:
    url = prepare_database()
    for benchmark in BENCHMARKS:
        print(benchmark.run(url), end="\n\n", flush=True)


if __name__ == "__main__":
    main()
