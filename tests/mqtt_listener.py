"""A subscriber on the test machine's MQTT broker (Mosquitto on 127.0.0.1:1883) that keeps what
arrives under a topic of its own: for the tests of what the platform publishes (alerts, NGSI-LD
notifications). Skips the test when no broker answers."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as paho
import pytest


@dataclass
class MqttSubscriber:
    topic: str  # a topic of this test's own; everything under it (`<topic>/#`) is kept
    got: list[tuple[str, bytes]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)


@contextmanager
def listening(prefix: str) -> Iterator[MqttSubscriber]:
    """Subscribed (QoS 1) to `<prefix>/<a new uuid>/#` until the block ends."""
    kept = MqttSubscriber(f"{prefix}/{uuid.uuid4().hex}")
    subscribed = threading.Event()
    client = paho.Client(paho.CallbackAPIVersion.VERSION2)
    client.on_connect = lambda c, *_: c.subscribe(f"{kept.topic}/#", qos=1)
    client.on_subscribe = lambda *_: subscribed.set()

    def on_message(_c: Any, _u: Any, message: Any) -> None:
        kept.got.append((message.topic, message.payload))
        kept.arrived.set()

    client.on_message = on_message
    try:
        client.connect("127.0.0.1", 1883)
    except OSError:
        pytest.skip("no MQTT broker on 127.0.0.1:1883")
    client.loop_start()
    try:
        assert subscribed.wait(5)
        yield kept
    finally:
        client.loop_stop()
        client.disconnect()
