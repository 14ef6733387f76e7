"""Delivery of alerts to MQTT on both backends: an alert of a rule with `params.mqtt` arrives as
JSON on `<prefix>/<rule id>` at the Mosquitto broker on 127.0.0.1:1883, recorded as delivered."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stadsdata.access.api_keys import generate_api_key
from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.sta.conftest import stream_body, thing_body
from tests.mqtt_listener import listening

T0 = datetime(2026, 3, 2, tzinfo=UTC)


@pytest.fixture
def subscriber() -> Iterator[tuple[str, list[tuple[str, bytes]], threading.Event]]:
    with listening("test/alerts") as kept:
        yield kept.topic, kept.got, kept.arrived


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
