"""`stadsdata ingest`: a worker that stores what is published on an external MQTT broker
(Mosquitto, EMQX, a LoRaWAN network server's), next to any number of others. What it subscribes
to and what it does with the messages is its `Subscriber`: the SensorThings creates
(`api/sta/mqtt/creates.py`) or the messages of a source kind (`sources/kind.py`, `SourceKind.subscriber`).

- Shared subscriptions (`$share/<group>/v1.1/#`, `$share/<group>/v1.0/#`; MQTT 5, and MQTT
  3.1.1 on Mosquitto and EMQX): the broker hands each message to one worker of the group, so
  ingestion scales out across processes and machines.
- Manual acknowledgements: a QoS 1 message is acknowledged after its data (or its quarantine
  row) is committed. Messages are stored in batches (up to 1 000, or what arrived within 20 ms of
  the first) in one transaction (`batch.py`), and acknowledged after that commit. When the database fails, the worker drops the connection without
  acknowledging, waits (back-off 1 s … 30 s) and reconnects; the broker delivers the message
  again. A persistent session (clean start off, session expiry one day) keeps the worker's
  messages at the broker while it is down.
- A redelivered message is not stored twice: its idempotency key (the subscriber's `key`, or the
  keys its source kind gives each reading) is claimed in the transaction that stores it.
- Messages the server itself publishes (carrying the MQTT 5 user property `stadsdata: event`)
  are not creates and are skipped.

Publishers' rights are the broker's to check (its ACL); the worker writes with the rights of its
own API key (`--key` / STADSDATA_INGEST_KEY)."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from stadsdata.ingest.pipeline import Message

log = logging.getLogger(__name__)
EVENT_PROPERTY = ("stadsdata", "event")
SESSION_EXPIRY_S = 86_400
BATCH = 1000  # messages stored in one transaction at most
BATCH_WAIT_S = 0.02  # how long the first message of a batch waits for more


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> BrokerAddress:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "tcp"):
            raise ValueError(f"broker URL must be mqtt://host[:port], not {url!r}")
        return cls(
            parts.hostname or "127.0.0.1", parts.port or 1883,
            unquote(parts.username) if parts.username else None, unquote(parts.password) if parts.password else None,
        )  # fmt: skip


@dataclass(frozen=True)
class Subscriber:
    """What a worker subscribes to and does with the messages: `store` is given each batch (in
    order, after the topic prefix is taken off) and raises when it could not store them (then
    nothing of the batch is acknowledged); `key` gives a QoS 1 message its idempotency key."""

    source: str  # the `source` of the messages (in the quarantine)
    topics: tuple[str, ...]
    store: Callable[[list[Message]], object]
    key: Callable[[str, bytes], str | None] | None = None


class _StoreFailed(Exception):
    """Storing failed for a reason of ours (database): reconnect without acknowledging."""


class MqttWorker:
    def __init__(
        self, subscriber: Subscriber, url: str, *, group: str = "stadsdata", client_id: str | None = None,
        topic_prefix: str = "", session_expiry_s: int = SESSION_EXPIRY_S, shared: bool = True, mqtt5: bool = False,
    ) -> None:  # fmt: skip
        self.subscriber = subscriber
        self.shared = shared  # shared subscription (The Things Stack's broker has none)
        # MQTT 3.1.1 (the default: a persistent session until the broker expires it; paho decodes a
        # 3.1.1 PUBLISH in about half the time of an MQTT 5 one, whose properties it parses for every
        # message — measured in bench/mqtt.py) or MQTT 5 (session expiry, user properties).
        self.mqtt5 = mqtt5
        self.topic_prefix = topic_prefix  # e.g. 'city/' when the broker serves other applications too
        self.session_expiry_s = session_expiry_s
        self.address = BrokerAddress.parse(url)
        self.group = group
        self.client_id = client_id or f"stadsdata-ingest-{uuid.uuid4().hex[:8]}"
        self.stored = 0
        self.subscribed = threading.Event()
        self.pending: list[mqtt.MQTTMessage] = []
        self.pending_since = 0.0

    def _client(self) -> mqtt.Client:
        protocol = mqtt.MQTTv5 if self.mqtt5 else mqtt.MQTTv311
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=protocol, manual_ack=True,
            clean_session=None if self.mqtt5 else False,  # MQTT 3.1.1: a persistent session too
        )  # fmt: skip
        if self.address.username is not None:
            client.username_pw_set(self.address.username, self.address.password)
        client.max_inflight_messages_set(1000)
        client.reconnect_delay_set(1, 30)
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        client.suppress_exceptions = False
        return client

    def _on_connect(self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _properties: Any) -> None:
        if reason.is_failure:
            log.warning("MQTT broker %s:%s refused the connection: %s", self.address.host, self.address.port, reason)
            return
        share = f"$share/{self.group}/" if self.shared else ""
        client.subscribe([(f"{share}{self.topic_prefix}{topic}", 1) for topic in self.subscriber.topics])
        log.info("ingesting from %s:%s as %s (group %s)", self.address.host, self.address.port, self.client_id, self.group)

    def _on_subscribe(self, _client: mqtt.Client, _userdata: Any, _mid: int, reasons: list[Any], _properties: Any) -> None:
        """Subscribed once the broker said so (SUBACK): a message published before that has no
        subscriber yet under a shared subscription, which is not restored from a broker's state."""
        if reasons and not any(r.is_failure for r in reasons):
            self.subscribed.set()
        else:
            log.warning("MQTT broker %s:%s refused the subscription: %s", self.address.host, self.address.port, reasons)

    def _on_message(self, client: mqtt.Client, _userdata: Any, msg: mqtt.MQTTMessage) -> None:
        properties = getattr(msg, "properties", None)
        if properties is not None and EVENT_PROPERTY in (getattr(properties, "UserProperty", None) or []):
            client.ack(msg.mid, msg.qos)
            return
        if not self.pending:
            self.pending_since = time.monotonic()
        self.pending.append(msg)

    def _flush(self, client: mqtt.Client) -> None:
        """Store what arrived (one transaction for SensorThings creates), then acknowledge it."""
        batch, self.pending = self.pending, []
        key = self.subscriber.key
        messages = []
        for msg in batch:
            payload, topic = bytes(msg.payload), msg.topic.removeprefix(self.topic_prefix)
            messages.append(Message(self.subscriber.source, topic, payload, key=key(topic, payload) if key and msg.qos else None))
        try:
            self.subscriber.store(messages)
        except Exception as exc:
            raise _StoreFailed(str(exc)) from exc
        for msg in batch:
            client.ack(msg.mid, msg.qos)
        self.stored += len(batch)

    def run(self, stop: threading.Event | None = None) -> None:
        """Ingest until `stop` is set, reconnecting with back-off after any failure."""
        stop = stop or threading.Event()
        client = self._client()
        connect: Properties | None = None
        if self.mqtt5:
            connect = Properties(PacketTypes.CONNECT)
            connect.SessionExpiryInterval = self.session_expiry_s
        delay = 1.0
        connected = False
        while not stop.is_set():
            try:
                if not connected:
                    if self.mqtt5:
                        client.connect(self.address.host, self.address.port, keepalive=30, clean_start=False, properties=connect)
                    else:
                        client.connect(self.address.host, self.address.port, keepalive=30)
                    connected = True
                while not stop.is_set():
                    rc = client.loop(timeout=0.005 if self.pending else 0.2)
                    if rc != mqtt.MQTT_ERR_SUCCESS:
                        raise ConnectionError(mqtt.error_string(rc))
                    if self.pending and (len(self.pending) >= BATCH or time.monotonic() - self.pending_since >= BATCH_WAIT_S):
                        self._flush(client)
                    delay = 1.0
            except (_StoreFailed, OSError, ConnectionError) as exc:
                log.warning("ingest interrupted (%s); reconnecting in %.0f s without acknowledging", exc, delay)
                connected = False
                self.pending = []  # not acknowledged: the broker delivers them again
                self.subscribed.clear()
                try:
                    client.disconnect()
                except Exception:  # noqa: BLE001 - the socket may be gone already
                    pass
                stop.wait(delay)
                delay = min(delay * 2, 30.0)
        client.disconnect()
