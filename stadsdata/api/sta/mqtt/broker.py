"""The embedded MQTT broker of `stadsdata serve` (amqtt), speaking the SensorThings MQTT
extension: a client publishes an entity to a collection topic (`v1.1/Datastreams(5)/Observations`)
to create it.

Durability: the broker stores a publish on a SensorThings topic *before* it acknowledges it
(PUBACK for QoS 1, PUBREC for QoS 2). `_DurableHandler` hands it to the group commit
(`grouping.py`): what arrives within a few milliseconds, from one connection or many, is stored
in one transaction in a worker thread (`MqttCreates.ingest_batch`), and each message is
acknowledged after the commit of its group. amqtt (0.12) reads a connection's packets in one task
and handles each PUBLISH in a task of its own, without waiting for it; the handler of a QoS 1
publish only hands the message over, and the group commit writes the PUBACKs of each connection
after the commit, in one write, in the order the messages arrived (groups commit one after the
other, in arrival order). So one publisher with many messages in flight fills a group. A QoS 2
publish waits for its group's commit before amqtt sends the PUBREC. If the database is
unavailable the connection is closed without an acknowledgement, so the client sends the message
again (its idempotency key makes a message stored before a duplicate). Refused input is
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
from amqtt.mqtt.constants import QOS_0, QOS_1, QOS_2
from amqtt.mqtt.packet import PUBACK
from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler
from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin
from amqtt.session import INCOMING, Session

from stadsdata.access.authenticate import Authenticator
from stadsdata.access.policy import ANONYMOUS, Caller
from stadsdata.api.sta.mqtt.creates import MqttCreates
from stadsdata.api.sta.mqtt.grouping import GroupCommit
from stadsdata.api.sta.mqtt.subscriptions import matching, message_for
from stadsdata.api.sta.mqtt.topics import is_sta_topic, sta_message_key
from stadsdata.errors import ProblemError
from stadsdata.ingest.pipeline import Message
from stadsdata.store.base import Change

log = logging.getLogger(__name__)
SOURCE = "mqtt-embedded"
_PUBACK = bytes([PUBACK << 4, 2])  # the fixed header of a PUBACK (MQTT 3.1.1 §3.4), then the packet id


@dataclass
class _Wiring:
    """What the plugins and handlers of one broker reach: set on the broker before amqtt builds them."""

    creates: MqttCreates
    authenticator: Authenticator
    groups: GroupCommit


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
    """Stores a SensorThings publish (in a group, `grouping.py`) before the broker acknowledges
    it; the `Waiter` of its messages there."""

    async def _handle_message_flow(self, app_message: Any) -> None:
        if app_message.direction != INCOMING or not is_sta_topic(app_message.topic):
            await super()._handle_message_flow(app_message)
            return
        wiring: _Wiring = self._stadsdata  # type: ignore[attr-defined]
        payload = bytes(app_message.data or b"")
        caller = _caller(self.session)
        qos = app_message.qos
        message = Message(
            SOURCE, app_message.topic, payload, subject=caller.subject,
            key=sta_message_key(app_message.topic, payload) if qos != QOS_0 else None,
        )  # fmt: skip
        if qos == QOS_1:  # the PUBACK is sent by `settled`, after the commit
            wiring.groups.submit(message, caller, self, app_message.packet_id)
            return
        stored: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        wiring.groups.submit(message, caller, self, stored)
        try:
            await stored
        except Exception:  # noqa: BLE001 - not stored (logged by the group commit): no acknowledgement
            return
        if qos == QOS_2:
            await super()._handle_message_flow(app_message)  # PUBREC now; PUBREL and PUBCOMP as amqtt does

    # -- the Waiter of the group commit ---------------------------------------------------------
    _stadsdata_failed = False  # storing one of its messages failed: it is being closed

    @property
    def waiting(self) -> bool:
        writer = self.writer
        return not self._stadsdata_failed and writer is not None and not getattr(writer, "is_closed", False)

    def settled(self, tokens: list[Any]) -> None:
        """After the commit: a PUBACK for each QoS 1 message (a packet id), in the order they
        arrived, written at once; the others' waits end."""
        acks = bytearray()
        for token in tokens:
            if isinstance(token, int):
                acks += _PUBACK + token.to_bytes(2, "big")  # what PubackPacket.build(token).to_bytes() gives
            elif not token.done():
                token.set_result(None)
        if acks and self.waiting:
            self.writer.write(bytes(acks))  # type: ignore[union-attr]

    def failed(self, tokens: list[Any], error: Exception) -> None:
        """Not stored (the database, a server fault): no acknowledgement. The connection is closed,
        so that the client sends the messages again."""
        for token in tokens:
            if isinstance(token, asyncio.Future) and not token.done():
                token.set_exception(error)
        if self.waiting:  # its messages not yet in a group are left out from now on
            self._stadsdata_failed = True
            self._stadsdata_closing = asyncio.ensure_future(self._close_after_failure())

    async def _close_after_failure(self) -> None:
        """Close the socket first, so that the client sees the connection end at once (and sends
        again) — amqtt's own close waits for the reader, which waits for a client that waits
        for its acknowledgements — then let amqtt end the session."""
        if self.writer is not None:
            await self.writer.close()
        await self.handle_connection_closed()


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
        self.wiring = _Wiring(creates, authenticator, GroupCommit(creates))
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
            self.wiring.groups.start()
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
        await self.wiring.groups.stop()

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
