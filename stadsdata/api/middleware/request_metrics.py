"""Counts and times every HTTP answer for /metrics (labels: face, method, status class)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stadsdata.operations.metrics import face_of

if TYPE_CHECKING:
    from stadsdata.operations.metrics import Metrics

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetrics:
    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        face = face_of(scope["path"])
        method = scope["method"] if scope["method"] in METHODS else "other"
        status = 500  # when the application fails before it answers
        start = time.perf_counter()
        self.metrics.in_flight.inc()

        async def noting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        finally:
            self.metrics.in_flight.dec()
            self.metrics.request_seconds.labels(face, method).observe(time.perf_counter() - start)
            self.metrics.responses.labels(face, method, f"{status // 100}xx").inc()
