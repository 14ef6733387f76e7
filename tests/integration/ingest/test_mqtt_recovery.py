"""`stadsdata ingest` recovers by itself: after a broker restart it reconnects (with back-off)
and goes on storing; when the database fails it acknowledges nothing, and what the broker then
delivers again is stored once when the database is back."""

from __future__ import annotations

import getpass
import shutil
import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stadsdata.access.policy import Caller
from stadsdata.api.sta.mqtt.creates import MqttCreates
from stadsdata.app import create_app
from stadsdata.ingest.mqtt_worker import MqttWorker
from stadsdata.ingest.pipeline import Ingestor
from stadsdata.settings import Settings
from stadsdata.store.errors import Unavailable
from tests.integration.ingest.conftest import (
    MOSQUITTO_CONF,
    _accepts,
    free_port,
    publisher,
    reading,
    sta_creates,
    wait_until,
)
from tests.integration.sta.conftest import stream_body, thing_body

ADMIN = Caller(subject="key:test", is_admin=True, can_write=True)
TOPIC = "v1.1/Datastreams(1)/Observations"


class FlakyIngestor(Ingestor):
    """Fails the first `failures` transactions as if the database were down."""

    def __init__(self, *args: Any, failures: int) -> None:
        super().__init__(*args)
        self.failures = failures
        real = self.store.write

        def write() -> Any:
            if self.failures > 0:
                self.failures -= 1
                raise Unavailable("database is down")
            return real()

        self.store = type("FlakyStore", (), {"write": staticmethod(write), "read_only": self.store.read_only})()  # type: ignore[assignment]


@pytest.fixture
def app(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database=str(tmp_path / "x.db"), access_mode="open"))) as client:
        body = thing_body("Kast", 6.09, 52.51, [stream_body("pm10", "PM10", {"name": "ug/m3"}, [])])
        assert client.post("/v1.1/Things", json=body).status_code == 201
        yield client


def count(client: TestClient) -> int:
    return int(client.get("/v1.1/Datastreams(1)/Observations?$count=true&$top=0").json()["@iot.count"])


@pytest.mark.parametrize("shared", [False, True], ids=["own-subscription", "shared-subscription"])
def test_a_broker_restart_is_survived(app: TestClient, tmp_path: Path, mosquitto: tuple[str, int], shared: bool) -> None:
    """The worker reconnects by itself after the broker restarts. With its own subscription the
    broker's persistent session also keeps what was published while the worker was away;
    Mosquitto 2.0 does not restore shared subscriptions from its persistence file, so a shared
    worker gets what is published once it has subscribed again (docs/ingestion.md)."""
    port = free_port()
    state = tmp_path / "broker"
    state.mkdir()
    conf = tmp_path / "mosquitto.conf"
    # `user`: a Mosquitto started as root otherwise writes its state as 'mosquitto', who may not
    # enter the test's directory.
    conf.write_text(MOSQUITTO_CONF.format(port=port).replace("persistence false", f"persistence true\npersistence_location {state}/\nuser {getpass.getuser()}"))
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    broker = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until(lambda: _accepts(port))
    worker = MqttWorker(sta_creates(app).subscriber(ADMIN), f"mqtt://127.0.0.1:{port}",
                        client_id=f"r-{uuid.uuid4().hex[:6]}", shared=shared)  # fmt: skip
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert worker.subscribed.wait(10)
        sensor = publisher(port)
        for i in range(50):
            sensor.publish(TOPIC, reading(i), qos=1).wait_for_publish(10)
        wait_until(lambda: count(app) == 50)
        sensor.loop_stop()
        sensor.disconnect()
        broker.terminate()
        broker.wait(10)
        wait_until(lambda: not worker.subscribed.is_set())
        broker = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: _accepts(port))
        if shared:
            assert worker.subscribed.wait(40)
        sensor = publisher(port)
        for i in range(50, 100):
            sensor.publish(TOPIC, reading(i), qos=1).wait_for_publish(10)
        sensor.loop_stop()
        sensor.disconnect()
        wait_until(lambda: count(app) == 100, timeout=40)  # the worker came back by itself
        assert worker.subscribed.is_set()
    finally:
        stop.set()
        thread.join(10)
        broker.terminate()
        broker.wait(10)
    assert sorted(o["result"] for o in app.get("/v1.1/Observations?$top=200").json()["value"]) == list(range(100))


def test_a_database_failure_acknowledges_nothing(app: TestClient, mosquitto: tuple[str, int]) -> None:
    prefix = f"db-{uuid.uuid4().hex[:8]}/"
    ingestor = FlakyIngestor(app.app.state.store, app.app.state.core.observations, failures=2)
    worker = MqttWorker(MqttCreates(ingestor, app.app.state.sta).subscriber(ADMIN), f"mqtt://{mosquitto[0]}:{mosquitto[1]}", client_id=f"{prefix}w", topic_prefix=prefix,
                        group=prefix.strip("/"))  # fmt: skip
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert worker.subscribed.wait(10)
        sensor = publisher(mosquitto[1])
        for i in range(30):
            sensor.publish(f"{prefix}{TOPIC}", reading(i), qos=1).wait_for_publish(10)
        sensor.loop_stop()
        sensor.disconnect()
        wait_until(lambda: count(app) == 30, timeout=30)  # after two failed attempts and reconnects
        assert ingestor.failures == 0
    finally:
        stop.set()
        thread.join(10)
    assert sorted(o["result"] for o in app.get("/v1.1/Observations?$top=100").json()["value"]) == list(range(30))
