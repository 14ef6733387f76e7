"""OpenID Connect bearer tokens (production login): a JWT signed by the configured issuer,
verified against the issuer's published keys (JWKS) with PyJWT.

The keys are found through `{issuer}/.well-known/openid-configuration` (`jwks_uri`) unless a
JWKS URL is configured, fetched once and cached; a token signed with a key id the cache does
not know makes one refetch (key rotation), at most once per `REFETCH_SECONDS`, so that
tokens with made-up key ids cannot make the server hammer the issuer. Only asymmetric algorithms are accepted (RS256,
ES256 by default): never `none`, never HMAC, which would let the public key act as a secret."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import jwt
from jwt import PyJWK, PyJWKSet

ALGORITHMS = ("RS256", "ES256")
REFETCH_SECONDS = 60.0


class InvalidToken(Exception):
    """The token was refused; `reason` says why (for the 401 problem detail)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OidcVerifier:
    def __init__(
        self,
        issuer: str,
        audience: str,
        jwks_url: str | None = None,
        *,
        leeway_seconds: int = 30,
        algorithms: tuple[str, ...] = ALGORITHMS,
        timeout_seconds: float = 5.0,
    ) -> None:
        if any(a.upper().startswith(("HS", "NONE")) for a in algorithms):
            raise ValueError("only asymmetric algorithms may verify OpenID Connect tokens")
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.jwks_url = jwks_url
        self.leeway = leeway_seconds
        self.algorithms = list(algorithms)
        self.timeout = timeout_seconds
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, after checking signature, issuer, audience, expiry, not-before
        and issued-at; raises InvalidToken."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("malformed token") from None
        algorithm = header.get("alg")
        if algorithm not in self.algorithms:
            raise InvalidToken(f"algorithm {algorithm!r} is not accepted")
        key = self._key(header.get("kid"))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("the token has expired") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken("the token is for another audience") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("the token is from another issuer") from None
        except jwt.ImmatureSignatureError:
            raise InvalidToken("the token is not valid yet") from None
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(f"the token has no '{exc.claim}' claim") from None
        except jwt.InvalidSignatureError:
            raise InvalidToken("the token's signature does not verify") from None
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"invalid token ({exc})") from None
        return claims

    def _key(self, kid: str | None) -> PyJWK:
        if kid is None:
            raise InvalidToken("the token names no key ('kid')")
        with self._lock:
            key = self._keys.get(kid)
            recently = self._fetched_at is not None and time.monotonic() - self._fetched_at < REFETCH_SECONDS
            if key is None and not (recently and self._keys):  # unknown key id: fetch again (rotation)
                self._keys = self._fetch_keys()
                self._fetched_at = time.monotonic()
                key = self._keys.get(kid)
        if key is None:
            raise InvalidToken(f"the issuer has no key {kid!r}")
        return key

    def _fetch_keys(self) -> dict[str, PyJWK]:
        try:
            url = self.jwks_url or self._discover()
            response = httpx.get(url, timeout=self.timeout)
            response.raise_for_status()
            keys = PyJWKSet.from_dict(response.json())
        except (httpx.HTTPError, ValueError, jwt.PyJWTError) as exc:
            raise InvalidToken(f"the issuer's keys cannot be fetched ({type(exc).__name__})") from None
        return {k.key_id: k for k in keys.keys if k.key_id}

    def _discover(self) -> str:
        response = httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=self.timeout)
        response.raise_for_status()
        url = response.json().get("jwks_uri")
        if not isinstance(url, str):
            raise ValueError("no jwks_uri in the issuer's configuration")
        self.jwks_url = url
        return url
