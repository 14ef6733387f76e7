"""`stadsdata ingest`: store what is published on an external MQTT broker (see
stadsdata/ingest/mqtt_worker.py): SensorThings creates, or the messages of a source kind that
receives over MQTT (`--source tts`). Run as many as needed; they share the messages. With
`--sources` it runs the configured sources (connectors) on their schedules instead, so that the
`serve` processes need not (STADSDATA_SOURCES_RUN=false there); several such workers share the
sources by their leases."""

from __future__ import annotations

import logging
import signal
import threading
from typing import TYPE_CHECKING, Annotated, Any

import typer

from stadsdata.settings import Settings

if TYPE_CHECKING:
    from stadsdata.ingest.mqtt_worker import Subscriber
    from stadsdata.store.base import Store


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
        str, typer.Option(help="sta: SensorThings creates; or a source kind that receives over MQTT, e.g. tts / chirpstack (LoRaWAN uplinks of that network server's MQTT integration)")
    ] = "sta",
    mqtt_version: Annotated[
        str, typer.Option(help="3.1.1 (default: about twice as fast in the MQTT client), or 5 (session expiry)")
    ] = "3.1.1",
    shared: Annotated[
        bool | None, typer.Option("--shared/--no-shared", help="shared subscription (default: on, except where the source kind's broker has none, e.g. tts)")
    ] = None,
    sources: Annotated[
        bool, typer.Option("--sources", help="run the configured sources (connectors) on their schedules instead of reading a broker")
    ] = False,
) -> None:
    """Store what is published on an external MQTT broker: SensorThings creates, or a source kind's messages."""
    from stadsdata.app import open_store
    from stadsdata.errors import ProblemError
    from stadsdata.ingest.mqtt_worker import MqttWorker

    overrides = {"database": database, "mqtt_url": mqtt_url}
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    if sources:
        from stadsdata.commands.sources import run_sources_worker

        logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        run_sources_worker(settings)
        return
    if not settings.mqtt_url:
        typer.echo("stadsdata ingest: no broker; give --mqtt-url mqtt://host:1883 (or STADSDATA_MQTT_URL)", err=True)
        raise typer.Exit(2)
    if mqtt_version not in ("5", "3.1.1"):
        raise typer.BadParameter("--mqtt-version is 5 or 3.1.1")
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        store = open_store(settings)
    except Exception as exc:  # a clear message, not a traceback
        typer.echo(f"stadsdata ingest: cannot open the database {settings.database}: {exc}", err=True)
        raise typer.Exit(1) from None
    try:
        subscriber, default_shared = _subscriber(settings, store, key, source, {"mqtt_url": settings.mqtt_url, "topic_prefix": topic_prefix, "group": group})
    except ProblemError as exc:
        store.close()
        typer.echo(f"stadsdata ingest: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    worker = MqttWorker(
        subscriber, settings.mqtt_url, group=group, client_id=client_id, topic_prefix=topic_prefix,
        shared=default_shared if shared is None else shared, mqtt5=mqtt_version == "5",
    )  # fmt: skip
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    typer.echo(f"stadsdata ingest: {source} from {settings.mqtt_url} → {settings.database} (group {group}, client {worker.client_id})")
    try:
        worker.run(stop)
    finally:
        store.close()


def _subscriber(settings: Settings, store: Store, key: str | None, source: str, config: dict[str, Any]) -> tuple[Subscriber, bool]:
    """(what the worker does with its messages, whether its subscription is shared by default); a
    ProblemError for a key that is not valid or a source that is not there."""
    from stadsdata.access.policy import ANONYMOUS
    from stadsdata.api.sta.face import sta_service
    from stadsdata.api.sta.mqtt.creates import MqttCreates
    from stadsdata.app import platform_for, policy_for
    from stadsdata.errors import BadRequest

    platform = platform_for(settings, store, policy_for(settings))
    caller = platform.authenticator.caller({"X-API-Key": key}) if key else ANONYMOUS
    if source == "sta":
        return MqttCreates(platform.ingestor, sta_service(platform), platform.service_root).subscriber(caller), True
    kind = platform.source_kinds.get(source)
    receiving = [name for name, k in platform.source_kinds.items() if k.manifest.mqtt_topics]
    if kind is None or not kind.manifest.mqtt_topics:
        raise BadRequest(f"--source is sta or a source kind that receives over MQTT: {', '.join(receiving)}; not {source!r}", field="source")
    kind.check_config(config)
    return kind.subscriber(platform.ingestor, caller), kind.manifest.mqtt_shared
