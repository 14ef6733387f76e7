"""Which requests are taken on, one ASGI layer: the cheap refusals before any work, in this
order — load shedding (`load_shedding.py`: 503 past `max_requests_in_flight`), rate limits
(`rate_limit.py`: 429), the body size (`body_limit.py`: 413 by Content-Length at once, or as
the streamed body passes the limit). Health, readiness and metrics are never refused for load
or rate. Each refusal is counted for /metrics by its reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stadsdata.api.middleware.body_limit import declared_length_refusal, too_large
from stadsdata.api.middleware.load_shedding import EXEMPT, overloaded
from stadsdata.api.middleware.rate_limit import RateLimiter
from stadsdata.api.problems import problem_response, refuse_unread

if TYPE_CHECKING:
    from stadsdata.operations.metrics import Metrics


class InFlight:
    """Requests being answered in this process (one event loop: no lock needed); shared by the
    `Admission` layers of one app (`middleware.Guards`)."""

    def __init__(self) -> None:
        self.count = 0


class Admission:
    def __init__(
        self, app: ASGIApp, *, max_in_flight: int, max_body_bytes: int | None = None, rate_limiter: RateLimiter | None = None,
        metrics: Metrics | None = None, in_flight: InFlight | None = None,
    ) -> None:  # fmt: skip
        self.app = app
        self.max_in_flight = max_in_flight
        self.max_body_bytes = max_body_bytes
        self.rate_limiter = rate_limiter if rate_limiter is not None and rate_limiter.active else None
        self.metrics = metrics
        self.in_flight = in_flight if in_flight is not None else InFlight()

    def _refused(self, reason: str) -> None:
        if self.metrics is not None:
            self.metrics.refused.labels(reason).inc()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] not in EXEMPT:
            if self.in_flight.count >= self.max_in_flight:
                self._refused("load")
                await refuse_unread(overloaded(self.in_flight.count), scope, receive, send)
                return
            if self.rate_limiter is not None and (limited := self.rate_limiter.refusal(scope)) is not None:
                self._refused("rate_limit")
                await refuse_unread(limited, scope, receive, send)
                return
        limit = self.max_body_bytes
        if limit is not None:
            declared = declared_length_refusal(scope, limit)
            if declared is not None:
                if declared.status == 413:
                    self._refused("body_size")
                await problem_response(declared, scope["path"])(scope, receive, send)
                return
            seen, receive_body = 0, receive

            async def counting_receive() -> Message:
                nonlocal seen
                message = await receive_body()
                if message["type"] == "http.request":
                    seen += len(message.get("body", b""))
                    if seen > limit:
                        self._refused("body_size")
                        raise too_large(limit)  # rendered by the application's problem handler
                return message

            receive = counting_receive
        in_flight = self.in_flight
        in_flight.count += 1
        try:
            await self.app(scope, receive, send)
        finally:
            in_flight.count -= 1
