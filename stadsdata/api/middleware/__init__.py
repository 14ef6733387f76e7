"""ASGI middleware that guards every face of the server (SensorThings, management API, web UI,
MQTT-over-HTTP push), in two layers: `Answering` (request metrics and security headers on
every answer) outside, `Admission` (load shedding, rate limits per credential and per client
address, request body size) inside, with the CORS allowlist between them when it is set.
`install` puts them in order."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from stadsdata.api.middleware.admission import Admission, InFlight
from stadsdata.api.middleware.answering import Answering
from stadsdata.api.middleware.rate_limit import RateLimiter

if TYPE_CHECKING:
    from fastapi import FastAPI

    from stadsdata.operations.metrics import Metrics
    from stadsdata.settings import Settings


class Guards:
    """The guards of one app, made once: around FastAPI's stack (`install`) and around each path
    a face answers directly (`wrap`, `Platform.direct`), sharing their counts (requests in flight,
    rate limit buckets), so that a limit holds for the process whichever way a request goes."""

    def __init__(self, settings: Settings, metrics: Metrics) -> None:
        self.settings, self.metrics = settings, metrics
        self.limiter = RateLimiter(
            anonymous=settings.rate_limit_anonymous, authenticated=settings.rate_limit_authenticated,
            trusted_proxies=settings.forwarded_allow_ips,
        )  # fmt: skip
        self.in_flight = InFlight()
        self.admission: dict[str, Any] = {
            "max_in_flight": settings.max_requests_in_flight, "max_body_bytes": settings.max_body_bytes,
            "rate_limiter": self.limiter, "metrics": metrics, "in_flight": self.in_flight,
        }  # fmt: skip
        self.cors: dict[str, Any] | None = None
        if settings.cors_origins:
            self.cors = {
                "allow_origins": settings.cors_origins,
                "allow_methods": ["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"],
                "allow_headers": ["Authorization", "X-API-Key", "Content-Type", "Prefer", "API-Version"],
                "expose_headers": ["API-Version", "Location", "Retry-After"],
                "allow_credentials": False,  # browsers of other origins send keys or tokens, never our session cookie
                "max_age": 600,
            }

    def wrap(self, app: ASGIApp) -> ASGIApp:
        """`app` behind the guards, in the order `install` puts them."""
        guarded: ASGIApp = Admission(app, **self.admission)
        if self.cors is not None:
            guarded = CORSMiddleware(guarded, **self.cors)
        return Answering(guarded, metrics=self.metrics)


def install(app: FastAPI, settings: Settings, metrics: Metrics) -> Guards:
    """Outermost first: metrics see every answer (also refusals), security headers go on every
    answer, CORS answers preflights, then the cheap refusals (load, rate, size) before any work."""
    guards = Guards(settings, metrics)
    app.add_middleware(Admission, **guards.admission)
    if guards.cors is not None:
        app.add_middleware(CORSMiddleware, **guards.cors)
    app.add_middleware(Answering, metrics=metrics)  # added last: the outermost
    return guards
