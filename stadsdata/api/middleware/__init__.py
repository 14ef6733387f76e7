"""ASGI middleware that guards every face of the server (SensorThings, management API, web UI,
MQTT-over-HTTP push): security headers, CORS allowlist, request body size, rate limits per
credential and per client address, load shedding past a number of requests in flight, and the
request metrics. Each module is one plain ASGI wrapper; `install` puts them in order."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.middleware.cors import CORSMiddleware

from stadsdata.api.middleware.body_limit import BodyLimit
from stadsdata.api.middleware.load_shedding import LoadShedding
from stadsdata.api.middleware.rate_limit import RateLimit
from stadsdata.api.middleware.request_metrics import RequestMetrics
from stadsdata.api.middleware.security_headers import SecurityHeaders

if TYPE_CHECKING:
    from fastapi import FastAPI

    from stadsdata.operations.metrics import Metrics
    from stadsdata.settings import Settings


def install(app: FastAPI, settings: Settings, metrics: Metrics) -> None:
    """Outermost first: metrics see every answer (also refusals), security headers go on every
    answer, CORS answers preflights, then the cheap refusals (load, rate, size) before any work."""
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, metrics=metrics)
    app.add_middleware(
        RateLimit, anonymous=settings.rate_limit_anonymous, authenticated=settings.rate_limit_authenticated,
        trusted_proxies=settings.forwarded_allow_ips, metrics=metrics,
    )  # fmt: skip
    app.add_middleware(LoadShedding, max_in_flight=settings.max_requests_in_flight, metrics=metrics)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "Prefer", "API-Version"],
            expose_headers=["API-Version", "Location", "Retry-After"],
            allow_credentials=False,  # browsers of other origins send keys or tokens, never our session cookie
            max_age=600,
        )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestMetrics, metrics=metrics)  # added last: the outermost
