"""`serverSettings.conformance` of the service root (OGC 18-088 §9.2.1) lists the classes and
requirements of `stadsdata/api/sta/conformance.py`, and every URI listed there is exercised
here: one check per requirement (`conformance_checks.py`) on a freshly seeded city, on each
backend; the two MQTT classes, listed only while the embedded broker runs, over MQTT."""

from __future__ import annotations

import json
import queue
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient

from stadsdata.api.sta.conformance import CLASSES, MQTT_CREATE, MQTT_RECEIVE
from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.conftest import free_port
from tests.integration.sta.conformance_checks import CHECKS
from tests.integration.sta.conftest import UGM3, created_id, stream_body, thing_body

HTTP_CLASSES = [cls for cls in CLASSES if not cls.mqtt]
MQTT_CLASSES = [cls for cls in CLASSES if cls.mqtt]


def server_settings(client: TestClient, version: str = "1.1") -> Any:
    response = client.get(f"/v{version}")
    assert response.status_code == 200, response.text
    return response.json().get("serverSettings")


def test_root_lists_each_class_with_its_requirements(client: TestClient) -> None:
    settings = server_settings(client)
    assert settings["conformance"] == [uri for cls in HTTP_CLASSES for uri in cls.uris]
    assert len(set(settings["conformance"])) == len(settings["conformance"])
    assert set(settings) == {"conformance"}  # no broker: no MQTT class, no endpoints
    assert server_settings(client, "1.0") is None  # 1.0 has no serverSettings


def test_every_listed_requirement_has_a_check() -> None:
    assert {uri for cls in HTTP_CLASSES for uri in cls.requirements} == set(CHECKS)
    assert {uri for cls in MQTT_CLASSES for uri in cls.requirements} == set(MQTT_CHECKS)


@pytest.mark.parametrize("requirement", sorted(CHECKS), ids=lambda uri: uri.split("/req/")[1])
def test_requirement(client: TestClient, seed: dict[str, Any], requirement: str) -> None:
    assert requirement in server_settings(client)["conformance"]
    CHECKS[requirement](client)


# -- MQTT (classes 7 and 8), on the embedded broker ----------------------------------------------


@pytest.fixture
def broker(store: Store, tmp_path: Path) -> Iterator[tuple[TestClient, int]]:
    """An app with its embedded broker running, and one Datastream."""
    settings = Settings(database=str(tmp_path / "x.db"), mqtt_embedded=True, mqtt_port=free_port())
    with TestClient(create_app(settings, store=store)) as client:
        created_id(client.post("/v1.1/Things", json=thing_body("Paal", 5.1, 52.1, [stream_body("pm10", "pm10", UGM3, [])])))
        yield client, client.app.state.mqtt_port


def connected(port: int, topics: tuple[str, ...] = ()) -> tuple[mqtt.Client, queue.Queue[tuple[str, Any]]]:
    messages: queue.Queue[tuple[str, Any]] = queue.Queue()
    subscribed: queue.Queue[int] = queue.Queue()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"conformance-{time.monotonic_ns()}")
    client.on_message = lambda _c, _u, m: messages.put((m.topic, json.loads(m.payload)))
    client.on_subscribe = lambda _c, _u, mid, _r, _p: subscribed.put(mid)
    client.connect("127.0.0.1", port)
    client.loop_start()
    for topic in topics:
        client.subscribe(topic, qos=1)
        subscribed.get(timeout=5)  # SUBACK
    return client, messages


def observations(client: TestClient) -> list[Any]:
    return [o["result"] for o in client.get("/v1.1/Datastreams(1)/Observations?$orderby=id").json()["value"]]


def mqtt_create(client: TestClient, port: int) -> None:
    """An Observation published to a Datastream's Observations topic is created (§14.1)."""
    publisher, _ = connected(port)
    try:
        body = {"phenomenonTime": "2024-03-01T10:00:00Z", "result": 17.5}
        publisher.publish("v1.1/Datastreams(1)/Observations", json.dumps(body), qos=1).wait_for_publish(10)
    finally:
        publisher.loop_stop()
        publisher.disconnect()
    assert observations(client) == [17.5]  # stored before the broker acknowledged it


def mqtt_receive(client: TestClient, port: int) -> None:
    """A subscriber of a collection topic receives each new entity as a GET shows it (§14.2)."""
    subscriber, messages = connected(port, ("v1.1/Datastreams(1)/Observations",))
    try:
        created = client.post("/v1.1/Datastreams(1)/Observations", json={"phenomenonTime": "2024-03-01T11:00:00Z", "result": 21})
        new = created_id(created)
        topic, message = messages.get(timeout=5)
    finally:
        subscriber.loop_stop()
        subscriber.disconnect()
    assert topic == "v1.1/Datastreams(1)/Observations"
    assert content(message) == content(client.get(f"/v1.1/Observations({new})").json())


def content(entity: dict[str, Any]) -> dict[str, Any]:
    """An entity without its links (a message's links are on the configured base URL)."""
    return {k: v for k, v in entity.items() if not k.endswith(("@iot.selfLink", "@iot.navigationLink"))}


MQTT_CHECKS = {MQTT_CREATE.uris[0]: mqtt_create, MQTT_RECEIVE.uris[0]: mqtt_receive}


def test_broker_adds_the_mqtt_classes_with_its_endpoint(broker: tuple[TestClient, int]) -> None:
    client, port = broker
    settings = server_settings(client)
    assert settings["conformance"] == [uri for cls in CLASSES for uri in cls.uris]
    for cls in MQTT_CLASSES:
        assert settings[cls.uris[0]] == {"endpoints": [f"mqtt://testserver:{port}"]}
    in_batch = client.post("/v1.1/$batch", json={"requests": [{"id": "root", "method": "GET", "url": "/v1.1/"}]}).json()
    assert in_batch["responses"][0]["body"]["serverSettings"] == settings


@pytest.mark.parametrize("requirement", sorted(MQTT_CHECKS), ids=lambda uri: uri.split("/req/")[1])
def test_mqtt_requirement(broker: tuple[TestClient, int], requirement: str) -> None:
    client, port = broker
    assert requirement in server_settings(client)["conformance"]
    MQTT_CHECKS[requirement](client, port)
