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
import pg8000.dbapi
import pytest
from aws_lambda_powertools.utilities import parameters
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from moto import mock_aws
from sqlalchemy import event

import shared.db_connect
from shared.db import build_engine
from shared.db_connect import verifying_ssl_context
from shared.settings import Settings, SettingsError

PROXY = "countonme-dev.proxy-abc123.us-east-1.rds.amazonaws.com"


class Captured(Exception):
    """Stops the connect after our hook ran, carrying the parameters pg8000 would get."""

    def __init__(self, cparams: dict[str, Any]):
        super().__init__("captured")
        self.cparams = dict(cparams)


@pytest.fixture
def aws(aws_credentials: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(shared.db_connect, "open_socket", lambda host, port, timeout: "socket")
    parameters.clear_caches()
    with mock_aws():
        yield
    parameters.clear_caches()


def connect_params(settings: Settings) -> dict[str, Any]:
    """What the engine would hand pg8000 for a new physical connection."""
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
    assert params["database"] == "countonme" and params["port"] == 5432
    token = params["password"]
    assert token.startswith(f"{PROXY}:5432/?Action=connect")
    assert "DBUser=countonme_app" in token and "X-Amz-Signature=" in token
    assert params["ssl_context"] is verifying_ssl_context()
    assert params["sock"] == "socket"


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


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_tls_context_refuses_an_untrusted_server(tmp_path: Path) -> None:
    """A server that accepts PostgreSQL's SSLRequest but shows a self-signed certificate is
    refused (pg8000's default context would have carried on without checking)."""
    cert, key = _self_signed(tmp_path)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(8)  # SSLRequest
            conn.sendall(b"S")
            with contextlib.suppress(ssl.SSLError, OSError):
                server_context.wrap_socket(conn, server_side=True).recv(1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    with pytest.raises(ssl.SSLCertVerificationError):
        pg8000.dbapi.connect(
            user="x",
            host="localhost",
            port=port,
            ssl_context=verifying_ssl_context(),
            timeout=5,
        )
    thread.join(timeout=5)
    listener.close()
