"""Graceful degradation past saturation: when `max_requests_in_flight` requests are already
being answered by this process, a new one is refused at once with 503 problem+json and
`Retry-After`, instead of queueing without bound (memory, timeouts, clients retrying into a
pile-up). The health, readiness and metrics endpoints are never refused."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Receive, Scope, Send

from stadsdata.api.problems import refuse_unread
from stadsdata.errors import ProblemError

if TYPE_CHECKING:
    from stadsdata.operations.metrics import Metrics

EXEMPT = frozenset({"/healthz", "/readyz", "/metrics"})


class LoadShedding:
    def __init__(self, app: ASGIApp, *, max_in_flight: int, metrics: Metrics | None = None) -> None:
        self.app = app
        self.max_in_flight = max_in_flight
        self.metrics = metrics
        self.in_flight = 0  # one event loop per process: no lock needed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_in_flight:
            if self.metrics is not None:
                self.metrics.refused.labels("load").inc()
            error = ProblemError(
                f"the server is answering {self.in_flight} requests; try again shortly", status=503, extra={"retryAfter": 1}
            )
            error.title = "Service Unavailable"
            await refuse_unread(error, scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
