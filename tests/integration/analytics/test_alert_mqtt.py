"""Delivery of alerts to MQTT on both backends: an alert of a rule with `params.mqtt` arrives as
JSON on `<prefix>/<rule id>` at the Mosquitto broker on 127.0.0.1:1883, recorded as delivered."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from fastapi.testclient import TestClient

from stadsdata.access.api_keys import generate_api_key
from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.sta.conftest import stream_body, thing_body

T0 = datetime(2026, 3, 2, tzinfo=UTC)


@pytest.fixture
def subscriber() -> Iterator[tuple[str, list[tuple[str, bytes]], threading.Event]]:
    prefix = f"test/alerts/{uuid.uuid4().hex}"
    got: list[tuple[str, bytes]] = []
    arrived, subscribed = threading.Event(), threading.Event()
    client = paho.Client(paho.CallbackAPIVersion.VERSION2)
    client.on_connect = lambda c, *_: c.subscribe(f"{prefix}/#", qos=1)
    client.on_subscribe = lambda *_: subscribed.set()

    def on_message(_c: Any, _u: Any, message: Any) -> None:
        got.append((message.topic, message.payload))
        arrived.set()

    client.on_message = on_message
    try:
        client.connect("127.0.0.1", 1883)
    except OSError:
        pytest.skip("no MQTT broker on 127.0.0.1:1883")
    client.loop_start()
    assert subscribed.wait(5)
    yield prefix, got, arrived
    client.loop_stop()
    client.disconnect()


@pytest.fixture
def city(store: Store, tmp_path: Path, subscriber: Any) -> Iterator[tuple[TestClient, dict[str, str]]]:
    now = datetime.now(UTC)
    with store.write() as tx:
        key = generate_api_key()
        tx.access.add_party("beheer", "organisation", None, now)
        tx.access.add_api_key(key.prefix, key.key_hash, "admin", 1, is_admin=True, can_write=True, expires_at=None, now=now)
    settings = Settings(
        database=str(tmp_path / "x.db"), access_mode="enforced", basemap="none",
        alert_mqtt_port=1883, alert_mqtt_topic_prefix=subscriber[0],
    )  # fmt: skip
    admin = {"X-API-Key": key.secret_key}
    with TestClient(create_app(settings, store=store)) as client:
        stream = stream_body("no2", "NO2", {"name": "microgram per cubic metre", "symbol": "µg/m³"}, [])
        assert client.post("/v1.1/Things", json=thing_body("Tuin", 6.09, 52.51, [stream]), headers=admin).status_code == 201
        yield client, admin


def test_an_alert_is_published(city: Any, subscriber: Any) -> None:
    client, admin = city
    prefix, got, arrived = subscriber
    params = {"operator": "below", "value": 5, "mqtt": True}
    rule = client.post("/api/v1/alert-rules", json={"name": "laag", "kind": "threshold", "datastreamId": 1, "params": params}, headers=admin).json()
    body = [{"Datastream": {"@iot.id": 1}, "components": ["phenomenonTime", "result"],
             "dataArray": [[T0.isoformat(), 9.0], [(T0 + timedelta(minutes=1)).isoformat(), 2.5]]}]  # fmt: skip
    assert client.post("/v1.1/CreateObservations", json=body, headers=admin).status_code == 201
    client.app.state.alert_evaluator.wait_idle()  # type: ignore[attr-defined]
    assert arrived.wait(5)
    topic, payload = got[0]
    assert topic == f"{prefix}/{rule['id']}"
    sent = json.loads(payload)
    assert (sent["rule"]["name"], sent["alert"]["value"], sent["alert"]["datastreamId"]) == ("laag", 2.5, 1)
    alert = client.get("/api/v1/alerts", headers=admin).json()["_embedded"]["alerts"][0]
    assert alert["delivery"]["mqtt"]["deliveredAt"] is not None and alert["delivery"]["mqtt"]["error"] is None
    assert client.post("/api/v1/alert-rules", json={**rule, "params": {**params, "mqtt": "yes"}}, headers=admin).json()["field"] == "params.mqtt"
