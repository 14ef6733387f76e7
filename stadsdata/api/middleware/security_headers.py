"""Security headers on every answer: no MIME sniffing, no framing by other sites, no referrer
to other origins, and `Cache-Control: no-store` on answers to requests that carried
credentials (an API key, a bearer token, Basic, or the browser session cookie) unless the
endpoint set its own caching. Applied by `Answering` (`answering.py`)."""

from __future__ import annotations

from starlette.types import Message, Scope

from stadsdata.access.web_sessions import COOKIE

ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
)
FRAME_ANCESTORS = b"frame-ancestors 'none'"
_COOKIE = COOKIE.encode()


def carries_credentials(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name in (b"authorization", b"x-api-key"):
            return True
        if name == b"cookie" and _COOKIE in value:
            return True
    return False


def add_security_headers(start: Message, private: bool) -> None:
    """Add the headers to an `http.response.start` message (where the endpoint did not set them)."""
    headers = list(start.get("headers", ()))
    present = {name.lower() for name, _ in headers}
    headers.extend((name, value) for name, value in ALWAYS if name not in present)
    if b"content-security-policy" not in present:
        headers.append((b"content-security-policy", FRAME_ANCESTORS))
    else:
        for index, (name, value) in enumerate(headers):
            if name.lower() == b"content-security-policy" and b"frame-ancestors" not in value:
                headers[index] = (name, value + b"; " + FRAME_ANCESTORS)
    if private and b"cache-control" not in present:
        headers.append((b"cache-control", b"no-store"))
    start["headers"] = headers
