"""Graceful degradation past saturation: when `max_requests_in_flight` requests are already
being answered by this process, a new one is refused at once with 503 problem+json and
`Retry-After`, instead of queueing without bound (memory, timeouts, clients retrying into a
pile-up). The health, readiness and metrics endpoints are never refused. Applied by
`Admission` (`admission.py`)."""

from __future__ import annotations

from stadsdata.errors import ProblemError

EXEMPT = frozenset({"/healthz", "/readyz", "/metrics"})


def overloaded(in_flight: int) -> ProblemError:
    error = ProblemError(f"the server is answering {in_flight} requests; try again shortly", status=503, extra={"retryAfter": 1})
    error.title = "Service Unavailable"
    return error
