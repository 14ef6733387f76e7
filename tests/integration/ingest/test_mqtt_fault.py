"""The fault test of the ingestion issue: a publisher sends N QoS 1 readings through Mosquitto
(configured for ingestion: no cap on queued messages, see tests/integration/ingest/conftest.py)
while the `stadsdata ingest` process is killed with SIGKILL several times and restarted; in the
end every reading the broker acknowledged is stored exactly once (SQLite; the worker keeps its
MQTT session across restarts, so the broker redelivers what was not acknowledged)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
from fastapi.testclient import TestClient
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from stadsdata.app import create_app
from stadsdata.ingest.mqtt_worker import SESSION_EXPIRY_S
from stadsdata.settings import Settings
from tests.integration.ingest.conftest import publisher, reading, wait_until
from tests.integration.sta.conftest import stream_body, thing_body

N = 1500
KILLS = 4


def start_worker(db: Path, prefix: str, log: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "STADSDATA_ACCESS_MODE": "open", "STADSDATA_LOG_LEVEL": "warning"}
    command = [sys.executable, "-m", "stadsdata.cli", "ingest", "--mqtt-url", f"mqtt://127.0.0.1:{port}", "--database", str(db),
               "--group", prefix.strip("/"), "--client-id", f"{prefix}worker", "--topic-prefix", prefix]  # fmt: skip
    return subprocess.Popen(command, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def open_session(prefix: str, port: int) -> None:
    """The worker's persistent MQTT session with its shared subscription, made up front."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{prefix}worker", protocol=mqtt.MQTTv5)
    connect = Properties(PacketTypes.CONNECT)
    connect.SessionExpiryInterval = SESSION_EXPIRY_S
    client.connect("127.0.0.1", port, clean_start=False, properties=connect)
    client.loop_start()
    client.subscribe([(f"$share/{prefix.strip('/')}/{prefix}v1.1/#", 1)])
    time.sleep(0.3)
    client.disconnect()
    client.loop_stop()


def test_sigkill_loses_and_duplicates_nothing(tmp_path: Path, own_mosquitto: tuple[str, int]) -> None:
    port = own_mosquitto[1]
    db = tmp_path / "city.db"
    settings = Settings(database=str(db), access_mode="open")
    with TestClient(create_app(settings)) as client:
        body = thing_body("Luchtkast", 6.09, 52.51, [stream_body("pm10", "PM10", {"name": "ug/m3"}, [])])
        assert client.post("/v1.1/Things", json=body).status_code == 201
    prefix = f"fault-{uuid.uuid4().hex[:8]}/"
    open_session(prefix, port)  # so that the broker keeps what arrives before the worker first connects
    log = tmp_path / "worker.log"
    worker = start_worker(db, prefix, log, port)
    acknowledged: list[int] = []
    sensor = publisher(port, client_id=f"{prefix}sensor")

    def publish() -> None:
        for i in range(N):
            info = sensor.publish(f"{prefix}v1.1/Datastreams(1)/Observations", reading(i), qos=1)
            info.wait_for_publish(30)
            acknowledged.append(i)
            time.sleep(0.002)

    sender = threading.Thread(target=publish)
    sender.start()
    try:
        for _ in range(KILLS):
            time.sleep(0.8)
            assert sender.is_alive(), "the publisher finished before every kill: make N larger"
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
            worker = start_worker(db, prefix, log, port)
        sender.join(120)
        assert len(acknowledged) == N
        with TestClient(create_app(settings)) as client:
            def stored() -> int:
                return int(client.get("/v1.1/Datastreams(1)/Observations?$count=true&$top=0").json()["@iot.count"])

            wait_until(lambda: stored() >= N, timeout=60)
            time.sleep(1.0)  # anything still arriving would be a duplicate
            values = [o["result"] for o in client.get(f"/v1.1/Datastreams(1)/Observations?$top={2 * N}&$select=result").json()["value"]]
        assert sorted(values) == list(range(N)), f"missing {sorted(set(range(N)) - set(values))[:10]}, {len(values) - len(set(values))} duplicates"
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(10)
        sensor.loop_stop()
        sensor.disconnect()
    assert worker.returncode is not None
