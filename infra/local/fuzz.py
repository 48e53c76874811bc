"""The schemathesis engine against `make run`'s server, on loopback: the run the fuzz issue asked
for (five checks, the stateful phase following the document's links, a time budget, a seed).

It starts the server (`infra.local.serve`) on a free 127.0.0.1 port with a database of its own
(`.local/pg-load` server, database countonme_fuzz, recreated) holding the Open Food Facts sample
(so the barcode route's example finds a product), registers one device and fuzzes as it
(erasing the device is left out: every later case would be a correct 403). The hooks of
`infra/local/fuzz_hooks.py` complete valid cases to meet the rules the document cannot state.
The registration limit is raised for the run (the fuzzer's own setting; production keeps its
own).

    python -m infra.local.fuzz [--seconds 240] [--seed N] [--phases examples,stateful]
                               [--max-examples N]

Exit status: schemathesis' own (0 when no check failed). `make fuzz` runs it for 240 s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx2

from infra.catalog import synthetic
from infra.local.database import LOCAL_DIR, recreated_database
from infra.local.ports import serving
from shared.db.engine import driver_connection
from shared.dump_import.importer import run_import
from shared.dump_import.readers import open_records

DATABASE = "countonme_fuzz"
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance,negative_data_rejection"
)
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
HOOKS = "infra.local.fuzz_hook_registration"


def run(
    seconds: int, seed: int, phases: str, max_examples: int | None = None
) -> subprocess.CompletedProcess[str]:
    """One schemathesis run against a fresh server; its output and exit status."""
    # Keep the server referenced: it stops with this process.
    _server, url = recreated_database(LOCAL_DIR / "pg-load", DATABASE)
    settings = {"REGISTER_RATE_LIMIT": "10000", "AUTHORIZER_CACHE_TTL": "0"}
    with serving(url, settings) as base:
        with driver_connection(url) as connection:  # products with barcodes to scan
            run_import(connection, open_records(synthetic.SAMPLE_JSONL))
            row = connection.execute("SELECT id FROM catalog_products LIMIT 1").fetchone()
        device = {"device_id": str(uuid.uuid4())}
        token = httpx2.post(f"{base}/v1/devices/register", json=device).json()["device_token"]
        # What the hooks need to create rows for valid cases, as the fuzzing device.
        env = os.environ | {
            "SCHEMATHESIS_HOOKS": HOOKS,
            "FUZZ_BASE_URL": base,
            "FUZZ_TOKEN": token,
            "FUZZ_CATALOG_PRODUCT_ID": str(row[0]) if row else "",
        }
        command = [str(SCHEMATHESIS), "run", f"{base}/openapi.json",
                   "-H", f"Authorization: Bearer {token}", "--checks", CHECKS,
                   "--phases", phases, "--max-time", str(seconds), "--seed", str(seed),
                   "--exclude-path", "/v1/devices/me"]  # fmt: skip
        if max_examples is not None:
            command += ["--max-examples", str(max_examples)]
        return subprocess.run(command, capture_output=True, text=True, check=False, env=env)  # noqa: S603


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local.fuzz")
    parser.add_argument("--seconds", type=int, default=240)
    parser.add_argument("--seed", type=int, default=20261205)
    parser.add_argument("--phases", default="examples,coverage,fuzzing,stateful")
    parser.add_argument("--max-examples", type=int, help="per operation and phase")
    args = parser.parse_args()
    result = run(args.seconds, args.seed, args.phases, args.max_examples)
    print(result.stdout + result.stderr)
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
