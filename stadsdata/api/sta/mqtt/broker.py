"""The embedded MQTT broker of `stadsdata serve` (amqtt), speaking the SensorThings MQTT
extension: a client publishes an entity to a collection topic (`v1.1/Datastreams(5)/Observations`)
to create it.

Durability: the broker stores a publish on a SensorThings topic *before* it acknowledges it
(PUBACK for QoS 1, PUBREC for QoS 2): `_DurableHandler` stores it first (`creates.py`), in a
worker thread, and only then lets amqtt continue. If the database is unavailable the connection
is closed without an acknowledgement, so the client sends the message again. Refused input is
quarantined (and acknowledged: it is kept).

Credentials: the MQTT username and password are checked like HTTP credentials — password
`sdk_…` is an API key (any username), otherwise a local account; no username is the anonymous
caller. Wrong credentials refuse the connection. What a publisher may create is decided by the
access policy on the SensorThings write path (`check_stream_write`), as for HTTP.

A client's raw publish on a SensorThings topic is not passed on to subscribers: subscribers of
the SensorThings topics receive what the server stored, each as its own GET would show it
(`subscriptions.py`), for every change committed by any path (HTTP, `$batch`, MQTT)."""

from __future__ import annotations

import asyncio
import base64
import errno
import logging
import socket
from dataclasses import dataclass
from typing import Any

from amqtt.broker import Broker
from amqtt.contexts import Action
from amqtt.mqtt.constants import QOS_0
from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler
from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin
from amqtt.session import INCOMING, Session

from stadsdata.access.authenticate import Authenticator
from stadsdata.access.policy import ANONYMOUS, Caller
from stadsdata.api.sta.mqtt.creates import MqttCreates
from stadsdata.api.sta.mqtt.subscriptions import matching, message_for
from stadsdata.api.sta.mqtt.topics import is_sta_topic, sta_message_key
from stadsdata.errors import ProblemError
from stadsdata.ingest.pipeline import Message
from stadsdata.store.base import Change

log = logging.getLogger(__name__)
SOURCE = "mqtt-embedded"


@dataclass
class _Wiring:
    """What the plugins and handlers of one broker reach: set on the broker before amqtt builds them."""

    creates: MqttCreates
    authenticator: Authenticator


def _wiring(context: Any) -> _Wiring:
    return context._broker_instance.stadsdata  # noqa: SLF001 - amqtt gives plugins the broker this way


def _caller(session: Session | None) -> Caller:
    return getattr(session, "stadsdata_caller", ANONYMOUS) if session is not None else ANONYMOUS


class CredentialsPlugin(BaseAuthPlugin):
    """MQTT CONNECT credentials → a Caller, kept on the session."""

    async def authenticate(self, *, session: Session) -> bool | None:
        authenticator = _wiring(self.context).authenticator
        if not session.username and not session.password:
            session.stadsdata_caller = ANONYMOUS  # type: ignore[attr-defined]
            return True
        password = session.password or ""
        if password.startswith("sdk_"):
            headers = {"X-API-Key": password}
        else:
            basic = base64.b64encode(f"{session.username or ''}:{password}".encode()).decode()
            headers = {"Authorization": f"Basic {basic}"}
        try:
            caller = await asyncio.to_thread(authenticator.caller, headers)
        except ProblemError as exc:
            log.info("MQTT client %s refused: %s", session.client_id, exc.detail)
            return False
        session.stadsdata_caller = caller  # type: ignore[attr-defined]
        return True


class SensorThingsTopicsPlugin(BaseTopicPlugin):
    """A client's publish on a SensorThings topic was stored (or quarantined) by the handler; it is
    not broadcast as it is. Other topics are left to the broker."""

    async def topic_filtering(self, *, session: Session | None = None, topic: str | None = None, action: Action | None = None) -> bool:
        if action == Action.PUBLISH and is_sta_topic(topic):
            return False
        return True


class _DurableHandler(BrokerProtocolHandler):
    """Stores a SensorThings publish before the broker acknowledges it."""

    async def _handle_message_flow(self, app_message: Any) -> None:
        if app_message.direction == INCOMING and is_sta_topic(app_message.topic):
            await self._store(app_message)
        await super()._handle_message_flow(app_message)

    async def _store(self, app_message: Any) -> None:
        wiring: _Wiring = self._stadsdata  # type: ignore[attr-defined]
        payload = bytes(app_message.data or b"")
        caller = _caller(self.session)
        message = Message(
            SOURCE, app_message.topic, payload, subject=caller.subject,
            key=sta_message_key(app_message.topic, payload) if app_message.qos != QOS_0 else None,
        )  # fmt: skip
        # Raises on a server or database error: no acknowledgement, the client sends it again.
        await asyncio.to_thread(wiring.creates.ingest, message, caller)


