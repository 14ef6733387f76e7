"""Shared by the ingestion tests: a city with one Datastream, an admin and a writer, MQTT helpers."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from stadsdata.access.api_keys import generate_api_key
from stadsdata.api.sta.mqtt.creates import MqttCreates
from stadsdata.store.base import Store
from tests.integration.sta.conftest import stream_body, thing_body

MOSQUITTO = ("127.0.0.1", 1883)


def sta_creates(client: Any) -> MqttCreates:
    """The SensorThings MQTT creates of the app behind a TestClient (what the broker and the
    `stadsdata ingest` worker store SensorThings topics with)."""
    return MqttCreates(client.app.state.ingestor, client.app.state.sta)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def mosquitto_problem() -> str | None:
    try:
        with socket.create_connection(MOSQUITTO, timeout=2):
            return None
    except OSError as exc:
        return f"no MQTT broker at {MOSQUITTO[0]}:{MOSQUITTO[1]}: {exc}"


def make_keys(store: Store) -> dict[str, str]:
    """An admin key and a key of the party that owns the 'luchtmeetnet' dataset (may write)."""
    now = datetime.now(UTC)
    keys = {}
    with store.write() as tx:
        records = tx.access
        party = records.add_party("gemeente", "organisation", None, now)
        for name, admin, write, owner in (("admin", True, True, None), ("writer", False, True, party), ("reader", False, False, party)):
            key = generate_api_key()
            records.add_api_key(key.prefix, key.key_hash, name, owner, is_admin=admin, can_write=write, expires_at=None, now=now)
            keys[name] = key.secret_key
        records.add_dataset("luchtmeetnet", "Lucht", "public", party, "", now)
    return keys


def make_stream(client: Any, admin: str) -> int:
    body = thing_body("Luchtkast", 6.09, 52.51, [stream_body("pm10", "PM10", {"name": "ug/m3"}, [])])
    assert client.post("/v1.1/Things", json=body, headers={"X-API-Key": admin}).status_code == 201
    assert client.put("/api/v1/datasets/1/datastreams/1", headers={"X-API-Key": admin}).status_code == 204
    return 1


def publisher(port: int, *, key: str | None = None, username: str = "sensor", client_id: str | None = None) -> mqtt.Client:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id or f"pub-{time.monotonic_ns()}")
    if key is not None:
        client.username_pw_set(username, key)
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


def reading(i: int, *, result: Any = None) -> bytes:
    return json.dumps({"phenomenonTime": f"2026-05-01T10:{i // 60:02d}:{i % 60:02d}Z", "result": i if result is None else result}).encode()


def wait_until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


@pytest.fixture
def mosquitto() -> tuple[str, int]:
    import os

    problem = mosquitto_problem()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{problem} (.ci/run starts Mosquitto)")
        pytest.skip(problem)
    return MOSQUITTO


MOSQUITTO_CONF = """listener {port} 127.0.0.1
allow_anonymous true
# What an operator sets for ingestion without loss (docs/mqtt.md): no cap on the messages queued
# for a slow or restarting worker (Mosquitto's default drops QoS 1 messages past 1000), many in
# flight, and no Nagle delay.
max_queued_messages 0
max_inflight_messages 1000
set_tcp_nodelay true
persistence false
"""


@pytest.fixture
def own_mosquitto(tmp_path: Any, mosquitto: tuple[str, int]) -> Any:
    """A Mosquitto of this test, configured for ingestion (the system one has the defaults)."""
    import shutil
    import subprocess

    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(MOSQUITTO_CONF.format(port=port))
    process = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: _accepts(port), timeout=10)
        yield ("127.0.0.1", port)
    finally:
        process.terminate()
        process.wait(10)


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def embedded_city(store: Store, tmp_path: Any) -> Iterator[tuple[Any, dict[str, str], int]]:
    """A server with the embedded broker (access enforced) and one stream: (client, keys, MQTT port)."""
    from fastapi.testclient import TestClient

    from stadsdata.app import create_app
    from stadsdata.settings import Settings

    keys = make_keys(store)
    settings = Settings(database=str(tmp_path / "x.db"), access_mode="enforced", mqtt_embedded=True, mqtt_port=free_port())
    with TestClient(create_app(settings, store=store)) as client:
        make_stream(client, keys["admin"])
        yield client, keys, client.app.state.mqtt_port
