"""Notifications of NGSI-LD subscriptions over MQTT, to the Mosquitto broker on 127.0.0.1:1883:
an endpoint `mqtt://host:port/topic` gets a PUBLISH whose payload is a JSON object of `metadata`
(Content-Type, the @context Link) and `body` (the Notification). Both backends."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.integration.ngsild.conftest import BASE, CONTEXT_LINK_REL, air
from tests.integration.ngsild.subscription_helpers import MqttSubscriber, settle, subscribe, subscription


def test_a_notification_is_published(client: TestClient, mqtt_subscriber: MqttSubscriber) -> None:
    topic = f"{mqtt_subscriber.topic}/lucht"
    body = subscription(
        f"mqtt://127.0.0.1:1883/{topic}", entities=[{"type": "AirQualityObserved"}],
        notification={"format": "concise", "endpoint": {"notifierInfo": [{"key": "MQTT-QoS", "value": "1"}]}},
    )  # fmt: skip
    location = subscribe(client, body)
    assert client.post(f"{BASE}/entities", json=air()).status_code == 201
    settle(client)
    assert mqtt_subscriber.arrived.wait(5)
    got_topic, payload = mqtt_subscriber.got[0]
    assert got_topic == topic
    message = json.loads(payload)
    assert message["metadata"]["Content-Type"] == "application/json"
    assert CONTEXT_LINK_REL in message["metadata"]["Link"]
    notification = message["body"]
    assert notification["type"] == "Notification" and notification["subscriptionId"] == location.rsplit("/", 1)[1]
    entity = notification["data"][0]
    assert entity["id"] == air()["id"] and entity["no2"] == {
        "value": 31.5,
        "observedAt": "2026-05-01T10:00:00Z",
        "unitCode": "GQ",
    }
    shown = client.get(location).json()["notification"]
    assert shown["timesSent"] == 1 and shown["status"] == "ok"


def test_an_unreachable_broker_shows_failed(client: TestClient) -> None:
    client.app.state.ngsild_notifier.delivery.attempts = 1  # type: ignore[attr-defined]
    location = subscribe(client, subscription("mqtt://127.0.0.1:1/nowhere", watchedAttributes=["no2"]))
    assert client.post(f"{BASE}/entities", json=air()).status_code == 201
    settle(client)
    shown = client.get(location).json()["notification"]
    assert shown["status"] == "failed" and shown["timesFailed"] == 1
