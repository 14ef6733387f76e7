"""Password hashing and API keys: round trips, wrong secrets, malformed input, headers."""

from __future__ import annotations

import pytest

from stadsdata.access.api_keys import (
    generate_api_key,
    hash_api_key,
    parse_api_key,
    token_from_headers,
    verify_api_key,
)
from stadsdata.access.passwords import hash_password, needs_rehash, verify_password


def test_password_round_trip_and_mismatch() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert verify_password(stored, "correct horse")
    assert not verify_password(stored, "correct horsE")
    assert not needs_rehash(stored)


@pytest.mark.parametrize("garbled", ["", "plain", "$argon2id$v=19$m=1,t=1,p=1$bad", "$2b$12$bcrypt.hash.of.something"])
def test_a_garbled_hash_never_verifies_and_never_raises(garbled: str) -> None:
    assert not verify_password(garbled, "anything at all")
    assert needs_rehash(garbled)


def test_short_passwords_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 8"):
        hash_password("short")


def test_api_key_round_trip() -> None:
    key = generate_api_key()
    assert key.secret_key.startswith(f"sdk_{key.prefix}_")
    assert parse_api_key(key.secret_key) == (key.prefix, key.secret_key)
    assert verify_api_key(key.secret_key, key.key_hash)
    assert key.secret_key.split("_", 2)[2] not in key.key_hash
    other = generate_api_key()
    assert other.secret_key != key.secret_key and other.prefix != key.prefix
    assert not verify_api_key(other.secret_key, key.key_hash)
    assert not verify_api_key(key.secret_key[:-1] + ("A" if key.secret_key[-1] != "A" else "B"), key.key_hash)
    assert hash_api_key(key.secret_key) == key.key_hash


@pytest.mark.parametrize(
    "token", ["", "sdk_", "sdk_1234567_" + "a" * 43, "sdk_1234567g_" + "a" * 43, "sdk_12345678_" + "a" * 42, "key_12345678_" + "a" * 43,
              "sdk_12345678_" + "a" * 42 + "!"],
)  # fmt: skip
def test_malformed_api_keys_do_not_parse(token: str) -> None:
    assert parse_api_key(token) is None


def test_keys_come_from_either_header_in_any_case() -> None:
    key = generate_api_key().secret_key
    assert token_from_headers({"Authorization": f"Bearer {key}"}) == key
    assert token_from_headers({"authorization": f"bearer {key}"}) == key
    assert token_from_headers({"X-API-Key": key}) == key
    assert token_from_headers({"x-api-key": f" {key} "}) == key
    assert token_from_headers({"Authorization": "Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig"}) is None  # an OIDC token
    assert token_from_headers({"Authorization": "Basic dXNlcjpwYXNz"}) is None
    assert token_from_headers({}) is None
