#!/usr/bin/env python
"""MQTT ingestion benchmark (not a pytest test).

    python bench/mqtt.py [--messages N] [--streams S] [--postgres ADMIN_URL]

In one run, against a Mosquitto started here (configured for ingestion: no queue cap, 1 000 in
flight, no Nagle; see docs/ingestion.md):

  (a) baseline: the broker alone — one paho publisher sends N QoS 1 messages, one paho
      subscriber (QoS 1) receives them; messages/s from the first publish to the last receipt;
  (b) end to end with 1 and with 2 `stadsdata ingest` worker processes (MQTT 5 shared
      subscription, batches, manual acks): the same N SensorThings creates
      (`v1.1/Datastreams(k)/Observations`, S streams round-robin), observations/s from the
      first publish until all N are committed (polled from the per-stream counts).

On a fresh SQLite file (default) or a scratch PostgreSQL database (`--postgres`, dropped at the
end). Prints the figures with ratios against (a) and writes bench/results/mqtt-<timestamp>.json.
The ingestion issue's target: at least 10 000 observations/s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS_DIR = ROOT / "bench" / "results"
TARGET = 10_000
CONF = """listener {port} 127.0.0.1
allow_anonymous true
max_queued_messages 0
max_inflight_messages 1000
set_tcp_nodelay true
persistence false
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_broker(directory: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    conf = directory / "mosquitto.conf"
    conf.write_text(CONF.format(port=port))
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    process = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("mosquitto did not start")


def client(port: int, name: str, *, v5: bool = False) -> mqtt.Client:
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{name}-{uuid.uuid4().hex[:6]}",
                    protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311)  # fmt: skip
    c.max_inflight_messages_set(1000)
    c.max_queued_messages_set(0)
    c.connect("127.0.0.1", port)
    c.loop_start()
    return c


def payload(i: int) -> bytes:
    return json.dumps({"phenomenonTime": f"2026-05-{1 + i // 86400:02d}T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}Z", "result": i % 97}).encode()


def publish_all(publisher: mqtt.Client, topics: list[str], n: int, port: int) -> None:
    """N QoS 1 messages spread over `topics`; with `mosquitto_pub -l` (one C process per topic,
    reading lines) when the mosquitto-clients package is there, so that the publisher is not the
    bottleneck on 2 cores; else through the paho client."""
    binary = shutil.which("mosquitto_pub")
    if binary is None:
        infos = [publisher.publish(topics[i % len(topics)], payload(i), qos=1) for i in range(n)]
        for info in infos:
            info.wait_for_publish(120)
        return
    processes = []
    for k, topic in enumerate(topics):
        lines = b"\n".join(payload(i) for i in range(k, n, len(topics))) + b"\n"
        process = subprocess.Popen([binary, "-p", str(port), "-q", "1", "-t", topic, "-l", "-M", "1000"],
                                   stdin=subprocess.PIPE)  # fmt: skip
        processes.append((process, lines))
    for process, lines in processes:
        process.stdin.write(lines)  # type: ignore[union-attr]
        process.stdin.close()  # type: ignore[union-attr]
    for process, _ in processes:
        process.wait(300)


def bench_broker(port: int, n: int) -> float:
    """(a) publish → receive through the broker alone, messages/s."""
    done = threading.Event()
    received = 0

    def on_message(_c: Any, _u: Any, _m: Any) -> None:
        nonlocal received
        received += 1
        if received == n:
            done.set()

    subscriber = client(port, "bench-sub")
    subscriber.on_message = on_message
    subscriber.subscribe("baseline/#", qos=1)
    time.sleep(0.3)
    publisher = client(port, "bench-pub")
    start = time.perf_counter()
    publish_all(publisher, [f"baseline/{k}" for k in range(10)], n, port)
    done.wait(300)
    elapsed = time.perf_counter() - start
    for c in (publisher, subscriber):
        c.loop_stop()
        c.disconnect()
    return n / elapsed


