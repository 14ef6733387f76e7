"""`stadsdata ingest`: store what is published on an external MQTT broker (see
stadsdata/ingest/mqtt_worker.py). Run as many as needed; they share the messages."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Annotated

import typer

from stadsdata.settings import Settings


def ingest(
    mqtt_url: Annotated[str | None, typer.Option(help="the broker, mqtt://[user:pass@]host:1883 [env STADSDATA_MQTT_URL]")] = None,
    database: Annotated[str | None, typer.Option(help="SQLite file or postgresql:// URL [env STADSDATA_DATABASE]")] = None,
    key: Annotated[
        str | None, typer.Option(help="API key the worker writes with [env STADSDATA_INGEST_KEY]", envvar="STADSDATA_INGEST_KEY")
    ] = None,
    group: Annotated[str, typer.Option(help="shared-subscription group: workers of one group share the messages")] = "stadsdata",
    client_id: Annotated[str | None, typer.Option(help="MQTT client id (keep it across restarts: the broker keeps its session)")] = None,
    topic_prefix: Annotated[str, typer.Option(help="topics start with this before v1.1/ (a broker shared with others)")] = "",
    source: Annotated[
        str, typer.Option(help="sta: SensorThings creates; tts / chirpstack: LoRaWAN uplinks of that network server's MQTT integration")
    ] = "sta",
    mqtt_version: Annotated[
        str, typer.Option(help="3.1.1 (default: about twice as fast in the MQTT client), or 5 (session expiry)")
    ] = "3.1.1",
    shared: Annotated[bool, typer.Option("--shared/--no-shared", help="shared subscription (off for The Things Stack's broker)")] = True,
) -> None:
    """Store SensorThings creates published on an external MQTT broker (MQTT 5 shared subscription)."""
    from stadsdata.access.authenticate import Authenticator
    from stadsdata.access.policy import ANONYMOUS
    from stadsdata.api.sta.service import StaService
    from stadsdata.app import open_store, policy_for, pseudonymiser_for
    from stadsdata.errors import ProblemError
    from stadsdata.ingest.mqtt_worker import MqttWorker
    from stadsdata.ingest.pipeline import Ingestor

    overrides = {"database": database, "mqtt_url": mqtt_url}
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    if not settings.mqtt_url:
        typer.echo("stadsdata ingest: no broker; give --mqtt-url mqtt://host:1883 (or STADSDATA_MQTT_URL)", err=True)
        raise typer.Exit(2)
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        store = open_store(settings)
    except Exception as exc:  # a clear message, not a traceback
        typer.echo(f"stadsdata ingest: cannot open the database {settings.database}: {exc}", err=True)
        raise typer.Exit(1) from None
    try:
        caller = Authenticator(store).caller({"X-API-Key": key}) if key else ANONYMOUS
    except ProblemError as exc:
        typer.echo(f"stadsdata ingest: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    service = StaService(store, policy_for(settings), pseudonymiser=pseudonymiser_for(settings))
    root = settings.public_base_url or f"http://{settings.host}:{settings.port}"
    if source not in ("sta", "tts", "chirpstack"):
        raise typer.BadParameter("--source is sta, tts or chirpstack")
    if mqtt_version not in ("5", "3.1.1"):
        raise typer.BadParameter("--mqtt-version is 5 or 3.1.1")
    worker = MqttWorker(
        Ingestor(store, service, root, max_payload_bytes=settings.mqtt_max_payload_bytes), caller, settings.mqtt_url, group=group, client_id=client_id, topic_prefix=topic_prefix,
        source=source, shared=shared, mqtt5=mqtt_version == "5",
    )  # fmt: skip
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    typer.echo(f"stadsdata ingest: {settings.mqtt_url} → {settings.database} (group {group}, client {worker.client_id})")
    try:
        worker.run(stop)
    finally:
        store.close()
