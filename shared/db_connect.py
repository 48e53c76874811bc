"""How a physical connection to RDS Proxy is opened in AWS: IAM auth or a Secrets Manager secret.

Both modes fill pg8000's connect parameters in SQLAlchemy's `do_connect` event, so every new
physical connection gets fresh credentials (an IAM token is valid for 15 minutes; a rotated secret
is picked up within `DB_SECRET_MAX_AGE_S`). The TLS context verifies the server certificate and
host name (pg8000's default does neither and silently falls back to plaintext) and is built once;
the socket has TCP_NODELAY, since every statement is a small request/response round trip. Nothing
here issues SQL, so RDS Proxy sessions are never pinned by connection setup.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable
from functools import cache
from typing import Any

from sqlalchemy import Engine, event

from shared.settings import Settings


@cache
def verifying_ssl_context() -> ssl.SSLContext:
    """Certificate and host name checked against the system CA store (RDS Proxy presents an
    Amazon-issued certificate); built once per container, not per connection."""
    context = ssl.create_default_context()
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def open_socket(host: str, port: int, timeout: float) -> socket.socket:
    sock = socket.create_connection((host, port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    return sock


def iam_credentials(settings: Settings) -> Callable[[], dict[str, Any]]:
    """A fresh IAM auth token per call: a local SigV4 signature, no network call."""
    import boto3  # only the IAM mode pays for importing boto3

    client = boto3.client("rds", region_name=settings.aws_region)

    def credentials() -> dict[str, Any]:
        token = client.generate_db_auth_token(
            DBHostname=settings.db_host,
            Port=settings.db_port,
            DBUsername=settings.db_user,
            Region=settings.aws_region,
        )
        return {
            "host": settings.db_host,
            "port": settings.db_port,
            "database": settings.db_name,
            "user": settings.db_user,
            "password": token,
        }

    return credentials


def secret_credentials(settings: Settings) -> Callable[[], dict[str, Any]]:
    """Credentials from a Secrets Manager secret in RDS's JSON format, cached by Powertools.
    `DB_HOST`/`DB_NAME`, when set, override the secret's host (the proxy, not the cluster)."""
    from aws_lambda_powertools.utilities.parameters import get_secret

    def credentials() -> dict[str, Any]:
        secret = get_secret(
            settings.db_secret_arn, transform="json", max_age=settings.db_secret_max_age_s
        )
        return {
            "host": settings.db_host or secret["host"],
            "port": int(secret.get("port", settings.db_port)),
            "database": settings.db_name or secret.get("dbname", "postgres"),
            "user": secret["username"],
            "password": secret["password"],
        }

    return credentials


def install_connect_hook(engine: Engine, settings: Settings) -> None:
    """Open each new physical connection with the mode's credentials over verified TLS."""
    credentials = (
        iam_credentials(settings)
        if settings.db_auth_mode == "iam"
        else secret_credentials(settings)
    )

    @event.listens_for(engine, "do_connect")
    def _connect(dialect: Any, conn_rec: Any, cargs: Any, cparams: dict[str, Any]) -> None:
        params = credentials()
        cparams.update(params)
        cparams["ssl_context"] = verifying_ssl_context()
        cparams["timeout"] = settings.db_socket_timeout_s
        cparams["sock"] = open_socket(params["host"], params["port"], settings.db_socket_timeout_s)