def make_database(directory: Path, postgres: str | None, label: str, streams: int) -> tuple[str, list[str]]:
    """A fresh database with `streams` Datastreams; (its URL or path, scratch DB names)."""
    scratch: list[str] = []
    if postgres:
        import psycopg

        name = f"stadsdata_bench_mqtt_{os.getpid()}_{label}"
        with psycopg.connect(postgres, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        scratch.append(name)
        database = postgres.rsplit("/", 1)[0] + "/" + name
    else:
        database = str(directory / f"{label}.db")
    from fastapi.testclient import TestClient

    from stadsdata.app import create_app
    from stadsdata.settings import Settings

    settings = Settings(database=database, access_mode="open", mqtt_embedded=False)
    with TestClient(create_app(settings)) as http:
        for k in range(streams):
            body = {"name": f"kast {k}", "description": "d", "Locations": [{"name": "l", "description": "d", "encodingType": "application/geo+json",
                    "location": {"type": "Point", "coordinates": [6.09, 52.51]}}],
                    "Datastreams": [{"name": f"s{k}", "description": "d", "unitOfMeasurement": {"name": "x"},
                                     "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                                     "Sensor": {"name": "s", "description": "d", "encodingType": "application/pdf", "metadata": "m"},
                                     "ObservedProperty": {"name": "p", "definition": "d", "description": "d"}}]}  # fmt: skip
            assert http.post("/v1.1/Things", json=body).status_code == 201
    return database, scratch


def stored(database: str) -> int:
    """Observations stored (from the per-stream counts); the connection is closed afterwards."""
    query = "SELECT coalesce(sum(observation_count), 0) FROM datastreams"
    if database.startswith("postgresql"):
        import psycopg

        with psycopg.connect(database) as conn:
            return int(conn.execute(query).fetchone()[0])  # type: ignore[index]
    import sqlite3

    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return int(conn.execute(query).fetchone()[0])
    finally:
        conn.close()  # `with` would only commit: an open file keeps e.g. a tmpfs busy


def bench_ingest(port: int, database: str, workers: int, n: int, streams: int, directory: Path, version: str) -> float:
    """(b) publish → committed with `workers` ingest processes, observations/s."""
    group = f"bench{uuid.uuid4().hex[:6]}"
    env = {**os.environ, "STADSDATA_ACCESS_MODE": "open", "STADSDATA_LOG_LEVEL": "warning"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "stadsdata.cli", "ingest", "--mqtt-url", f"mqtt://127.0.0.1:{port}", "--database", database,
             "--group", group, "--client-id", f"{group}-{w}", "--mqtt-version", version],
            env=env, stdout=(directory / f"worker-{group}-{w}.log").open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        for w in range(workers)
    ]
    topics = [f"v1.1/Datastreams({k + 1})/Observations" for k in range(streams)]
    publisher = client(port, "bench-pub")
    try:
        before = stored(database)
        deadline = time.monotonic() + 30
        while stored(database) < before + workers * 20:  # warm-up: every worker has connected and stores
            for _ in range(20):
                publisher.publish(topics[0], json.dumps({"result": -1}).encode(), qos=1)
            time.sleep(0.3)
            if time.monotonic() > deadline:
                raise RuntimeError("the ingest workers did not start (see their logs in the temporary directory)")
        time.sleep(0.5)
        base = stored(database)
        start = time.perf_counter()
        publish_all(publisher, topics, n, port)
        while stored(database) < base + n:
            time.sleep(0.02)
        elapsed = time.perf_counter() - start
        if stored(database) != base + n:
            raise RuntimeError(f"stored {stored(database) - base} of {n}")
    finally:
        publisher.loop_stop()
        publisher.disconnect()
        for p in processes:
            p.terminate()
            p.wait(10)
    return n / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--streams", type=int, default=10)
    parser.add_argument("--mqtt-version", default="3.1.1", choices=["5", "3.1.1"], help="of the ingest workers")
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="scratch databases on this PostgreSQL server (dropped at the end)")
    args = parser.parse_args(argv)
    results: dict[str, float] = {}
    scratch: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        broker, port = start_broker(directory)
        try:
            results["broker_msgs_per_s"] = bench_broker(port, args.messages)
            for workers in (1, 2):
                database, names = make_database(directory, args.postgres, f"w{workers}", args.streams)
                scratch += names
                results[f"ingest_{workers}_obs_per_s"] = bench_ingest(
                    port, database, workers, args.messages, args.streams, directory, args.mqtt_version
                )
        finally:
            broker.terminate()
            broker.wait(10)
            if args.postgres and scratch:
                import psycopg

                with psycopg.connect(args.postgres, autocommit=True) as conn:
                    for name in scratch:
                        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    backend = "PostgreSQL" if args.postgres else "SQLite"
    base = results["broker_msgs_per_s"]
    print(f"MQTT ingestion: {args.messages} QoS 1 messages, {args.streams} streams, Mosquitto, {backend}, "
          f"workers on MQTT {args.mqtt_version}, {os.cpu_count()} cores")  # fmt: skip
    print(f"{'measure':<52}{'per s':>10}{'vs broker':>11}")
    for key, label in (("broker_msgs_per_s", "(a) broker alone: publish → receive (messages)"),
                       ("ingest_1_obs_per_s", "(b) 1 worker: publish → committed (observations)"),
                       ("ingest_2_obs_per_s", "(b) 2 workers: publish → committed (observations)")):  # fmt: skip
        print(f"{label:<52}{results[key]:>10.0f}{results[key] / base:>10.2f}×")
    best = max(results["ingest_1_obs_per_s"], results["ingest_2_obs_per_s"])
    print(f"target ≥ {TARGET} observations/s: {'met' if best >= TARGET else 'NOT met'} (best {best:.0f})")
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    document = {"parameters": vars(args), "python": platform.python_version(), "results": results}
    (RESULTS_DIR / f"mqtt-{stamp}.json").write_text(json.dumps(document, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
