"""Browser sessions of the web UI: a user signs in with username and password once, and the
browser then carries a session cookie instead of credentials.

- The cookie (`stadsdata_session`) holds a random token (`sds_` + 32 bytes, URL-safe); the
  database keeps only its SHA-256, so a copy of the database does not hold usable sessions.
- HttpOnly (scripts cannot read it), SameSite=Lax, Secure when the platform is served over
  HTTPS (`public_base_url`), Path=/. Sessions last `SESSION_HOURS`; signing out ends them.
- Cross-site request forgery: a request authenticated by the cookie alone may only read (GET,
  HEAD, OPTIONS); a change (POST, PUT, PATCH, DELETE) must also carry the header
  `X-Requested-With` (which a cross-site form cannot set, and a cross-site script cannot send
  without a CORS preflight this server does not grant). The UI's scripts send it."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from http.cookies import CookieError, SimpleCookie

COOKIE = "stadsdata_session"
PREFIX = "sds_"
SESSION_HOURS = 12
CSRF_HEADER = "x-requested-with"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def expiry(now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) + timedelta(hours=SESSION_HOURS)


def token_from_cookie_header(cookie_header: str | None) -> str | None:
    """The session token of a `Cookie` header, if it carries one of ours."""
    if not cookie_header or COOKIE not in cookie_header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return None
    morsel = jar.get(COOKIE)
    if morsel is None or not morsel.value.startswith(PREFIX):
        return None
    return morsel.value
