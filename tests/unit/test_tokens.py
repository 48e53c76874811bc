"""Token format, parsing edge cases, hashing and the constant-time verification path."""

from __future__ import annotations

import uuid

import bcrypt
import pytest

from shared.auth import tokens
from shared.domain.errors import InvalidTokenError

DEVICE = uuid.UUID("2f1c7e4a-9b0d-4c55-8a3e-6f7d8e9a0b1c")


def test_new_token_round_trips() -> None:
    secret = tokens.new_secret()
    assert len(secret) == 43
    parsed = tokens.parse_token(tokens.format_token(DEVICE, secret))
    assert parsed.device_id == DEVICE
    assert parsed.secret == secret


def test_secrets_differ_every_time() -> None:
    assert len({tokens.new_secret() for _ in range(50)}) == 50


@pytest.mark.parametrize(
    "token",
    [
        "",
        "no-dot-at-all",
        f"{DEVICE}",
        f"{DEVICE}.",
        f".{'a' * 43}",
        f"not-a-uuid.{'a' * 43}",
        f"{str(DEVICE)[:-1]}.{'a' * 43}",
        f"{DEVICE}.{'a' * 42}",
        f"{DEVICE}.{'a' * 44}",
        f"{DEVICE}.{'a' * 20}.{'b' * 22}",
        f"{DEVICE}.{'a' * 42}=",
        f"{{{DEVICE}}}.{'a' * 43}",
        f"{DEVICE.hex}.{'a' * 43}",
    ],
)
def test_malformed_tokens_are_rejected(token: str) -> None:
    with pytest.raises(InvalidTokenError):
        tokens.parse_token(token)


def test_parsed_token_repr_hides_secret() -> None:
    secret = tokens.new_secret()
    assert secret not in repr(tokens.parse_token(tokens.format_token(DEVICE, secret)))


@pytest.mark.parametrize(
    ("header", "expected"),
    [("Bearer abc", "abc"), ("bearer abc", "abc"), ("BEARER   abc ", "abc")],
)
def test_bearer_scheme_is_case_insensitive(header: str, expected: str) -> None:
    assert tokens.bearer_token(header) == expected


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer", "Bearer a b", "abc"])
def test_non_bearer_headers_are_rejected(header: str | None) -> None:
    with pytest.raises(InvalidTokenError):
        tokens.bearer_token(header)


def test_hash_is_bcrypt_and_never_the_secret() -> None:
    secret = tokens.new_secret()
    hashed = tokens.hash_secret(secret, rounds=4)
    assert hashed != secret
    assert secret not in hashed
    assert hashed.startswith("$2b$04$")
    assert tokens.secret_matches(secret, hashed, rounds=4)
    assert not tokens.secret_matches(tokens.new_secret(), hashed, rounds=4)


def test_missing_hash_still_costs_one_bcrypt_check(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bytes] = []
    real_checkpw = bcrypt.checkpw

    def counting_checkpw(password: bytes, hashed: bytes) -> bool:
        calls.append(hashed)
        return real_checkpw(password, hashed)

    monkeypatch.setattr(tokens.bcrypt, "checkpw", counting_checkpw)
    assert tokens.secret_matches(tokens.new_secret(), None, rounds=4) is False
    assert len(calls) == 1
    assert calls[0].startswith(b"$2b$04$")
