"""`make bench`: run every benchmark against a fresh embedded database and print the report."""

from __future__ import annotations

import os

os.environ.pop("BCRYPT_ROUNDS", None)  # the production default, whatever the shell says

from bench import bench_authorizer, bench_cold_start, bench_entries, bench_sync
from bench.harness import prepare_database


def main() -> None:
    url = prepare_database()
    print(bench_cold_start.run(url))
    print()
    print(bench_authorizer.run(url))
    print()
    print(bench_entries.run(url))
    print()
    print(bench_sync.run(url))


if __name__ == "__main__":
    main()
