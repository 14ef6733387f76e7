"""The one way a source message becomes stored data. Readings a source kind made of a message
(LoRaWAN, HTTP push, a connector, …) go to the observation sink (`service/sink.py`) as typed
readings, each once by its idempotency key, with the same validation, access checks and
pseudonymisation as the HTTP API. A message that is refused (a 4xx: malformed, unknown stream, not
allowed) is kept in the quarantine with its raw payload and the reason; errors of the server or
database (5xx) are raised, so that the transport does not acknowledge and the message is
delivered again. (SensorThings creates published over MQTT are the SensorThings face's:
`api/sta/mqtt/creates.py`, which quarantines through this `Ingestor` too.)"""

from __future__ import annotations

import base64
import dataclasses
import enum
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from stadsdata.access.policy import Caller
from stadsdata.errors import ProblemError
from stadsdata.service.sink import ObservationSink, Reading
from stadsdata.store.base import Store

log = logging.getLogger(__name__)


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


class Ingestor:
    def __init__(self, store: Store, sink: ObservationSink, *, max_payload_bytes: int = 256 * 1024) -> None:
        self.store = store
        self.sink = sink
        self.max_payload_bytes = max_payload_bytes

    def refused_for_size(self, message: Message, *, quarantined: int | None = None) -> bool:
        """Whether the payload is larger than `max_payload_bytes` (setting mqtt_max_payload_bytes);
        if so it is quarantined with its first `max_payload_bytes` bytes and its size."""
        if len(message.payload) <= self.max_payload_bytes:
            return False
        size, kept = len(message.payload), message.payload[: self.max_payload_bytes]
        reason = f"the payload of {size} bytes is larger than {self.max_payload_bytes} (setting mqtt_max_payload_bytes); its first {self.max_payload_bytes} bytes are kept"
        self.refuse(dataclasses.replace(message, payload=kept), reason, "payload", quarantined=quarantined)
        return True

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

    def ingest_partly(
        self, message: Message, caller: Caller, readings: list[Reading], *, unmapped: tuple[str, str] | None,
        nothing: tuple[str, str], quarantined: int | None = None,
    ) -> tuple[Outcome, int]:  # fmt: skip
        """Store what a source could map of a message: (outcome, readings stored or found stored
        before). When part of the message could not be mapped (`unmapped`: reason, field), it is
        quarantined as well, so that a replay after the mapping is fixed stores the rest (the
        stored readings' keys make them duplicates then); when nothing could be mapped, it is
        quarantined with `nothing` (reason, field)."""
        if not readings:
            self.refuse(message, *nothing, quarantined=quarantined)
            return Outcome.QUARANTINED, 0
        outcome = self.ingest_readings(message, caller, readings, quarantined=quarantined)
        if outcome is Outcome.QUARANTINED:
            return outcome, 0
        if unmapped is not None:
            self.refuse(message, *unmapped, quarantined=quarantined)
            return Outcome.QUARANTINED, len(readings)
        return outcome, len(readings)

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
