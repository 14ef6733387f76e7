"""The outer guard of every HTTP answer, one ASGI layer: the request metrics for /metrics
(counted and timed by face, method and status class, also refusals and failures) and the
security headers (`security_headers.py`)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stadsdata.api.middleware.security_headers import add_security_headers, carries_credentials
from stadsdata.operations.metrics import face_of

if TYPE_CHECKING:
    from stadsdata.operations.metrics import Metrics

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class Answering:
    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        metrics = self.metrics
        private = carries_credentials(scope)
        status = 500  # when the application fails before it answers
        start = time.perf_counter()
        metrics.in_flight.inc()

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                add_security_headers(message, private)
            await send(message)

        try:
            await self.app(scope, receive, answer)
        finally:
            metrics.in_flight.dec()
            face, method = face_of(scope["path"]), scope["method"] if scope["method"] in METHODS else "other"
            metrics.request_seconds.labels(face, method).observe(time.perf_counter() - start)
            metrics.responses.labels(face, method, f"{status // 100}xx").inc()
