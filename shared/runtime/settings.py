"""Typed settings read once per container from the environment.

A plain dataclass rather than pydantic-settings: the authorizer imports this module and must stay
light, and every field here is a simple scalar that a few lines can parse and validate.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

DbAuthMode = Literal["url", "iam", "secret"]
DB_AUTH_MODES: tuple[DbAuthMode, ...] = ("url", "iam", "secret")
# What DB_HOST is, which decides the CA its certificate chains to (shared/db/connect.py).
DbEndpoint = Literal["proxy", "cluster"]
DB_ENDPOINTS: tuple[DbEndpoint, ...] = ("proxy", "cluster")
# Whether re-registering an existing device must carry its current token (docs/security.md).
RekeyProof = Literal["optional", "required"]
REKEY_PROOFS: tuple[RekeyProof, ...] = ("optional", "required")
# The key of device references in logs when none is configured: local runs and tests only.
LOCAL_DEVICE_REF_KEY = "local-device-ref-key"


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot run with."""


def int_env(env: Mapping[str, str], name: str, default: int, minimum: int, maximum: int) -> int:
    """The integer in `env[name]` (the default when unset or empty), within the bounds; a
    SettingsError naming the variable otherwise."""
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if not minimum <= value <= maximum:
        raise SettingsError(f"{name} must be between {minimum} and {maximum}, got {value}")
    return value


def redact_url(url: str) -> str:
    """The URL with its password replaced, safe for logs and error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    userinfo = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{userinfo}:***@{netloc[1]}"))


@dataclass(frozen=True)
class Settings:
    """Everything the functions read from the environment."""

    stage: str = "local"
    service_name: str = "countonme"
    # How connections authenticate: "url" (DATABASE_URL, local and tests), "iam" (RDS Proxy with
    # IAM database authentication, the AWS default) or "secret" (credentials in Secrets Manager).
    db_auth_mode: DbAuthMode = "url"
    database_url: str = field(default="", repr=False)
    db_host: str = ""
    # "proxy" (RDS Proxy, the API functions) or "cluster" (an Aurora endpoint, the import).
    db_endpoint: DbEndpoint = "proxy"
    # A CA file to verify the database against instead of the endpoint's shipped bundle: set only
    # by the rehearsal on the AWS emulator (docs/operations.md, "Rehearsal"); no stack sets it.
    db_ca_bundle: str = ""
    db_port: int = 5432
    db_name: str = ""
    db_user: str = ""
    db_secret_arn: str = ""
    db_secret_max_age_s: int = 300
    aws_region: str = ""
    db_pool_size: int = 1
    db_pool_recycle_s: int = 240
    db_socket_timeout_s: int = 10
    db_unavailable_retry_after_s: int = 5
    # Below the functions' 28 s Lambda timeout: a statement stuck on a lock fails with a 503 in
    # time instead of holding the sandbox until Lambda kills it.
    db_statement_timeout_ms: int = 10_000
    bcrypt_rounds: int = 4
    register_rate_limit: int = 10
    register_rate_window_s: int = 60
    # Re-registrations of one existing device without its current token, per window.
    rekey_rate_limit: int = 3
    rekey_rate_window_s: int = 3600
    rekey_proof: RekeyProof = "optional"
    # Keys the short hash that stands for a device id in logs (shared/auth/device_ref.py).
    device_ref_key: str = field(default=LOCAL_DEVICE_REF_KEY, repr=False)

    def __repr__(self) -> str:
        shown = redact_url(self.database_url)
        return (
            f"Settings(stage={self.stage!r}, db_auth_mode={self.db_auth_mode!r}, "
            f"database_url={shown!r}, db_host={self.db_host!r}, db_user={self.db_user!r}, "
            f"db_pool_size={self.db_pool_size})"
        )

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Parse and validate the environment; raise SettingsError naming the bad variable."""
        env = dict(os.environ if env is None else env)
        mode = env.get("DB_AUTH_MODE", "url")
        if mode not in DB_AUTH_MODES:
            raise SettingsError(f"DB_AUTH_MODE must be one of {', '.join(DB_AUTH_MODES)}")
        endpoint = env.get("DB_ENDPOINT", "proxy")
        if endpoint not in DB_ENDPOINTS:
            raise SettingsError(f"DB_ENDPOINT must be one of {', '.join(DB_ENDPOINTS)}")
        rekey_proof = env.get("REKEY_PROOF", "optional")
        if rekey_proof not in REKEY_PROOFS:
            raise SettingsError(f"REKEY_PROOF must be one of {', '.join(REKEY_PROOFS)}")
        stage = env.get("STAGE", "local")
        device_ref_key = env.get("DEVICE_REF_KEY", "")
        if not device_ref_key and stage != "local":
            raise SettingsError(f"DEVICE_REF_KEY must be set on stage {stage}")
        database_url = env.get("DATABASE_URL", "")
        required = {
            "url": ["DATABASE_URL"],
            "iam": ["DB_HOST", "DB_NAME", "DB_USER", "AWS_REGION"],
            "secret": ["DB_SECRET_ARN", "AWS_REGION"],
        }[mode]
        missing = [name for name in required if not env.get(name)]
        if missing:
            raise SettingsError(f"DB_AUTH_MODE={mode} needs {', '.join(missing)}")
        if mode == "url" and not database_url.startswith("postgresql"):
            raise SettingsError("DATABASE_URL must be set to a postgresql:// URL")
        return cls(
            db_auth_mode=mode,
            db_host=env.get("DB_HOST", ""),
            db_endpoint=endpoint,
            db_ca_bundle=env.get("DB_CA_BUNDLE", ""),
            db_port=int_env(env, "DB_PORT", 5432, 1, 65535),
            db_name=env.get("DB_NAME", ""),
            db_user=env.get("DB_USER", ""),
            db_secret_arn=env.get("DB_SECRET_ARN", ""),
            db_secret_max_age_s=int_env(env, "DB_SECRET_MAX_AGE_S", 300, 0, 86_400),
            aws_region=env.get("AWS_REGION", ""),
            stage=stage,
            service_name=env.get("POWERTOOLS_SERVICE_NAME", "countonme"),
            database_url=database_url,
            db_pool_size=int_env(env, "DB_POOL_SIZE", 1, 1, 500),
            db_pool_recycle_s=int_env(env, "DB_POOL_RECYCLE_S", 240, 10, 3600),
            db_socket_timeout_s=int_env(env, "DB_SOCKET_TIMEOUT_S", 10, 1, 60),
            db_unavailable_retry_after_s=int_env(env, "DB_UNAVAILABLE_RETRY_AFTER_S", 5, 1, 300),
            db_statement_timeout_ms=int_env(env, "DB_STATEMENT_TIMEOUT_MS", 10_000, 100, 25_000),
            bcrypt_rounds=int_env(env, "BCRYPT_ROUNDS", 4, 4, 16),
            register_rate_limit=int_env(env, "REGISTER_RATE_LIMIT", 10, 1, 10_000),
            register_rate_window_s=int_env(env, "REGISTER_RATE_WINDOW_S", 60, 1, 86_400),
            rekey_rate_limit=int_env(env, "REKEY_RATE_LIMIT", 3, 1, 10_000),
            rekey_rate_window_s=int_env(env, "REKEY_RATE_WINDOW_S", 3600, 1, 86_400 * 7),
            rekey_proof=rekey_proof,
            device_ref_key=device_ref_key or LOCAL_DEVICE_REF_KEY,
        )


@cache
def get_settings() -> Settings:
    """The container's settings, parsed on first use."""
    return Settings.from_env()
