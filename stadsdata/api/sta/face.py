"""The SensorThings face: the OGC SensorThings API v1.1 (and v1.0) at /v1.1 and /v1.0, and its
MQTT extension — creates and subscriptions on the embedded broker of `stadsdata serve`, and the
replay of quarantined MQTT creates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from stadsdata.api.sta.mqtt.broker import SOURCE as EMBEDDED_SOURCE
from stadsdata.api.sta.mqtt.broker import EmbeddedBroker
from stadsdata.api.sta.mqtt.creates import WORKER_SOURCE, MqttCreates
from stadsdata.api.sta.routes import StaApp
from stadsdata.api.sta.service import StaService
from stadsdata.platform import Platform
from stadsdata.query.limits import QueryLimits


def sta_service(platform: Platform) -> StaService:
    settings = platform.settings
    return StaService(
        platform.store, platform.core.access, default_top=settings.default_top, max_top=settings.max_top,
        max_batch=settings.max_batch_requests, pseudonymiser=platform.core.pseudonymiser,
        query_limits=QueryLimits(settings.max_expand_depth, settings.max_filter_depth, settings.max_filter_nodes),
        aggregate_max_buckets=settings.aggregate_max_buckets,
    )  # fmt: skip


def embedded_broker(platform: Platform, creates: MqttCreates) -> EmbeddedBroker | None:
    """The embedded MQTT broker `serve` starts, unless it is off or an external broker is set."""
    settings = platform.settings
    if not settings.mqtt_embedded or settings.mqtt_url:
        return None
    ports = [settings.mqtt_port] + ([settings.mqtt_alternative_port] if settings.mqtt_alternative_port else [])
    return EmbeddedBroker(creates, platform.authenticator, settings.host, ports)


class SensorThingsFace:
    name = "sensorthings"

    def mount(self, app: FastAPI, platform: Platform) -> None:
        service = sta_service(platform)
        creates = MqttCreates(platform.ingestor, service, platform.service_root)
        broker = embedded_broker(platform, creates)
        app.state.sta = service
        app.state.mqtt_broker_expected = broker is not None
        answer = StaApp(service, platform.settings, platform.authenticator)
        platform.direct |= {"/v1.0": answer, "/v1.1": answer}
        platform.links |= {"sensorthings": "/v1.1", "sensorthings-1.0": "/v1.0"}
        for source in (WORKER_SOURCE, EMBEDDED_SOURCE):
            platform.replays[source] = creates.ingest
        if broker is not None:

            @asynccontextmanager
            async def running_broker(app: FastAPI) -> AsyncIterator[None]:
                app.state.mqtt_port = await broker.start()
                try:
                    yield
                finally:
                    await broker.stop()

            platform.lifespans.append(running_broker)


FACE = SensorThingsFace()
