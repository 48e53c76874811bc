"""Settings parsing: defaults, validation with the variable named, secrets never shown."""

from __future__ import annotations

import pytest

from shared.runtime.settings import Settings, SettingsError, redact_url

URL = "postgresql://app:s3cret@db.example:5432/countonme"


def test_defaults_apply_when_only_the_url_is_set() -> None:
    settings = Settings.from_env({"DATABASE_URL": URL})
    assert settings.db_pool_size == 1
    assert settings.bcrypt_rounds == 4
    assert settings.register_rate_limit == 10


def test_values_are_read_and_typed() -> None:
    env = {"DATABASE_URL": URL, "DB_POOL_SIZE": "3", "STAGE": "prod", "DEVICE_REF_KEY": "k" * 32}
    settings = Settings.from_env({**env, "REKEY_PROOF": "required"})
    assert settings.db_pool_size == 3
    assert settings.stage == "prod"
    assert settings.rekey_proof == "required"
    assert settings.device_ref_key == "k" * 32
    assert "k" * 32 not in repr(settings)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"DATABASE_URL": URL, "DB_POOL_SIZE": "many"}, "DB_POOL_SIZE"),
        ({"DATABASE_URL": URL, "BCRYPT_ROUNDS": "99"}, "BCRYPT_ROUNDS"),
        ({"DATABASE_URL": URL, "REKEY_PROOF": "sometimes"}, "REKEY_PROOF"),
        # A deployed stage must have its own key: the local one is in this repository.
        ({"DATABASE_URL": URL, "STAGE": "prod"}, "DEVICE_REF_KEY"),
    ],
)
def test_invalid_values_name_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(env)


def test_password_never_appears_in_repr() -> None:
    settings = Settings.from_env({"DATABASE_URL": URL})
    assert "s3cret" not in repr(settings)
    assert "s3cret" not in str(settings)
    assert redact_url(URL) == "postgresql://app:***@db.example:5432/countonme"
