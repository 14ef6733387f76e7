"""LoRaWAN uplinks of The Things Stack v3 and ChirpStack v4 (recorded-format payloads in
tests/fixtures/lorawan), both backends: by webhook and through a network server's MQTT
integration; mapped fields become Observations at the network's reception time with the radio
details; unknown devices and unmapped fields are quarantined and stored later by a replay; a
redelivered uplink is stored once."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stadsdata.access.authenticate import Authenticator
from stadsdata.app import create_app
from stadsdata.ingest.mqtt_worker import MqttWorker, Subscriber
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.ingest.conftest import make_keys, publisher, wait_until
from tests.integration.sta.conftest import stream_body, thing_body

SOURCES = Path(__file__).parents[3] / "stadsdata/sources"  # each source kind's recorded payloads
TTS = (SOURCES / "tts/recorded/uplink.json").read_bytes()
CHIRPSTACK = (SOURCES / "chirpstack/recorded/up.json").read_bytes()


@pytest.fixture
def city(store: Store, tmp_path: Path) -> Iterator[dict[str, Any]]:
    keys = make_keys(store)
    with TestClient(create_app(Settings(database=str(tmp_path / "x.db"), access_mode="enforced"), store=store)) as client:
        admin = {"X-API-Key": keys["admin"]}
        streams = [stream_body(n, n, {"name": u}, []) for n, u in (("temperature", "°C"), ("humidity", "%"), ("co2", "ppm"))]
        assert client.post("/v1.1/Things", json=thing_body("Klaslokaal 1.04", 6.09, 52.51, streams), headers=admin).status_code == 201
        water = [stream_body("distance", "afstand tot water", {"name": "mm"}, [])]
        assert client.post("/v1.1/Things", json=thing_body("Peilbuis 12", 6.10, 52.53, water), headers=admin).status_code == 201
        yield {"client": client, "admin": admin, "keys": keys, "store": store}


def kind_subscriber(client: TestClient, caller: Any, name: str) -> Subscriber:
    """What `stadsdata ingest --source <name>` subscribes with."""
    platform = client.app.state.platform  # type: ignore[attr-defined]
    return platform.source_kinds[name].subscriber(platform.ingestor, caller)


def observations(client: TestClient, stream: int, admin: dict[str, str]) -> list[dict[str, Any]]:
    return client.get(f"/v1.1/Datastreams({stream})/Observations", headers=admin).json()["value"]


def held(client: TestClient, admin: dict[str, str]) -> list[dict[str, Any]]:
    return client.get("/api/v1/quarantine?status=held", headers=admin).json()["_embedded"]["quarantine"]


def test_tts_webhook_maps_fields_quarantines_the_rest_and_replays(city: dict[str, Any]) -> None:
    client, admin = city["client"], city["admin"]
    hook = "/api/v1/lorawan/tts/uplinks"
    # Unknown device: kept in quarantine, acknowledged (202), nothing stored.
    response = client.post(hook, content=TTS, headers=admin)
    assert response.status_code == 202 and response.json() == {"outcome": "quarantined"}
    assert "unknown tts device 'gemeente-luchtmeetnet/eui-70b3d57ed0061a2b'" in held(client, admin)[0]["reason"]
    # Map two of its three fields.
    mapping = {"network": "tts", "device": "gemeente-luchtmeetnet/eui-70b3d57ed0061a2b", "thingId": 1, "fields": {"temperature": 1, "humidity": 2}}
    device = client.post("/api/v1/lorawan-devices", json=mapping, headers=admin)
    assert device.status_code == 201, device.text
    assert client.post("/api/v1/lorawan-devices", json=mapping, headers=admin).status_code == 409
    bad = client.post("/api/v1/lorawan-devices", json={**mapping, "device": "x/y", "fields": {"t": 99}}, headers=admin)
    assert bad.status_code == 404 and bad.json()["field"] == "fields.t"
    first = held(client, admin)[0]["id"]
    replay = client.patch(f"/api/v1/quarantine/{first}", json={"status": "replayed"}, headers=admin).json()
    assert replay["outcome"] == "quarantined" and "co2" in replay["reason"]  # two stored, co2 still unmapped
    (temperature,) = observations(client, 1, admin)
    assert temperature["result"] == 20.5 and temperature["phenomenonTime"] == "2026-05-01T10:00:01.204921Z"
    assert temperature["parameters"] == {"f_cnt": 1843, "f_port": 2, "gateway": "zwolle-stadhuis", "rssi": -97, "snr": 8.25, "gateways": 2}
    assert observations(client, 2, admin)[0]["result"] == 41.4
    # Map co2 too; the replay stores just that field (the other two are not stored twice).
    patched = client.patch(f"/api/v1/lorawan-devices/{device.json()['id']}", json={"fields": {"temperature": 1, "humidity": 2, "co2": 3}}, headers=admin)
    assert patched.status_code == 200
    assert client.patch(f"/api/v1/quarantine/{first}", json={"status": "replayed"}, headers=admin).json()["outcome"] == "stored"
    assert [len(observations(client, s, admin)) for s in (1, 2, 3)] == [1, 1, 1]
    # The network server delivers the same uplink again: 200, stored once.
    again = client.post(hook, content=TTS, headers=admin)
    assert again.status_code == 200 and again.json() == {"outcome": "duplicate"}
    assert [len(observations(client, s, admin)) for s in (1, 2, 3)] == [1, 1, 1]
    # Malformed, and without credentials.
    assert client.post(hook, content=b'{"uplink_message": {}}', headers=admin).status_code == 202
    assert "end_device_ids" in held(client, admin)[0]["reason"]
    assert client.post(hook, content=TTS).status_code == 202  # anonymous may not write: quarantined, kept
    assert client.post(hook, content=TTS, headers={"X-API-Key": "sdk_nope_nope"}).status_code == 401
    # A join message carries no readings.
    join = {"end_device_ids": {"device_id": "d", "application_ids": {"application_id": "a"}}, "join_accept": {"session_key_id": "x"}}
    assert client.post(hook, json=join, headers=admin).json() == {"outcome": "not data"}


def test_chirpstack_http_integration(city: dict[str, Any]) -> None:
    client, admin = city["client"], city["admin"]
    mapping = {"network": "chirpstack", "device": "A84041F3D1822AF1", "fields": {"distance_mm": 4}}
    assert client.post("/api/v1/lorawan-devices", json=mapping, headers=admin).status_code == 201
    hook = "/api/v1/lorawan/chirpstack/events"
    assert client.post(f"{hook}?event=status", content=b'{"batteryLevel": 80}', headers=admin).json() == {"outcome": "not data"}
    response = client.post(f"{hook}?event=up", content=CHIRPSTACK, headers=admin)
    assert response.status_code == 202  # battery_v is not mapped: quarantined, distance stored
    (distance,) = observations(client, 4, admin)
    assert distance["result"] == 1359 and distance["phenomenonTime"] == "2026-05-01T10:05:12.480209Z"
    assert distance["parameters"]["gateway"] == "0016c001ff1a2b3c" and distance["parameters"]["f_cnt"] == 512
    assert "battery_v" in held(client, admin)[0]["reason"]


def test_uplinks_through_the_mqtt_integrations(city: dict[str, Any], mosquitto: tuple[str, int]) -> None:
    client, admin, store = city["client"], city["admin"], city["store"]
    for mapping in ({"network": "tts", "device": "gemeente-luchtmeetnet/eui-70b3d57ed0061a2b", "fields": {"temperature": 1, "humidity": 2, "co2": 3}},
                    {"network": "chirpstack", "device": "a84041f3d1822af1", "fields": {"distance_mm": 4, "battery_v": 4}}):  # fmt: skip
        assert client.post("/api/v1/lorawan-devices", json=mapping, headers=admin).status_code == 201
    prefix = f"lora-{uuid.uuid4().hex[:8]}/"
    caller = Authenticator(store).caller({"X-API-Key": city["keys"]["admin"]})
    stop = threading.Event()
    workers = [
        MqttWorker(kind_subscriber(client, caller, source), f"mqtt://{mosquitto[0]}:{mosquitto[1]}", client_id=f"{prefix}{source}",
                   topic_prefix=prefix, group=f"{prefix.strip('/')}{source}", session_expiry_s=60)
        for source in ("tts", "chirpstack")
    ]  # fmt: skip
    threads = [threading.Thread(target=w.run, args=(stop,), daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    try:
        assert all(w.subscribed.wait(10) for w in workers)
        network = publisher(mosquitto[1])
        try:
            for _ in range(2):  # the second: a redelivery
                network.publish(f"{prefix}v3/gemeente-luchtmeetnet@ttn/devices/eui-70b3d57ed0061a2b/up", TTS, qos=1).wait_for_publish(10)
            network.publish(f"{prefix}application/17c82e96/device/a84041f3d1822af1/event/up", CHIRPSTACK, qos=1).wait_for_publish(10)
        finally:
            network.loop_stop()
            network.disconnect()
        wait_until(lambda: sum(w.stored for w in workers) == 3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
    assert [len(observations(client, s, admin)) for s in (1, 2, 3)] == [1, 1, 1]
    assert sorted(o["result"] for o in observations(client, 4, admin)) == [3.14, 1359]
    assert held(client, admin) == []
    assert json.loads(TTS)["uplink_message"]["decoded_payload"]["co2"] == observations(client, 3, admin)[0]["result"]
