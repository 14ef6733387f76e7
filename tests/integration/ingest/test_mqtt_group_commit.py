"""The embedded broker's group commit (api/sta/mqtt/grouping.py): what one QoS 1 publisher sends
with many messages in flight is stored in a few transactions, in the order it was sent, each
message acknowledged only after its group's commit; a bad message in a group is quarantined
alone; a database failure acknowledges nothing (the connection is closed, the client sends again
and each message is stored once); and a `stadsdata serve` SIGKILLed mid-stream loses nothing it
acknowledged."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient

from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Change, Store
from stadsdata.store.errors import Unavailable
from tests.integration.ingest.conftest import _accepts, free_port, reading, wait_until
from tests.integration.sta.conftest import stream_body, thing_body

TOPIC = "v1.1/Datastreams(1)/Observations"


class Publisher:
    """One paho QoS 1 publisher with `window` messages in flight (kept here: paho's own limit
    scans every message in flight on each PUBACK), recording which messages were acknowledged."""

    def __init__(self, port: int, *, key: str | None = None, window: int = 500, client_id: str | None = None) -> None:
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id or f"group-{time.monotonic_ns()}")
        if key is not None:
            self.client.username_pw_set("sensor", key)
        self.client.max_inflight_messages_set(0)
        self.client.max_queued_messages_set(0)
        self.client.reconnect_delay_set(0.1, 1)
        self.window = threading.Semaphore(window)
        self.sent: dict[int, int] = {}  # mid → message number (mids are not reused below 65 535 messages)
        self.acked: list[int] = []  # mids
        self.client.on_publish = self._on_publish
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_publish(self, _client: Any, _userdata: Any, mid: int, _reason: Any, _properties: Any) -> None:
        self.acked.append(mid)  # (the PUBACK may come before publish() has returned its mid)
        self.window.release()

    def publish(self, i: int, payload: bytes, topic: str = TOPIC) -> None:
        assert self.window.acquire(timeout=60), "no PUBACK for 60 s"
        self.sent[self.client.publish(topic, payload, qos=1).mid] = i

    @property
    def acknowledged(self) -> list[int]:
        """The numbers of the messages acknowledged so far."""
        time.sleep(0.05)  # so that `sent` has the mids of the last ones
        return [self.sent[mid] for mid in list(self.acked)]

    def wait(self, n: int, timeout: float = 60) -> None:
        wait_until(lambda: len(self.acked) >= n, timeout=timeout)

    def close(self) -> None:
        self.client.disconnect()  # first: paho's loop does not stop while messages are unacknowledged
        self.client.loop_stop()


@pytest.fixture
def city(embedded_city: tuple[TestClient, dict[str, str], int]) -> tuple[TestClient, dict[str, str], int]:
    return embedded_city


def results(client: TestClient) -> list[Any]:
    """The results of Datastream 1 in the order they were stored."""
    body = client.get("/v1.1/Datastreams(1)/Observations?$orderby=id&$top=10000&$select=result").json()
    return [o["result"] for o in body["value"]]


def observation_commits(store: Store) -> list[int]:
    """A list that counts, from now on, the committed transactions that created Observations."""
    commits: list[int] = []

    def listen(changes: list[Change]) -> None:
        if any(c.entity == "Observation" for c in changes):
            commits.append(1)

    store.add_commit_listener(listen)
    return commits


def test_one_publisher_in_flight_is_stored_in_a_few_groups_in_order(city: Any, store: Store) -> None:
    client, keys, port = city
    n = 2000
    commits = observation_commits(store)
    sensor = Publisher(port, key=keys["writer"])
    try:
        for i in range(n):
            sensor.publish(i, reading(i))
        sensor.wait(n)
    finally:
        sensor.close()
    assert results(client) == list(range(n))  # all stored, in the order they were published
    assert len(commits) <= n // 10, f"{len(commits)} transactions for {n} messages: no groups formed"
    assert sorted(sensor.acknowledged) == list(range(n))


def test_a_bad_message_in_a_group_is_quarantined_alone(city: Any) -> None:
    client, keys, port = city
    sensor = Publisher(port, key=keys["writer"])
    try:
        for i in range(300):
            if i == 150:
                sensor.publish(i, b'{"phenomenonTime": "not a time", "result": 150}')
            elif i == 200:
                sensor.publish(i, reading(i), topic="v1.1/Datastreams(42)/Observations")
            else:
                sensor.publish(i, reading(i))
        sensor.wait(300)
    finally:
        sensor.close()
    assert results(client) == [i for i in range(300) if i not in (150, 200)]
    held = client.get("/api/v1/quarantine?status=held", headers={"X-API-Key": keys["admin"]}).json()["_embedded"]["quarantine"]
    assert sorted(r["topic"] for r in held) == [TOPIC, "v1.1/Datastreams(42)/Observations"]
    assert all(r["source"] == "mqtt-embedded" for r in held)


def test_a_database_failure_acknowledges_nothing_and_the_resent_messages_are_stored_once(city: Any, store: Store) -> None:
    client, keys, port = city
    failures = [3]
    real = store.write

    def flaky() -> Any:
        if failures[0] > 0:
            failures[0] -= 1
            raise Unavailable("database is down")
        return real()

    closed = threading.Event()
    sensor = Publisher(port, key=keys["writer"], window=50)
    sensor.client.on_disconnect = lambda *_: closed.set()
    store.write = flaky  # type: ignore[method-assign]
    try:
        for i in range(100):
            sensor.publish(i, reading(i))
        sensor.wait(100, timeout=60)  # after the failures, paho reconnects and sends the unacknowledged again
    finally:
        store.write = real  # type: ignore[method-assign]
        sensor.close()
    assert failures[0] == 0 and closed.is_set()  # the broker dropped the connection, it did not acknowledge
    assert sorted(results(client)) == list(range(100))  # each once (the idempotency keys)


# -- SIGKILL of `stadsdata serve` ---------------------------------------------------------------
KILLS = 3
N = 10_000


def start_server(db: Path, http_port: int, mqtt_port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "STADSDATA_ACCESS_MODE": "open", "STADSDATA_LOG_LEVEL": "warning",
           "STADSDATA_MQTT_EMBEDDED": "true", "STADSDATA_MQTT_PORT": str(mqtt_port), "STADSDATA_SOURCES_RUN": "false"}  # fmt: skip
    server = subprocess.Popen([sys.executable, "-m", "stadsdata.cli", "serve", "--database", str(db), "--port", str(http_port)],
                              env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)  # fmt: skip
    try:
        wait_until(lambda: _accepts(mqtt_port), timeout=60)
    except AssertionError:
        server.kill()
        raise AssertionError(f"stadsdata serve did not start:\n{log.read_text()[-3000:]}") from None
    return server


def test_sigkill_of_the_server_loses_nothing_acknowledged(tmp_path: Path) -> None:
    db = tmp_path / "city.db"
    with TestClient(create_app(Settings(database=str(db), access_mode="open", mqtt_embedded=False))) as client:
        body = thing_body("Luchtkast", 6.09, 52.51, [stream_body("pm10", "PM10", {"name": "ug/m3"}, [])])
        assert client.post("/v1.1/Things", json=body).status_code == 201
    http_port, mqtt_port, log = free_port(), free_port(), tmp_path / "serve.log"
    server = start_server(db, http_port, mqtt_port, log)
    sensor = Publisher(mqtt_port, window=200, client_id="group-kill-sensor")
    at_kill: list[list[int]] = []

    def publish() -> None:
        for i in range(N):
            sensor.publish(i, _reading(i))
            if i % 10 == 0:
                time.sleep(0.005)  # at most 2 000 a second: the stream outlasts the kills

    sender = threading.Thread(target=publish)
    sender.start()
    try:
        for _ in range(KILLS):
            time.sleep(1.0)
            assert sender.is_alive(), "the publisher finished before every kill: make N larger"
            server.send_signal(signal.SIGKILL)
            server.wait(10)
            acknowledged, sent = sensor.acknowledged, len(sensor.sent)
            assert len(acknowledged) < sent, "nothing was in flight at the kill"
            at_kill.append(acknowledged)
            assert _stored(db) >= set(acknowledged), f"acknowledged but lost: {sorted(set(acknowledged) - _stored(db))[:10]}"
            server = start_server(db, http_port, mqtt_port, log)
        sender.join(180)
        assert not sender.is_alive()
        sensor.wait(N, timeout=120)  # paho sends the unacknowledged ones again after each reconnect
    finally:
        sensor.close()
        server.send_signal(signal.SIGTERM)
        server.wait(20)
    assert all(len(a) > 0 for a in at_kill), "a kill came before anything was acknowledged"
    stored = _stored_list(db)
    assert sorted(stored) == list(range(N)), f"missing {sorted(set(range(N)) - set(stored))[:10]}, {len(stored) - len(set(stored))} duplicates"


def _reading(i: int) -> bytes:
    """Reading i at a time of its own (`reading` covers one hour)."""
    return f'{{"phenomenonTime": "2026-05-01T{10 + i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z", "result": {i}}}'.encode()


def _stored_list(db: Path) -> list[int]:
    import sqlite3

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [int(float(r[0])) for r in conn.execute("SELECT result_number FROM observations")]
    finally:
        conn.close()


def _stored(db: Path) -> set[int]:
    return set(_stored_list(db))
