"""Report each built Lambda artifact's unzipped size and fail above its budget.

Budgets (unzipped, bytecode included) are far below Lambda's 250 MB limit on purpose: they exist
to catch dependency creep, e.g. botocore (about 80 MB) or FastAPI slipping into the authorizer,
whose cold start must stay small. They are measured on what a deploy ships: arm64 wheels with the
bytecode Python 3.13 compiles (a build without Python 3.13 ships none and is about a quarter
smaller). Measured on 2026-12-07: authorizer 51.2 MB, web functions 64.3 MB, migrate 54.3 MB,
catalog import 50.8 MB (the refresh's fetch function, added later: 9.0 MB); the budgets
leave about 10% above that. Until then the budgets had been
set from builds without bytecode, so CI's build with Python 3.13 would have failed them.
"""

from __future__ import annotations

import sys
from pathlib import Path

BUILD_DIR = Path(".aws-sam/build")
MB = 1024 * 1024
BUDGETS_MB = {
    "AuthorizerFunction": 56,
    "AuthFunction": 70,
    "ProductsFunction": 70,
    "EntriesFunction": 70,
    "GoalsFunction": 70,
    "WeightsFunction": 70,
    "SyncFunction": 70,
    "MigrateFunction": 60,
    "CatalogImportFunction": 56,
    "CatalogRefreshFunction": 10,
}
# Packages no artifact may carry (boto3/botocore come with the Lambda runtime), and packages the
# authorizer may not carry (it must not pay FastAPI's import cost).
NOWHERE = ("boto3", "botocore")
NOT_IN_AUTHORIZER = ("fastapi", "mangum", "starlette", "pydantic")


def size_of(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def problems(build_dir: Path = BUILD_DIR) -> tuple[list[str], list[str]]:
    """(report lines, problems) for every budgeted function in `build_dir`."""
    report, found = [], []
    for function, budget in BUDGETS_MB.items():
        artifact = build_dir / function
        if not artifact.is_dir():
            found.append(f"{function}: not built")
            continue
        size = size_of(artifact) / MB
        report.append(f"{function:20s} {size:6.1f} MB (budget {budget} MB)")
        if size > budget:
            found.append(f"{function}: {size:.1f} MB exceeds its {budget} MB budget")
        forbidden = NOWHERE + (NOT_IN_AUTHORIZER if function == "AuthorizerFunction" else ())
        found += [f"{function}: contains {p}" for p in forbidden if (artifact / p).exists()]
    return report, found


def main() -> int:
    report, found = problems()
    print("\n".join(report))
    for problem in found:
        print(f"FAIL {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
