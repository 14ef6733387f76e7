"""`stadsdata ingest` against a real Mosquitto (MQTT 5 shared subscription, manual acks), both
backends: creates by publish are stored once, refused input is quarantined, and two workers of
one group share the messages."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stadsdata.access.authenticate import Authenticator
from stadsdata.app import create_app
from stadsdata.ingest.mqtt_worker import MqttWorker
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.ingest.conftest import make_keys, make_stream, publisher, reading, sta_creates, wait_until


@pytest.fixture
def setup(store: Store, tmp_path: Path, mosquitto: tuple[str, int]) -> Iterator[dict[str, Any]]:
    keys = make_keys(store)
    settings = Settings(database=str(tmp_path / "x.db"), access_mode="enforced")
    with TestClient(create_app(settings, store=store)) as client:
        make_stream(client, keys["admin"])
        prefix = f"test-{uuid.uuid4().hex[:8]}/"  # this test's own topics on the shared broker
        caller = Authenticator(store).caller({"X-API-Key": keys["writer"]})
        stop = threading.Event()
        workers, threads = [], []
        for n in range(2):
            worker = MqttWorker(
                sta_creates(client).subscriber(caller), f"mqtt://{mosquitto[0]}:{mosquitto[1]}", group=f"g{prefix.strip('/')}",
                client_id=f"{prefix}worker{n}", topic_prefix=prefix, session_expiry_s=60,
            )  # fmt: skip
            thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
            thread.start()
            workers.append(worker)
            threads.append(thread)
        for worker in workers:
            assert worker.subscribed.wait(10)
        yield {"client": client, "keys": keys, "prefix": prefix, "workers": workers, "port": mosquitto[1]}
        stop.set()
        for thread in threads:
            thread.join(10)


def count(client: TestClient) -> int:
    return int(client.get("/v1.1/Datastreams(1)/Observations?$count=true&$top=0").json()["@iot.count"])


def test_published_readings_are_stored_once_by_the_group(setup: dict[str, Any]) -> None:
    client, prefix = setup["client"], setup["prefix"]
    sensor = publisher(setup["port"])
    try:
        for i in range(200):
            sensor.publish(f"{prefix}v1.1/Datastreams(1)/Observations", reading(i), qos=1)
        for i in range(20):  # redeliveries of the same readings
            sensor.publish(f"{prefix}v1.1/Datastreams(1)/Observations", reading(i), qos=1).wait_for_publish(10)
        sensor.publish(f"{prefix}v1.1/Datastreams(1)/Observations", b"[broken", qos=1).wait_for_publish(10)
    finally:
        sensor.loop_stop()
        sensor.disconnect()
    wait_until(lambda: count(client) == 200 and sum(w.stored for w in setup["workers"]) == 221)
    assert all(w.stored > 0 for w in setup["workers"])  # both workers of the group took a share
    results = sorted(o["result"] for o in client.get("/v1.1/Datastreams(1)/Observations?$top=1000").json()["value"])
    assert results == list(range(200))
    held = client.get("/api/v1/quarantine", headers={"X-API-Key": setup["keys"]["admin"]}).json()["_embedded"]["quarantine"]
    assert [(q["source"], q["topic"], q["payload"]) for q in held] == [("mqtt", "v1.1/Datastreams(1)/Observations", "[broken")]
