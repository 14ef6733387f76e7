"""Rate limits (the `limits` library, sliding-window counters in memory, per process):

- a request without credentials counts against its client address at `rate_limit_anonymous`;
- a request with credentials (API key, bearer token, Basic, session cookie) counts against
  that credential at `rate_limit_authenticated` — and against its client address at the same
  rate, so that rotating made-up keys from one address gains nothing.

Past a limit: 429 problem+json with `Retry-After`. The credential is not verified here (that
costs a hash): it is only a bucket name, kept as a SHA-256 prefix, never the secret itself. The
client address is the peer's — or, when the peer is a trusted proxy (`forwarded_allow_ips`), the
last address in its `X-Forwarded-For` (the one that proxy saw). Health, readiness and metrics are
not limited. Several server processes each count on their own. Applied by `Admission`
(`admission.py`)."""

from __future__ import annotations

import hashlib
import math
import time

from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter
from starlette.types import Scope

from stadsdata.access.web_sessions import COOKIE
from stadsdata.api.sta.routes import trusted_proxy
from stadsdata.errors import ProblemError
from stadsdata.settings import parse_rate


def credential_of(scope: Scope) -> str | None:
    """A bucket name for the request's credential, or None for an anonymous request."""
    for name, value in scope.get("headers", ()):
        if name in (b"authorization", b"x-api-key"):
            return hashlib.sha256(value).hexdigest()[:24]
        if name == b"cookie" and COOKIE.encode() in value:
            for part in value.split(b";"):
                key, _, token = part.strip().partition(b"=")
                if key == COOKIE.encode() and token:
                    return hashlib.sha256(token).hexdigest()[:24]
    return None


def client_address(scope: Scope, trusted_proxies: str) -> str:
    peer = (scope.get("client") or ("unknown", 0))[0]
    if trusted_proxy(peer, trusted_proxies):
        for name, value in scope.get("headers", ()):
            if name == b"x-forwarded-for":
                forwarded = [a.strip() for a in value.decode("latin-1").split(",") if a.strip()]
                if forwarded:
                    return forwarded[-1]
    return peer


class RateLimiter:
    """The limits of the settings, counted in this process; `refusal` counts a request."""

    def __init__(self, *, anonymous: str | None, authenticated: str | None, trusted_proxies: str = "") -> None:
        self.trusted_proxies = trusted_proxies
        self.anonymous = parse_rate(anonymous)
        self.authenticated = parse_rate(authenticated)
        self.limiter = SlidingWindowCounterRateLimiter(MemoryStorage())

    @property
    def active(self) -> bool:
        return self.anonymous is not None or self.authenticated is not None

    def refusal(self, scope: Scope) -> ProblemError | None:
        """Count the request against its buckets; the 429 it earns past a limit, else None."""
        address = client_address(scope, self.trusted_proxies)
        credential = credential_of(scope)
        checks = (
            [(self.anonymous, "ip", address)]
            if credential is None
            else [(self.authenticated, "credential", credential), (self.authenticated, "ip-auth", address)]
        )
        for item, kind, who in checks:
            if item is not None and not self.limiter.hit(item, kind, who):
                reset = self.limiter.get_window_stats(item, kind, who).reset_time
                wait = max(1, math.ceil(reset - time.time()))
                what = "this address" if kind == "ip" else "this credential" if kind == "credential" else "this address (with credentials)"
                error = ProblemError(f"too many requests from {what}: at most {item}", status=429, extra={"retryAfter": wait})
                error.title = "Too Many Requests"
                return error
        return None
