"""The one way a source message becomes stored data: in one transaction, claim its idempotency
key (a redelivery stores nothing), then create what it describes through the SensorThings
service — the same validation, access checks (`check_stream_write`) and pseudonymisation as the
HTTP API. A message the service refuses (a 4xx: malformed, unknown stream, not allowed) is kept
in the quarantine with its raw payload and the reason; errors of the server or database (5xx)
are raised, so that the connector does not acknowledge and the message is delivered again."""

from __future__ import annotations

import base64
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
from stadsdata.store.base import Store

log = logging.getLogger(__name__)
VERSIONS = ("v1.0", "v1.1")


class Outcome(enum.Enum):
    STORED = "stored"
    DUPLICATE = "duplicate"  # stored before, under the same idempotency key
    QUARANTINED = "quarantined"


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


class Ingestor:
    def __init__(self, store: Store, service: StaService, service_root: str = "http://localhost:8000") -> None:
        self.store = store
        self.service = service
        self.service_root = service_root.rstrip("/")

    def ingest(self, message: Message, caller: Caller, *, quarantined: int | None = None) -> Outcome:
        """Store a SensorThings create published on `message.topic` (or quarantine it). A replay
        of quarantine row `quarantined` updates that row's reason when it is refused again."""
        try:
            version, path = sta_create_path(message.topic)
            request = StaRequest(
                method="POST", path=path, body=message.payload, content_type="application/json", version=version,
                service_root=f"{self.service_root}/v{version}", caller=caller,
            )  # fmt: skip
            with self.store.write() as tx:
                if message.key is not None and not tx.claim_ingest_key(message.key, message.received_at):
                    return Outcome.DUPLICATE
                self.service.handle(request)
        except ProblemError as exc:
            if exc.status >= 500:
                raise
            if quarantined is None:
                self.quarantine(message, exc.detail, exc.field)
            else:
                with self.store.write() as tx:
                    tx.access.update_row("quarantine", quarantined, {"reason": exc.detail[:2000], "field": exc.field})
            return Outcome.QUARANTINED
        return Outcome.STORED

    def quarantine(self, message: Message, reason: str, field: str | None = None) -> int:
        try:
            payload, encoding = message.payload.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            payload, encoding = base64.b64encode(message.payload).decode(), "base64"
        row: dict[str, Any] = {
            "source": message.source, "topic": message.topic, "payload": payload, "encoding": encoding,
            "subject": message.subject, "received_at": message.received_at, "reason": reason[:2000], "field": field,
            "status": "held",
        }  # fmt: skip
        with self.store.write() as tx:
            quarantined = tx.access.insert_row("quarantine", row)
        log.warning("quarantined %s message on %s (%s): %s", message.source, message.topic, quarantined, reason)
        return quarantined
