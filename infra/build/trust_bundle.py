"""Writes `shared/db/certs/amazon-trust-services.pem`, the CA bundle the functions verify RDS Proxy
against (`sslmode=verify-full`): RDS Proxy presents an AWS Certificate Manager certificate, which
chains to the Amazon Trust Services roots. The roots are copied from certifi's Mozilla bundle, so
the file is reproducible (`python -m infra.build.trust_bundle`; a test checks it is current).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import certifi

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "shared" / "db" / "certs" / "amazon-trust-services.pem"
ROOT_LABELS = (
    "Amazon Root CA 1",
    "Amazon Root CA 2",
    "Amazon Root CA 3",
    "Amazon Root CA 4",
    "Starfield Services Root Certificate Authority - G2",
)
_ENTRY = re.compile(
    r'^# Label: "(?P<label>[^"]+)"\n.*?(?P<pem>-----BEGIN CERTIFICATE-----\n.*?'
    r"-----END CERTIFICATE-----\n)",
    re.MULTILINE | re.DOTALL,
)


def bundle_text() -> str:
    """The roots named in ROOT_LABELS, in that order, as PEM with a label comment each."""
    entries = {
        match["label"]: match["pem"] for match in _ENTRY.finditer(Path(certifi.where()).read_text())
    }
    missing = [label for label in ROOT_LABELS if label not in entries]
    if missing:
        raise SystemExit(f"certifi's bundle lacks {missing}")
    return "".join(f"# {label}\n{entries[label]}" for label in ROOT_LABELS)


if __name__ == "__main__":
    BUNDLE.write_text(bundle_text())
    sys.stdout.write(f"wrote {BUNDLE}\n")
