"""Prometheus metrics of one server process, on `GET /metrics` (text exposition format).

Only figures, never data: request counts and latencies per API face, method and status class,
requests in flight, refusals (rate limit, load, body size), observations committed, messages
held in the quarantine, whether the database answers. One registry per application (tests make
many), so nothing here is a module-level global."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from stadsdata.store.base import Store

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
QUARANTINE_CACHE_S = 5.0  # a scrape counts the quarantine at most this often


def face_of(path: str) -> str:
    """The API face a path belongs to (a label with few values, never an id)."""
    if path.startswith(("/v1.1", "/v1.0")):
        return "sensorthings"
    if path.startswith("/api/v1"):
        return "management"
    if path.startswith("/static"):
        return "static"
    if path in ("/healthz", "/readyz", "/metrics"):
        return "operations"
    return "web"


class _StoreFigures(Collector):
    """Read at scrape time from the store: observations committed, quarantine size, database up."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._held: tuple[float, int | None] = (0.0, None)

    def collect(self) -> Iterator[Metric]:
        stored = CounterMetricFamily("stadsdata_observations_stored", "Observations committed by this process (every path)")
        stored.add_metric([], self.store.observations_committed)
        yield stored
        up = GaugeMetricFamily("stadsdata_database_up", "1 when the database answered the scrape's query")
        held = GaugeMetricFamily("stadsdata_quarantine_held", "Messages held in the quarantine (all sources)")
        at, count = self._held
        try:
            if count is None or time.monotonic() - at > QUARANTINE_CACHE_S:
                count = self.store.quarantine_held()
                self._held = (time.monotonic(), count)
            up.add_metric([], 1)
            held.add_metric([], count)
        except Exception:  # noqa: BLE001 - a scrape reports the database down, it does not fail
            up.add_metric([], 0)
        yield up
        yield held


class Metrics:
    def __init__(self, store: Store) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.request_seconds = Histogram(
            "stadsdata_request_seconds", "Time to answer an HTTP request", ["face", "method"],
            buckets=LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.responses = Counter(
            "stadsdata_responses", "HTTP answers by face, method and status class", ["face", "method", "status"], registry=self.registry
        )
        self.in_flight = Gauge("stadsdata_requests_in_flight", "HTTP requests being answered now", registry=self.registry)
        self.refused = Counter(
            "stadsdata_requests_refused", "Requests refused before any work: rate_limit (429), load (503), body_size (413)",
            ["reason"], registry=self.registry,
        )  # fmt: skip
        self.registry.register(_StoreFigures(store))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
