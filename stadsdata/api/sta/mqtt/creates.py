"""SensorThings creates published over MQTT (OGC 18-088 §14.3): a client publishes an entity to
a collection topic (`v1.1/Datastreams(5)/Observations`) and the server stores it as the POST of
that path would, through the SensorThings service — with the message's idempotency key claimed
in the same transaction, and what is refused (a 4xx) kept in the quarantine with its reason
(`ingest/pipeline.py`). Errors of the server or database (5xx) are raised, so that the broker
does not acknowledge and the message is delivered again."""

from __future__ import annotations

from stadsdata.access.policy import Caller
from stadsdata.api.sta.mqtt.batch import ingest_batch
from stadsdata.api.sta.mqtt.topics import TOPICS, sta_create_path, sta_message_key
from stadsdata.api.sta.requests import StaRequest
from stadsdata.api.sta.service import StaService
from stadsdata.errors import ProblemError
from stadsdata.ingest.mqtt_worker import Subscriber
from stadsdata.ingest.pipeline import Ingestor, Message, Outcome

WORKER_SOURCE = "mqtt"  # messages of `stadsdata ingest` workers ('mqtt-embedded': of the embedded broker)


class _Duplicate(Exception):
    """Raised inside the transaction to roll back a redelivered message."""


class MqttCreates:
    """Stores SensorThings creates published over MQTT, one (`ingest`) or many in one
    transaction (`ingest_batch`, `batch.py`)."""

    def __init__(self, ingestor: Ingestor, service: StaService, service_root: str = "http://localhost:8000") -> None:
        self.ingestor = ingestor
        self.service = service
        self.service_root = service_root.rstrip("/")

    def request(self, version: str, path: str, payload: bytes, caller: Caller) -> StaRequest:
        """The POST a create on `v<version>/<path>` is."""
        return StaRequest(
            method="POST", path=path, body=payload, content_type="application/json", version=version,
            service_root=f"{self.service_root}/v{version}", caller=caller,
        )  # fmt: skip

    def ingest(self, message: Message, caller: Caller, quarantined: int | None = None) -> Outcome:
        """Store a SensorThings create published on `message.topic` (or quarantine it). A replay
        of quarantine row `quarantined` updates that row's reason when it is refused again. A
        payload larger than the setting mqtt_max_payload_bytes is quarantined with its first
        bytes and its size."""
        ingestor = self.ingestor
        if ingestor.refused_for_size(message, quarantined=quarantined):
            return Outcome.QUARANTINED
        try:
            version, path = sta_create_path(message.topic)
            with ingestor.store.write() as tx:
                self.service.handle(self.request(version, path, message.payload, caller))  # first: a caller without the right learns nothing from "duplicate"
                if message.key is not None and not tx.claim_ingest_key(message.key, message.received_at):
                    raise _Duplicate  # stored before: undo this second copy
        except _Duplicate:
            return Outcome.DUPLICATE
        except ProblemError as exc:
            if exc.status >= 500:
                raise
            ingestor.refuse(message, exc.detail, exc.field, quarantined=quarantined)
            return Outcome.QUARANTINED
        return Outcome.STORED

    def ingest_batch(self, messages: list[Message], caller: Caller) -> list[Outcome]:
        return ingest_batch(self, messages, caller)

    def subscriber(self, caller: Caller) -> Subscriber:
        """What a `stadsdata ingest` worker does with the SensorThings topics: batches of creates
        stored with `caller`'s rights."""
        return Subscriber(WORKER_SOURCE, TOPICS, lambda messages: self.ingest_batch(messages, caller), sta_message_key)
