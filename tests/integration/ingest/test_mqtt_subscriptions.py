"""SensorThings MQTT subscriptions on the embedded broker (both backends): creations and updates
made over HTTP, `$batch` and MQTT reach the subscribers of the collection, navigation, entity
and property topics, with `$select`; and what a subscriber receives is decided by the access
policy per message — the consent story of the access issue, over MQTT: a party receives a
resident's readings while the consent is given, and nothing from the message after withdrawal."""

from __future__ import annotations

import json
import queue
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient

from stadsdata.access.api_keys import generate_api_key
from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.ingest.conftest import free_port, publisher, reading
from tests.integration.sta.conftest import stream_body, thing_body

T = "2026-05-01T10:00:00Z"


class Subscriber:
    def __init__(self, port: int, topics: list[str], key: str | None = None) -> None:
        self.messages: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"sub-{time.monotonic_ns()}")
        if key:
            self.client.username_pw_set("app", key)
        self.client.on_message = lambda _c, _u, m: self.messages.put((m.topic, json.loads(m.payload)))
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        for topic in topics:
            self.client.subscribe(topic, qos=1)[1]
        time.sleep(0.3)  # the SUBACKs

    def next(self, timeout: float = 5.0) -> tuple[str, Any]:
        return self.messages.get(timeout=timeout)

    def nothing(self, wait: float = 0.7) -> bool:
        time.sleep(wait)
        return self.messages.empty()

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def city(store: Store, tmp_path: Path) -> Iterator[dict[str, Any]]:
    now = datetime.now(UTC)
    keys = {}
    with store.write() as tx:
        r = tx.access
        bewoner = r.add_party("bewoner", "resident", None, now)
        advies = r.add_party("energieadvies", "company", None, now)
        for name, party, admin in (("admin", None, True), ("bewoner", bewoner, False), ("advies", advies, False)):
            key = generate_api_key()
            r.add_api_key(key.prefix, key.key_hash, name, party, is_admin=admin, can_write=True, expires_at=None, now=now)
            keys[name] = key.secret_key
        r.add_dataset("woning", "Mijn woning", "non-public", bewoner, "", now)
    settings = Settings(database=str(tmp_path / "x.db"), access_mode="enforced", mqtt_embedded=True, mqtt_port=free_port())
    with TestClient(create_app(settings, store=store)) as client:
        admin = {"X-API-Key": keys["admin"]}
        for name in ("Luchtkast", "Woning"):
            body = thing_body(name, 6.09, 52.51, [stream_body(name.lower(), f"{name} p", {"name": "x"}, [])])
            assert client.post("/v1.1/Things", json=body, headers=admin).status_code == 201
        assert client.put("/api/v1/datasets/1/datastreams/2", headers=admin).status_code == 204  # the home sensor
        yield {"client": client, "keys": keys, "port": client.app.state.mqtt_port, "admin": admin}


def test_changes_from_every_path_reach_the_subscribers(city: dict[str, Any]) -> None:
    client, admin = city["client"], city["admin"]
    topics = ["v1.1/Datastreams(1)/Observations", "v1.1/Observations?$select=result", "v1.1/Things(1)", "v1.1/Things(1)/name", "v1.1/Things"]
    watcher = Subscriber(city["port"], topics)
    try:
        assert client.post("/v1.1/Datastreams(1)/Observations", json={"phenomenonTime": T, "result": 21.5}, headers=admin).status_code == 201
        got = dict(watcher.next() for _ in range(2))
        assert got["v1.1/Datastreams(1)/Observations"]["result"] == 21.5 and "@iot.id" in got["v1.1/Datastreams(1)/Observations"]
        assert got["v1.1/Observations?$select=result"] == {"result": 21.5}
        assert client.patch("/v1.1/Things(1)", json={"name": "Luchtkast Markt"}, headers=admin).status_code == 200
        got = dict(watcher.next() for _ in range(2))
        assert got["v1.1/Things(1)"]["name"] == "Luchtkast Markt" and got["v1.1/Things(1)/name"] == {"name": "Luchtkast Markt"}
        batch = {"requests": [{"id": "1", "method": "post", "url": "Things", "body": {"name": "Bankje", "description": "d"}}]}
        assert client.post("/v1.1/$batch", json=batch, headers=admin).status_code == 200
        topic, thing = watcher.next()
        assert topic == "v1.1/Things" and thing["name"] == "Bankje"
        sensor = publisher(city["port"], key=city["keys"]["admin"])
        try:
            sensor.publish("v1.1/Datastreams(1)/Observations", reading(5, result=7), qos=1).wait_for_publish(10)
        finally:
            sensor.loop_stop()
            sensor.disconnect()
        got = dict(watcher.next() for _ in range(2))
        assert got["v1.1/Datastreams(1)/Observations"]["result"] == 7
        array = [{"Datastream": {"@iot.id": 1}, "components": ["phenomenonTime", "result"], "dataArray": [[T, 1], [T, 2]]}]
        assert client.post("/v1.1/CreateObservations", json=array, headers=admin).status_code == 201
        assert sorted(watcher.next()[1]["result"] for _ in range(4)) == [1, 1, 2, 2]
        assert watcher.nothing()
    finally:
        watcher.close()


def test_consent_decides_each_message(city: dict[str, Any]) -> None:
    client, keys = city["client"], city["keys"]
    resident = {"X-API-Key": keys["bewoner"]}
    topic = "v1.1/Datastreams(2)/Observations"
    advies, anonymous = Subscriber(city["port"], [topic], keys["advies"]), Subscriber(city["port"], [topic])

    def reading_by_resident(value: float) -> None:
        response = client.post("/v1.1/Datastreams(2)/Observations", json={"phenomenonTime": T, "result": value}, headers=resident)
        assert response.status_code == 201, response.text

    try:
        reading_by_resident(1.0)
        assert advies.nothing() and anonymous.nothing()  # no consent: nothing
        consent = client.post("/api/v1/consents", json={"datasetId": 1, "partyId": 2, "purpose": "energy advice"}, headers=resident)
        assert consent.status_code == 201, consent.text
        reading_by_resident(2.0)
        assert advies.next()[1]["result"] == 2.0
        assert anonymous.nothing()
        withdrawn = client.patch(f"/api/v1/consents/{consent.json()['id']}", json={"status": "withdrawn"}, headers=resident)
        assert withdrawn.status_code == 200
        reading_by_resident(3.0)
        assert advies.nothing() and anonymous.nothing()  # the very next message is not sent
        events = client.get("/api/v1/audit-events?datasetId=1", headers=resident).json()["_embedded"]["auditEvents"]
        assert [(e["basis"], e["records"]) for e in events] == [("consent", 1)]  # the one message it received
    finally:
        advies.close()
        anonymous.close()
