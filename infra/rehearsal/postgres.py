"""The rehearsal's PostgreSQL: the embedded PostgreSQL 16 binaries, listening on 127.0.0.1:5432
(the port the application stack's functions are configured with) with TLS required, under a
certificate for 127.0.0.1 from a CA the rehearsal makes. Aurora and RDS Proxy do not exist on the
emulator; this server stands in for both endpoints.

What it cannot stand in for: IAM database authentication. An IAM token is verified by RDS Proxy
or Aurora against IAM, which the emulator does not do, so this server trusts every TLS
connection from the loopback address (docs/operations.md, "Rehearsal", lists this gap).
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from infra.local.embedded_postgres import SUPERUSER, give_to, run_pg, server_user

HOST = "127.0.0.1"
PORT = 5432  # template.yaml's DB_PORT
DATABASE = "countonme"  # template.yaml's DbName default


@dataclass(frozen=True)
class RehearsalDatabase:
    """A running server: its data folder and the CA its certificate chains to."""

    pgdata: Path
    ca_file: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_certificates(folder: Path, user: str | None) -> Path:
    """A CA and a server certificate for 127.0.0.1 signed by it; returns the CA's file."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    server_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("CountOnMe rehearsal CA"))
        .issuer_name(_name("CountOnMe rehearsal CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    server = (
        x509.CertificateBuilder()
        .subject_name(_name(HOST))
        .issuer_name(ca.subject)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = folder / "rehearsal-ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "server.crt").write_bytes(server.public_bytes(serialization.Encoding.PEM))
    key_file = folder / "server.key"
    key_file.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_file.chmod(0o600)
    give_to(key_file, user)
    return ca_file


def start(folder: Path) -> RehearsalDatabase:
    """Initialise a new cluster in `folder`/pgdata, start it with TLS on 127.0.0.1:5432 and
    create the application's database."""
    user = server_user()
    pgdata = folder / "pgdata"
    pgdata.mkdir(parents=True)
    pgdata.chmod(0o700)
    give_to(pgdata, user)
    run_pg("initdb", "-D", str(pgdata), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8",
        "--locale=C.UTF-8", user=user)  # fmt: skip
    tls = folder / "tls"
    tls.mkdir()
    ca_file = _write_certificates(tls, user)
    (pgdata / "pg_hba.conf").write_text(
        "# The rehearsal: TLS from loopback only; no password checks (IAM tokens cannot be).\n"
        "local all all trust\n"
        f"hostssl all all {HOST}/32 trust\n"
    )
    options = (
        f"-c listen_addresses={HOST} -p {PORT} -k {pgdata} -c ssl=on "
        f"-c ssl_cert_file={tls / 'server.crt'} -c ssl_key_file={tls / 'server.key'}"
    )
    log = str(pgdata / "postgres.log")
    run_pg("pg_ctl", "-D", str(pgdata), "-w", "-l", log, "-o", options, "start", user=user)
    run_pg("createdb", "-h", str(pgdata), "-p", str(PORT), "-U", SUPERUSER, DATABASE, user=user)
    return RehearsalDatabase(pgdata=pgdata, ca_file=ca_file)


def stop(pgdata: Path) -> None:
    """Stop the server if it runs (a fast shutdown: the rehearsal's data are thrown away)."""
    if (pgdata / "postmaster.pid").exists():
        run_pg("pg_ctl", "-D", str(pgdata), "-w", "-m", "fast", "stop", user=server_user())
