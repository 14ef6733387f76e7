"""The embedded broker of `stadsdata serve`: SensorThings creates by MQTT publish, stored before
they are acknowledged, with the publisher's credentials and the quarantine for what is refused
(both backends)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient

from stadsdata.app import create_app
from stadsdata.settings import Settings
from tests.integration.ingest.conftest import free_port, publisher, reading

TOPIC = "v1.1/Datastreams(1)/Observations"


@pytest.fixture
def city(embedded_city: tuple[TestClient, dict[str, str], int]) -> tuple[TestClient, dict[str, str], int]:
    return embedded_city


def count(client: TestClient) -> int:
    return int(client.get("/v1.1/Datastreams(1)/Observations?$count=true&$top=0").json()["@iot.count"])


def held(client: TestClient, admin: str) -> list[dict[str, Any]]:
    response = client.get("/api/v1/quarantine?status=held", headers={"X-API-Key": admin})
    assert response.status_code == 200, response.text
    return response.json()["_embedded"]["quarantine"]


def test_a_publish_is_stored_before_it_is_acknowledged(city: Any) -> None:
    client, keys, port = city
    sensor = publisher(port, key=keys["writer"])
    try:
        for i in range(50):
            sensor.publish(TOPIC, reading(i), qos=1).wait_for_publish(10)
            assert count(client) == i + 1  # acknowledged ⇒ committed: visible at once, no waiting
        sensor.publish("v1.1/Observations", b'{"Datastream": {"@iot.id": 1}, "result": 99}', qos=1).wait_for_publish(10)
    finally:
        sensor.loop_stop()
        sensor.disconnect()
    latest = client.get("/v1.1/Datastreams(1)/Observations?$orderby=id desc&$top=1").json()["value"][0]
    assert latest["result"] == 99
    assert held(client, keys["admin"]) == []


def test_a_redelivery_is_stored_once(city: Any) -> None:
    client, keys, port = city
    sensor = publisher(port, key=keys["writer"])
    try:
        for _ in range(3):  # what a QoS 1 publisher resends after a lost PUBACK: the same bytes
            sensor.publish(TOPIC, reading(7), qos=1).wait_for_publish(10)
    finally:
        sensor.loop_stop()
        sensor.disconnect()
    assert count(client) == 1


def test_refused_input_is_quarantined_replayed_or_discarded(city: Any) -> None:
    client, keys, port = city
    admin = {"X-API-Key": keys["admin"]}
    anonymous, reader, writer = publisher(port), publisher(port, key=keys["reader"]), publisher(port, key=keys["writer"])
    try:
        anonymous.publish(TOPIC, reading(1), qos=1).wait_for_publish(10)  # no credentials: may not write
        reader.publish(TOPIC, reading(2), qos=1).wait_for_publish(10)  # credentials without write rights
        writer.publish(TOPIC, b"{not json", qos=1).wait_for_publish(10)
        writer.publish("v1.1/Datastreams(42)/Observations", reading(3), qos=1).wait_for_publish(10)
        writer.publish("v1.1/Datastreams(1)/Observations?$select=id", reading(4), qos=1).wait_for_publish(10)
    finally:
        for c in (anonymous, reader, writer):
            c.loop_stop()
            c.disconnect()
    assert count(client) == 0
    rows = held(client, keys["admin"])
    assert len(rows) == 5 and all(r["source"] == "mqtt-embedded" and r["status"] == "held" for r in rows)
    by_payload = {r["payload"]: r for r in rows}
    assert "credentials" in by_payload[reading(1).decode()]["reason"]
    assert by_payload[reading(2).decode()]["subject"].startswith("key:")
    assert "JSON" in by_payload["{not json"]["reason"]
    # The quarantine is for admins only.
    assert client.get("/api/v1/quarantine", headers={"X-API-Key": keys["writer"]}).status_code == 403
    assert client.get("/api/v1/quarantine").status_code == 401
    # Replayed by an admin (with the admin's rights): stored once; replaying again is a conflict.
    first = by_payload[reading(1).decode()]["id"]
    replay = client.patch(f"/api/v1/quarantine/{first}", json={"status": "replayed"}, headers=admin)
    assert replay.status_code == 200 and replay.json()["outcome"] == "stored" and replay.json()["status"] == "replayed"
    assert count(client) == 1
    assert client.patch(f"/api/v1/quarantine/{first}", json={"status": "replayed"}, headers=admin).status_code == 409
    # Refused again: it stays held, with the new reason.
    broken = by_payload["{not json"]["id"]
    again = client.patch(f"/api/v1/quarantine/{broken}", json={"status": "replayed"}, headers=admin).json()
    assert again["outcome"] == "quarantined" and again["status"] == "held"
    discarded = client.patch(f"/api/v1/quarantine/{broken}", json={"status": "discarded"}, headers=admin).json()
    assert discarded["status"] == "discarded" and discarded["payload"] == "{not json"  # kept, never deleted
    assert len(held(client, keys["admin"])) == 3


def test_wrong_credentials_refuse_the_connection(city: Any) -> None:
    _, _, port = city
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="intruder")
    client.username_pw_set("sensor", "sdk_abcdefgh_wrong")
    with pytest.raises(Exception):  # noqa: B017 - paho raises ConnectionRefused / returns a failure code
        client.connect("127.0.0.1", port)
        rc = client.loop(timeout=2.0)
        client.loop(timeout=1.0)
        assert rc == mqtt.MQTT_ERR_SUCCESS and client.is_connected()
        raise AssertionError("connected with a wrong key")


def test_a_taken_port_never_stops_the_server(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        alternative = free_port()
        settings = Settings(database=str(tmp_path / "a.db"), mqtt_embedded=True, mqtt_port=busy, mqtt_alternative_port=alternative)
        with TestClient(create_app(settings)) as client:
            assert client.app.state.mqtt_port == alternative
            assert client.get("/v1.1").status_code == 200
        settings = Settings(database=str(tmp_path / "b.db"), mqtt_embedded=True, mqtt_port=busy)
        with TestClient(create_app(settings)) as client:
            assert client.app.state.mqtt_port is None  # runs without the embedded broker, says so in the log
            assert client.get("/v1.1").status_code == 200
