"""Security headers on every answer: no MIME sniffing, no framing by other sites, no referrer
to other origins, and `Cache-Control: no-store` on answers to requests that carried
credentials (an API key, a bearer token, Basic, or the browser session cookie) unless the
endpoint set its own caching."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stadsdata.access.web_sessions import COOKIE

ALWAYS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
)
FRAME_ANCESTORS = "frame-ancestors 'none'"


def carries_credentials(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name in (b"authorization", b"x-api-key"):
            return True
        if name == b"cookie" and COOKIE.encode() in value:
            return True
    return False


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = carries_credentials(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS:
                    headers.setdefault(name, value)
                policy = headers.get("Content-Security-Policy")
                if policy is None:
                    headers["Content-Security-Policy"] = FRAME_ANCESTORS
                elif "frame-ancestors" not in policy:
                    headers["Content-Security-Policy"] = f"{policy}; {FRAME_ANCESTORS}"
                if private:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)
