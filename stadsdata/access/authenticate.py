"""Who is calling: credentials from request headers to a `Caller`.

- `Authorization: Bearer sdk_…` or `X-API-Key: sdk_…`: an API key (`api_keys.py`), looked up by
  its public prefix and checked against the stored hash; revoked or expired keys are refused.
- `Authorization: Basic …`: a local user with an argon2 password (`passwords.py`).
- A session cookie of the web UI (`web_sessions.py`), when no header credentials are sent.
- No credentials: the anonymous caller.

Credentials that are present but wrong are an error (401), never a silent fall-back to
anonymous, so that a client with a mistyped key notices. OpenID Connect bearer tokens
(`oidc.py`): `Authorization: Bearer <JWT>` from the configured issuer; the party comes from a
claim, admin and write rights from roles."""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from stadsdata.access.api_keys import parse_api_key, token_from_headers, verify_api_key
from stadsdata.access.oidc import InvalidToken, OidcVerifier
from stadsdata.access.passwords import hash_password, verify_password
from stadsdata.access.policy import ANONYMOUS, Caller
from stadsdata.access.web_sessions import (
    CSRF_HEADER,
    SAFE_METHODS,
    expiry,
    new_token,
    token_from_cookie_header,
    token_hash,
)
from stadsdata.errors import Unauthorized
from stadsdata.store.base import Principal, Store


@dataclass(frozen=True)
class OidcMapping:
    """How verified token claims become a Caller."""

    verifier: OidcVerifier
    party_claim: str = "stadsdata_party"
    admin_role: str = "stadsdata-admin"
    writer_role: str = "stadsdata-writer"


@dataclass(frozen=True, slots=True)
class _Verified:
    """An API key found good: its caller, while the access change counter stays where it was
    (revoking or changing a key raises it, `store/sql/access/changes.py`) and the key lasts."""

    caller: Caller
    version: int
    expires_at: datetime | None


_MAX_VERIFIED = 10_000  # keys remembered per process; past it the memory starts anew


class Authenticator:
    def __init__(self, store: Store, oidc: OidcMapping | None = None) -> None:
        self.store = store
        self.oidc = oidc
        self._verified: dict[str, _Verified] = {}

    def caller(self, headers: Mapping[str, str], method: str = "GET") -> Caller:
        """The caller the headers identify (header names in any case); `method` decides whether
        a session cookie alone may authenticate the request (`web_sessions.py`)."""
        lowered = {k.lower(): v for k, v in headers.items()}
        token = token_from_headers(lowered)
        if token is not None:
            return self._api_key(token)
        authorization = lowered.get("authorization", "")
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "basic":
            return self._basic(value.strip())
        if scheme.lower() == "bearer":
            return self._oidc(value.strip())
        if authorization:
            raise Unauthorized(f"unsupported authorization scheme {scheme!r}; use Bearer (API key) or Basic")
        session = token_from_cookie_header(lowered.get("cookie"))
        if session is not None:
            if method.upper() not in SAFE_METHODS and not lowered.get(CSRF_HEADER):
                raise Unauthorized(f"a change made with a session cookie needs the header {CSRF_HEADER!r}")
            return self.session_caller(session)
        return ANONYMOUS

    def session_caller(self, token: str) -> Caller:
        """The user of a browser session; an expired or ended session is a 401."""
        with self.store.read_only() as tx:
            principal = tx.access.web_session(token_hash(token), datetime.now(UTC))
        if principal is None:
            raise Unauthorized("the session has ended; sign in again")
        if not principal.active:
            raise Unauthorized("this account is disabled")
        return _caller(principal, f"user:{principal.name}")

    def sign_in(self, username: str, password: str) -> tuple[Caller, str]:
        """Check a user's password and open a browser session: (caller, session token)."""
        caller = self._password(username, password)
        token = new_token()
        now = datetime.now(UTC)
        with self.store.write() as tx:
            principal = tx.access.user(username)
            assert principal is not None  # just verified
            tx.access.add_web_session(token_hash(token), principal.id, now, expiry(now))
        return caller, token

    def sign_out(self, token: str) -> None:
        with self.store.write() as tx:
            tx.access.end_web_session(token_hash(token))

    def _api_key(self, token: str) -> Caller:
        parsed = parse_api_key(token)
        if parsed is None:
            raise Unauthorized("malformed API key")
        prefix, now = parsed[0], datetime.now(UTC)
        # Inside a request's transaction this joins it: the counter read here is the one its
        # access snapshot uses, so a key is checked against the same state as the request.
        with self.store.read_only() as tx:
            version = tx.access.change_version()
            known = self._verified.get(token)
            if known is not None and known.version == version and (known.expires_at is None or now < known.expires_at):
                return known.caller
            principal = tx.access.api_key(prefix, now)
        if principal is None or principal.secret_hash is None or not verify_api_key(token, principal.secret_hash):
            raise Unauthorized("unknown API key")
        if not principal.active:
            raise Unauthorized("this API key is revoked or expired")
        caller = _caller(principal, f"key:{prefix}")
        if version is not None:
            if len(self._verified) >= _MAX_VERIFIED:
                self._verified.clear()
            self._verified[token] = _Verified(caller, version, principal.expires_at)
        return caller

    def _oidc(self, token: str) -> Caller:
        if self.oidc is None:
            raise Unauthorized("bearer tokens other than API keys (sdk_…) are not accepted: no OpenID Connect issuer is configured")
        try:
            claims = self.oidc.verifier.verify(token)
        except InvalidToken as exc:
            raise Unauthorized(exc.reason) from None
        party_name = claims.get(self.oidc.party_claim)
        party_id = None
        if isinstance(party_name, str):
            with self.store.read_only() as tx:
                party_id = tx.access.party_id(party_name)
            if party_id is None:
                raise Unauthorized(f"the token's party {party_name!r} is not known here")
        roles = _roles(claims)
        return Caller(
            subject=f"oidc:{claims['sub']}",
            party_id=party_id,
            is_admin=self.oidc.admin_role in roles,
            can_write=self.oidc.writer_role in roles or self.oidc.admin_role in roles,
        )

    def _basic(self, value: str) -> Caller:
        try:
            username, sep, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthorized("malformed Basic credentials") from None
        if not sep:
            raise Unauthorized("malformed Basic credentials")
        return self._password(username, password)

    def _password(self, username: str, password: str) -> Caller:
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


def _roles(claims: dict[str, Any]) -> set[str]:
    """Roles from `roles` (Entra ID, many issuers) or `realm_access.roles` (Keycloak)."""
    roles = claims.get("roles")
    realm = claims.get("realm_access")
    if not isinstance(roles, list) and isinstance(realm, dict):
        roles = realm.get("roles")
    return {r for r in roles if isinstance(r, str)} if isinstance(roles, list) else set()


def _caller(principal: Principal, subject: str) -> Caller:
    return Caller(subject=subject, party_id=principal.party_id, is_admin=principal.is_admin, can_write=principal.can_write)