class StadsdataBroker(Broker):
    def __init__(self, config: dict[str, Any], wiring: _Wiring) -> None:
        self.stadsdata = wiring
        super().__init__(config)

    async def _initialize_client_session(self, *args: Any, **kwargs: Any) -> Any:
        handler, session = await super()._initialize_client_session(*args, **kwargs)
        handler.__class__ = _DurableHandler  # same object, one method more (amqtt builds it internally)
        handler._stadsdata = self.stadsdata  # noqa: SLF001
        return handler, session


def broker_config(host: str, port: int) -> dict[str, Any]:
    return {
        "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}"}},
        "plugins": {
            f"{__name__}.CredentialsPlugin": {},
            f"{__name__}.SensorThingsTopicsPlugin": {},
        },
    }


def _free(host: str, port: int) -> bool:
    """Whether the port can be bound (checked first, so that amqtt does not log a traceback)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def port_in_use(error: BaseException) -> bool:
    while error is not None:
        if isinstance(error, OSError) and error.errno == errno.EADDRINUSE:
            return True
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return False


class EmbeddedBroker:
    """Starts the broker on the first free of the configured ports (or not at all, saying why)."""

    def __init__(self, creates: MqttCreates, authenticator: Authenticator, host: str, ports: list[int]) -> None:
        self.wiring = _Wiring(creates, authenticator)
        self.host = host
        self.ports = ports
        self.broker: StadsdataBroker | None = None
        self.port: int | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.changes: asyncio.Queue[list[Change]] = asyncio.Queue()
        self.notifier: asyncio.Task[None] | None = None
        self._sending: set[asyncio.Task[Any]] = set()
        self._listening = False

    async def start(self) -> int | None:
        for port in self.ports:
            if not _free(self.host, port):
                log.warning("MQTT port %s:%s is in use (another broker, e.g. Mosquitto?)", self.host, port)
                continue
            broker = StadsdataBroker(broker_config(self.host, port), self.wiring)
            try:
                await broker.start()
            except Exception as exc:  # noqa: BLE001 - amqtt wraps the OSError
                if port_in_use(exc) or "address already in use" in str(exc).lower():
                    log.warning("MQTT port %s:%s is in use (another broker, e.g. Mosquitto?)", self.host, port)
                    continue
                raise
            self.broker, self.port = broker, port
            self.loop = asyncio.get_running_loop()
            self.changes = asyncio.Queue()
            self.notifier = asyncio.create_task(self._notify())
            if not self._listening:
                self.wiring.creates.ingestor.store.add_commit_listener(self._on_commit)
                self._listening = True
            log.info("embedded MQTT broker listening on %s:%s", self.host, port)
            return port
        log.warning(
            "running WITHOUT the embedded MQTT broker: ports %s are in use. Set STADSDATA_MQTT_PORT to a free port, "
            "or STADSDATA_MQTT_URL to use that broker with `stadsdata ingest`.",
            ", ".join(map(str, self.ports)),
        )
        return None

    async def stop(self) -> None:
        if self.notifier is not None:
            self.notifier.cancel()
            self.notifier = None
        if self.broker is not None:
            await self.broker.shutdown()
            self.broker = None

    # -- subscriptions ------------------------------------------------------------------------
    def _on_commit(self, changes: list[Change]) -> None:
        """Called in the committing thread: hand the changes to the broker's loop, if anyone listens."""
        broker, loop = self.broker, self.loop
        if broker is None or loop is None or not broker._subscriptions:  # noqa: SLF001
            return
        loop.call_soon_threadsafe(self.changes.put_nowait, list(changes))

    async def _notify(self) -> None:
        while True:
            changes = await self.changes.get()
            try:
                await self._deliver(changes)
            except Exception:  # noqa: BLE001 - one bad batch must not end the notifications
                log.exception("MQTT notifications failed")

    async def _deliver(self, changes: list[Change]) -> None:
        broker = self.broker
        if broker is None:
            return
        subscriptions = broker._subscriptions  # noqa: SLF001 - topic filter -> [(session, qos)]
        creates = self.wiring.creates
        messages: dict[tuple[Caller, str, str], bytes | None] = {}
        for subscription, source in matching(list(subscriptions), changes):
            for session, qos in list(subscriptions.get(subscription.topic, ())):
                entry = broker._sessions.get(session.client_id)  # noqa: SLF001
                if entry is None or not session.transitions.is_connected():
                    continue
                caller = _caller(session)
                key = (caller, subscription.topic, source)
                if key not in messages:
                    messages[key] = await asyncio.to_thread(
                        message_for, creates.service, creates.service_root, caller, subscription, source
                    )
                payload = messages[key]
                if payload is not None:
                    self._sending.add(task := asyncio.create_task(entry[1].mqtt_publish(subscription.topic, payload, min(qos or 0, 1), False)))
                    task.add_done_callback(self._sending.discard)
