"""The one way a source message becomes stored data. Readings a connector made of a message
(LoRaWAN, HTTP push, …) go to the observation sink (`service/sink.py`) as typed readings, each
once by its idempotency key; a SensorThings create published over MQTT goes through the
SensorThings service with the message's key claimed in the same transaction. Either way the same
validation, access checks and pseudonymisation as the HTTP API apply. A message that is refused (a
4xx: malformed, unknown stream, not allowed) is kept in the quarantine with its raw payload and the
reason; errors of the server or database (5xx) are raised, so that the connector does not
acknowledge and the message is delivered again."""

from __future__ import annotations

import base64
import dataclasses
import enum
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from stadsdata.access.policy import Caller
from stadsdata.api.sta.requests import StaRequest
from stadsdata.api.sta.service import StaService
from stadsdata.errors import BadRequest, ProblemError
from stadsdata.service.sink import ObservationSink, Reading
from stadsdata.store.base import Store

log = logging.getLogger(__name__)
VERSIONS = ("v1.0", "v1.1")


class Outcome(enum.Enum):
    STORED = "stored"
    DUPLICATE = "duplicate"  # stored before, under the same idempotency key
    QUARANTINED = "quarantined"
    NOT_DATA = "not data"  # a message of the source that carries no readings (e.g. a LoRaWAN join)


@dataclass(frozen=True)
class Message:
    source: str  # 'mqtt', 'mqtt-embedded', …
    topic: str
    payload: bytes
    subject: str | None = None  # who sent it, when the connector knows
    key: str | None = None  # idempotency key, where the protocol gives one
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def sta_create_path(topic: str) -> tuple[str, str]:
    """(version, path) of a SensorThings MQTT create topic, e.g. 'v1.1/Datastreams(5)/Observations'
    → ('1.1', 'Datastreams(5)/Observations'). The path itself is checked by the service."""
    version, _, path = topic.partition("/")
    if version not in VERSIONS or not path:
        raise BadRequest(f"not a SensorThings topic: {topic!r} (expected v1.1/<collection>)", field="topic")
    if "?" in path or "+" in path or "#" in path:
        raise BadRequest("a create topic names a collection, without query options or wildcards", field="topic")
    return version[1:], path


def sta_message_key(topic: str, payload: bytes) -> str | None:
    """An idempotency key for a SensorThings MQTT create: the topic and payload, when the payload
    fixes the reading's time (then the same bytes are the same reading). Without a phenomenonTime
    the server's time is used and equal payloads are different readings: no key."""
    if b'"phenomenonTime"' not in payload:
        return None
    return "sta:" + hashlib.sha256(topic.encode() + b"\0" + payload).hexdigest()


class _Duplicate(Exception):
    """Raised inside the transaction to roll back a redelivered message."""


class Ingestor:
    def __init__(
        self, store: Store, service: StaService, service_root: str = "http://localhost:8000", *, max_payload_bytes: int = 256 * 1024
    ) -> None:
        self.store = store
        self.service = service
        self.sink = ObservationSink(store, service.access, service.pseudonymiser)
        self.service_root = service_root.rstrip("/")
        self.max_payload_bytes = max_payload_bytes

    def ingest(self, message: Message, caller: Caller, *, quarantined: int | None = None) -> Outcome:
        """Store a SensorThings create published on `message.topic` (or quarantine it). A replay
        of quarantine row `quarantined` updates that row's reason when it is refused again. A
        payload larger than `max_payload_bytes` (setting mqtt_max_payload_bytes) is quarantined
        with its first `max_payload_bytes` bytes and its size."""
        if len(message.payload) > self.max_payload_bytes:
            size = len(message.payload)
            kept = dataclasses.replace(message, payload=message.payload[: self.max_payload_bytes])
            reason = f"the payload of {size} bytes is larger than {self.max_payload_bytes} (setting mqtt_max_payload_bytes); its first {self.max_payload_bytes} bytes are kept"
            self.refuse(kept, reason, "payload", quarantined=quarantined)
            return Outcome.QUARANTINED
        try:
            version, path = sta_create_path(message.topic)
            request = StaRequest(
                method="POST", path=path, body=message.payload, content_type="application/json", version=version,
                service_root=f"{self.service_root}/v{version}", caller=caller,
            )  # fmt: skip
            with self.store.write() as tx:
                self.service.handle(request)  # first: a caller without the right learns nothing from "duplicate"
                if message.key is not None and not tx.claim_ingest_key(message.key, message.received_at):
                    raise _Duplicate  # stored before: undo this second copy
        except _Duplicate:
            return Outcome.DUPLICATE
        except ProblemError as exc:
            if exc.status >= 500:
                raise
            self.refuse(message, exc.detail, exc.field, quarantined=quarantined)
            return Outcome.QUARANTINED
        return Outcome.STORED

    def ingest_readings(self, message: Message, caller: Caller, readings: list[Reading], *, quarantined: int | None = None) -> Outcome:
        """Store readings a connector made of `message` (each once, by its key) through the
        observation sink; when the sink refuses them, quarantine the message."""
        try:
            stored = self.sink.write(caller, readings, received_at=message.received_at)
        except ProblemError as exc:
            if exc.status >= 500:
                raise
            self.refuse(message, exc.detail, exc.field, quarantined=quarantined)
            return Outcome.QUARANTINED
        return Outcome.STORED if stored.ids else Outcome.DUPLICATE

    def refuse(self, message: Message, reason: str, field: str | None = None, *, quarantined: int | None = None) -> None:
        """Quarantine the message — or, for a replay of quarantine row `quarantined`, give that
        row the new reason."""
        if quarantined is None:
            self.quarantine(message, reason, field)
            return
        with self.store.write() as tx:
            tx.access.update_row("quarantine", quarantined, {"reason": _text(reason[:2000]), "field": _text(field)})

    def quarantine(self, message: Message, reason: str, field: str | None = None) -> int:
        """Keep the message as it came: its payload as text when it is UTF-8 without NUL, else
        base64 (PostgreSQL text cannot hold NUL); the other texts with NUL written as \\u0000."""
        payload, encoding = _stored_payload(message.payload)
        row: dict[str, Any] = {
            "source": message.source, "topic": _text(message.topic), "payload": payload, "encoding": encoding,
            "subject": _text(message.subject), "received_at": message.received_at, "reason": _text(reason[:2000]),
            "field": _text(field), "status": "held",
        }  # fmt: skip
        with self.store.write() as tx:
            quarantined = tx.access.insert_row("quarantine", row)
        log.warning("quarantined %s message on %s (%s): %s", message.source, message.topic, quarantined, reason)
        return quarantined


def _stored_payload(payload: bytes) -> tuple[str, str]:
    """(payload as stored, its encoding: 'utf-8' or 'base64')."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        return base64.b64encode(payload).decode(), "base64"
    return text, "utf-8"


def _text(value: str | None) -> str | None:
    """A text that every backend can store: NUL (which PostgreSQL refuses) written as \\u0000."""
    return None if value is None else value.replace("\x00", "\\u0000")
