"""API keys for machines: `sdk_<prefix>_<secret>`.

The prefix (8 hex characters) is public and finds the key's row; the secret (32 random bytes,
url-safe base64) is never stored. What is stored is SHA-256 of the whole token: a key has 256
bits of entropy, so a slow password hash would add nothing against guessing but would cost
milliseconds on every request. Comparisons are constant-time."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

PREFIX = "sdk_"
_TOKEN = re.compile(r"^sdk_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class NewApiKey:
    prefix: str  # public, identifies the key (e.g. in `stadsdata keys revoke`)
    secret_key: str  # the whole token, shown to its owner once
    key_hash: str  # what is stored


def generate_api_key() -> NewApiKey:
    prefix = secrets.token_hex(4)
    token = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return NewApiKey(prefix, token, hash_api_key(token))


def parse_api_key(token: str) -> tuple[str, str] | None:
    """(prefix, token) of a well-formed key, else None."""
    match = _TOKEN.match(token)
    return (match.group(1), token) if match else None


def hash_api_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def verify_api_key(token: str, key_hash: str) -> bool:
    return hmac.compare_digest(hash_api_key(token), key_hash)


def token_from_headers(headers: Mapping[str, str]) -> str | None:
    """An API key from `Authorization: Bearer sdk_…` or `X-API-Key: sdk_…` (header names in any
    case). A bearer token that is not an API key gives None (it may be an OpenID Connect token)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    explicit = lowered.get("x-api-key")
    if explicit is not None:
        return explicit.strip()
    scheme, _, value = lowered.get("authorization", "").partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value.startswith(PREFIX):
        return value
    return None
