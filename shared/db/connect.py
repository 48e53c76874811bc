"""How a physical connection to RDS Proxy is opened in AWS: IAM auth or a Secrets Manager secret.

Both modes fill psycopg's connect parameters in SQLAlchemy's `do_connect` event, so every new
physical connection gets fresh credentials (an IAM token is valid for 15 minutes; a rotated secret
is picked up within `DB_SECRET_MAX_AGE_S`). TLS is `verify-full`: the certificate must chain to the
CAs that sign the endpoint's certificates, shipped in the artifact (`shared/db/certs`), and name
its host; libpq refuses the connection otherwise, never falling back to plaintext. RDS Proxy
presents an AWS Certificate Manager certificate (Amazon Trust Services roots); an Aurora cluster
or instance endpoint presents one from the RDS CAs (`rds-ca-rsa2048-g1` and siblings), so each
path verifies against its own bundle (`DB_ENDPOINT`; `shared/db/certs/README.md`). TCP
keepalives and `tcp_user_timeout` bound how long a dead peer can hold a request (libpq already sets
TCP_NODELAY). Nothing here issues SQL, so RDS Proxy sessions are never pinned by connection setup.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from shared.runtime.settings import DbEndpoint, Settings

CERTS = Path(__file__).resolve().parent / "certs"
TRUST_BUNDLE = CERTS / "amazon-trust-services.pem"
RDS_BUNDLE = CERTS / "rds-global-bundle.pem"
BUNDLE_FOR_ENDPOINT: dict[DbEndpoint, Path] = {"proxy": TRUST_BUNDLE, "cluster": RDS_BUNDLE}


def tls_and_socket_params(settings: Settings) -> dict[str, Any]:
    """The connect parameters that are the same for every physical connection in AWS."""
    return {
        "sslmode": "verify-full",
        "sslrootcert": settings.db_ca_bundle or str(BUNDLE_FOR_ENDPOINT[settings.db_endpoint]),
        "connect_timeout": settings.db_socket_timeout_s,
        "keepalives": 1,
        "keepalives_idle": 30,
        "tcp_user_timeout": settings.db_socket_timeout_s * 1000,
    }


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
            "dbname": settings.db_name,
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
            "dbname": settings.db_name or secret.get("dbname", "postgres"),
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
    fixed = tls_and_socket_params(settings)

    @event.listens_for(engine, "do_connect")
    def _connect(dialect: Any, conn_rec: Any, cargs: Any, cparams: dict[str, Any]) -> None:
        cparams.update(credentials())
        cparams.update(fixed)
