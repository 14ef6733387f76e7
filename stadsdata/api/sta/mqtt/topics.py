"""The topics of the SensorThings MQTT extension: which are SensorThings topics, what a create
topic names, and a create's idempotency key."""

from __future__ import annotations

import hashlib

from stadsdata.errors import BadRequest

VERSIONS = ("v1.0", "v1.1")
TOPICS = ("v1.1/#", "v1.0/#")  # what a `stadsdata ingest` worker subscribes to


def is_sta_topic(topic: str | None) -> bool:
    return bool(topic) and topic.split("/", 1)[0] in VERSIONS  # type: ignore[union-attr]


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
