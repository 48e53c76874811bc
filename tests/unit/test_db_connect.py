"""Connections for AWS: IAM tokens for RDS Proxy, Secrets Manager credentials, verifying TLS."""

from __future__ import annotations

import contextlib
import datetime
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import psycopg
import pytest
from aws_lambda_powertools.utilities import parameters
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from moto import mock_aws
from sqlalchemy import event

from infra.build.trust_bundle import ROOT_LABELS, bundle_text
from shared.db.connect import TRUST_BUNDLE, tls_and_socket_params
from shared.db.engine import build_engine
from shared.runtime.settings import Settings, SettingsError

PROXY = "countonme-dev.proxy-abc123.us-east-1.rds.amazonaws.com"


class Captured(Exception):
    """Stops the connect after our hook ran, carrying the parameters psycopg would get."""

    def __init__(self, cparams: dict[str, Any]):
        super().__init__("captured")
        self.cparams = dict(cparams)


@pytest.fixture
def aws(aws_credentials: None) -> Iterator[None]:
    parameters.clear_caches()
    with mock_aws():
        yield
    parameters.clear_caches()


def connect_params(settings: Settings) -> dict[str, Any]:
    """What the engine would hand psycopg for a new physical connection."""
    engine = build_engine(settings)

    @event.listens_for(engine, "do_connect")
    def capture(dialect, conn_rec, cargs, cparams) -> None:
        raise Captured(cparams)

    with pytest.raises(Captured) as info:
        engine.connect()
    return info.value.cparams


@pytest.mark.usefixtures("aws")
def test_iam_mode_passes_a_fresh_token_for_the_proxy_and_user() -> None:
    settings = Settings(
        db_auth_mode="iam",
        db_host=PROXY,
        db_port=5432,
        db_name="countonme",
        db_user="countonme_app",
        aws_region="us-east-1",
    )
    params = connect_params(settings)
    assert params["host"] == PROXY and params["user"] == "countonme_app"
    assert params["dbname"] == "countonme" and params["port"] == 5432
    token = params["password"]
    assert token.startswith(f"{PROXY}:5432/?Action=connect")
    assert "DBUser=countonme_app" in token and "X-Amz-Signature=" in token
    assert params["sslmode"] == "verify-full"
    assert params["sslrootcert"] == str(TRUST_BUNDLE) and TRUST_BUNDLE.is_file()
    assert params["prepare_threshold"] is None  # never a named prepared statement: no pinning
    assert "options" not in params  # the statement timeout is the role's setting in AWS


@pytest.mark.usefixtures("aws")
def test_secret_mode_reads_the_secret_once_and_caches_it() -> None:
    client = boto3.client("secretsmanager", region_name="us-east-1")
    secret = {"username": "app", "password": "first", "host": "cluster.internal", "port": 5432}
    arn = client.create_secret(Name="db", SecretString=json.dumps(secret))["ARN"]
    settings = Settings(
        db_auth_mode="secret", db_secret_arn=arn, db_host=PROXY, aws_region="us-east-1"
    )
    first = connect_params(settings)
    assert (first["user"], first["password"], first["host"]) == ("app", "first", PROXY)
    client.put_secret_value(SecretId=arn, SecretString=json.dumps({**secret, "password": "new"}))
    assert connect_params(settings)["password"] == "first"  # served from the cache
    parameters.clear_caches()
    assert connect_params(settings)["password"] == "new"


def test_settings_require_what_each_mode_needs() -> None:
    with pytest.raises(SettingsError, match="DB_HOST"):
        Settings.from_env({"DB_AUTH_MODE": "iam", "AWS_REGION": "us-east-1"})
    with pytest.raises(SettingsError, match="DB_SECRET_ARN"):
        Settings.from_env({"DB_AUTH_MODE": "secret", "AWS_REGION": "us-east-1"})
    with pytest.raises(SettingsError, match="DB_AUTH_MODE"):
        Settings.from_env({"DB_AUTH_MODE": "password"})
    with pytest.raises(SettingsError, match="DB_ENDPOINT"):
        Settings.from_env({"DB_ENDPOINT": "writer", "DATABASE_URL": "postgresql://x/y"})
    assert Settings.from_env({"DB_ENDPOINT": "cluster", "DATABASE_URL": "postgresql://x/y"}) == (
        Settings(db_endpoint="cluster", database_url="postgresql://x/y")
    )


def test_trust_bundle_is_the_amazon_roots_from_certifi() -> None:
    """The shipped bundle is exactly what `python -m infra.build.trust_bundle` writes."""
    assert TRUST_BUNDLE.read_text() == bundle_text()
    context = ssl.create_default_context(cafile=TRUST_BUNDLE)
    subjects = [dict(part[0] for part in ca["subject"]) for ca in context.get_ca_certs()]
    assert [subject["commonName"] for subject in subjects] == list(ROOT_LABELS)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _certificate(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: tuple[str, Any] | None = None
) -> x509.Certificate:
    """A certificate for `subject` signed by `issuer` (name, key), or self-signed CA."""
    now = datetime.datetime.now(datetime.UTC)
    issuer_name, issuer_key = issuer or (subject, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    if issuer is None:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
    else:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


@contextlib.contextmanager
def tls_server(tmp_path: Path, server_name: str) -> Iterator[tuple[int, Path]]:
    """A server that answers PostgreSQL's SSLRequest and completes a TLS handshake with a
    certificate for `server_name` from a throwaway CA; yields (port, that CA's file)."""
    ca_key, server_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca = _certificate("Test CA", ca_key)
    cert = _certificate(server_name, server_key, ("Test CA", ca_key))
    ca_path, cert_path, key_path = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(_key_pem(server_key))
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert_path, key_path)
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        with contextlib.suppress(OSError):
            conn, _ = listener.accept()
            with conn:
                conn.recv(8)  # SSLRequest
                conn.sendall(b"S")
                with contextlib.suppress(ssl.SSLError, OSError):
                    server_context.wrap_socket(conn, server_side=True).recv(1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], ca_path
    finally:
        listener.close()
        thread.join(timeout=5)


def _connect_over_tls(port: int, **overrides: Any) -> str:
    """Connect with the functions' TLS parameters; the error libpq gives (the test servers
    never speak PostgreSQL, so every attempt fails, the question is where)."""
    params = {**tls_and_socket_params(Settings(db_socket_timeout_s=5)), **overrides}
    with pytest.raises(psycopg.OperationalError) as info:
        psycopg.connect(host="localhost", port=port, user="x", dbname="x", **params)
    return str(info.value)


def test_tls_refuses_a_server_whose_certificate_is_not_from_the_bundle(tmp_path: Path) -> None:
    with tls_server(tmp_path, "localhost") as (port, _ca):
        assert "certificate verify failed" in _connect_over_tls(port)


def test_tls_refuses_a_trusted_certificate_for_another_host(tmp_path: Path) -> None:
    """verify-full checks the name as well as the chain (verify-ca would have let this in)."""
    with tls_server(tmp_path, "proxy.other.example") as (port, ca):
        error = _connect_over_tls(port, sslrootcert=str(ca))
    assert "does not match host name" in error


def test_tls_accepts_a_trusted_certificate_for_the_host(tmp_path: Path) -> None:
    """The handshake succeeds (the server then hangs up: not a certificate error)."""
    with tls_server(tmp_path, "localhost") as (port, ca):
        error = _connect_over_tls(port, sslrootcert=str(ca))
    assert "certificate" not in error and "host name" not in error
