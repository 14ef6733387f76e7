"""Who is calling: credentials from request headers to a `Caller`.

- `Authorization: Bearer sdk_…` or `X-API-Key: sdk_…`: an API key (`api_keys.py`), looked up by
  its public prefix and checked against the stored hash; revoked or expired keys are refused.
- `Authorization: Basic …`: a local user with an argon2 password (`passwords.py`).
- No credentials: the anonymous caller.

Credentials that are present but wrong are an error (401), never a silent fall-back to
anonymous, so that a client with a mistyped key notices. OpenID Connect bearer tokens
(`oidc.py`) are not wired in yet."""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache

from stadsdata.access.api_keys import parse_api_key, token_from_headers, verify_api_key
from stadsdata.access.passwords import hash_password, verify_password
from stadsdata.access.policy import ANONYMOUS, Caller
from stadsdata.errors import Unauthorized
from stadsdata.store.base import Principal, Store


class Authenticator:
    def __init__(self, store: Store) -> None:
        self.store = store

    def caller(self, headers: Mapping[str, str]) -> Caller:
        """The caller the headers identify (header names in any case)."""
        lowered = {k.lower(): v for k, v in headers.items()}
        token = token_from_headers(lowered)
        if token is not None:
            return self._api_key(token)
        authorization = lowered.get("authorization", "")
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "basic":
            return self._basic(value.strip())
        if scheme.lower() == "bearer":
            raise Unauthorized("this bearer token is not an API key (sdk_…); OpenID Connect tokens are not accepted yet")
        if authorization:
            raise Unauthorized(f"unsupported authorization scheme {scheme!r}; use Bearer (API key) or Basic")
        return ANONYMOUS

    def _api_key(self, token: str) -> Caller:
        parsed = parse_api_key(token)
        if parsed is None:
            raise Unauthorized("malformed API key")
        prefix = parsed[0]
        with self.store.read_only() as tx:
            principal = tx.access.api_key(prefix, datetime.now(UTC))
        if principal is None or principal.secret_hash is None or not verify_api_key(token, principal.secret_hash):
            raise Unauthorized("unknown API key")
        if not principal.active:
            raise Unauthorized("this API key is revoked or expired")
        return _caller(principal, f"key:{prefix}")

    def _basic(self, value: str) -> Caller:
        try:
            username, sep, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthorized("malformed Basic credentials") from None
        if not sep:
            raise Unauthorized("malformed Basic credentials")
        with self.store.read_only() as tx:
            principal = tx.access.user(username)
        stored = principal.secret_hash if principal is not None and principal.secret_hash else _dummy_hash()
        # An unknown user costs the same argon2 verification, so timing does not tell it apart.
        if not verify_password(stored, password) or principal is None or principal.secret_hash is None:
            raise Unauthorized("wrong username or password")
        if not principal.active:
            raise Unauthorized("this account is disabled")
        return _caller(principal, f"user:{username}")


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def _caller(principal: Principal, subject: str) -> Caller:
    return Caller(subject=subject, party_id=principal.party_id, is_admin=principal.is_admin, can_write=principal.can_write)
