#!/usr/bin/env python
"""The embedded MQTT broker of `stadsdata serve`, end to end (not a pytest test).

    python bench/mqtt_embedded.py [--messages N] [--streams S] [--inflight W] [--postgres ADMIN_URL]

One paho publisher (QoS 1, MQTT 3.1.1, W messages in flight) sends N SensorThings Observation
creates (`v1.1/Datastreams(k)/Observations`, S streams round robin) and the figure is messages/s
from its first publish until the last PUBACK. Acknowledged means committed on the embedded
broker, so at that moment all N must be stored (checked). In the same run:

  (a) baseline: the same publisher against a Mosquitto started here (configured as in
      bench/mqtt.py: 1 000 in flight, no Nagle), with one paho subscriber (QoS 1); messages/s
      from the first publish until the last PUBACK and the last receipt;
  (b) a real `stadsdata serve` with its embedded broker on a free port, on a fresh SQLite file
      (default) or a scratch PostgreSQL database (`--postgres`, dropped at the end); the server's
      CPU per observation is read from /proc (user + system time of the process).

Prints a Markdown table with the ratio of (b) to (a) and writes
bench/results/mqtt-embedded-<timestamp>.json. The hot-path issue's target: at least 5 000
observations/s from one publisher.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mqtt import free_port, make_database, payload, start_broker, stored  # noqa: E402

RESULTS_DIR = Path(__file__).resolve().parent / "results"
TARGET = 5_000
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of process `pid` (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def connect(port: int, name: str) -> mqtt.Client:
    """A paho client without its own in-flight limit: paho scans every message in flight on each
    PUBACK when it has one (O(window) per message), so the window is kept by `publish` instead."""
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{name}-{uuid.uuid4().hex[:6]}", protocol=mqtt.MQTTv311)
    c.max_inflight_messages_set(0)
    c.max_queued_messages_set(0)
    connected = threading.Event()
    c.on_connect = lambda *_: connected.set()
    c.connect("127.0.0.1", port)
    c.loop_start()
    if not connected.wait(10):
        raise RuntimeError(f"could not connect to the broker on port {port}")
    return c


def publish(port: int, topics: list[str], n: int, inflight: int, *, offset: int = 0) -> tuple[float, float]:
    """N QoS 1 messages from one paho client; (seconds from the first publish to the last PUBACK,
    the publisher's CPU seconds: this process's, which does nothing else meanwhile)."""
    messages = [(topics[i % len(topics)], payload(offset + i)) for i in range(n)]
    publisher = connect(port, "bench-pub")
    window = threading.Semaphore(inflight)
    acked = threading.Event()
    count = 0

    def on_publish(*_: Any) -> None:
        nonlocal count
        count += 1
        window.release()
        if count == n:
            acked.set()

    publisher.on_publish = on_publish
    try:
        cpu, start = time.process_time(), time.perf_counter()
        for topic, body in messages:
            if not window.acquire(timeout=60):
                raise RuntimeError(f"no PUBACK for 60 s ({count} of {n})")
            publisher.publish(topic, body, qos=1)
        if not acked.wait(600):
            raise RuntimeError(f"{count} of {n} PUBACKs")
        return time.perf_counter() - start, time.process_time() - cpu
    finally:
        publisher.loop_stop()
        publisher.disconnect()


def bench_mosquitto(directory: Path, n: int, inflight: int) -> dict[str, float]:
    """(a) the same publisher against Mosquitto, with a subscriber that receives every message."""
    broker, port = start_broker(directory)
    received = 0
    done = threading.Event()

    def on_message(*_: Any) -> None:
        nonlocal received
        received += 1
        if received == n:
            done.set()

    try:
        subscriber = connect(port, "bench-sub")
        subscriber.on_message = on_message
        subscriber.subscribe("baseline/#", qos=1)
        time.sleep(0.3)
        start = time.perf_counter()
        acked_s, publisher_cpu = publish(port, [f"baseline/{k}" for k in range(10)], n, inflight)
        if not done.wait(300):
            raise RuntimeError(f"received {received} of {n}")
        elapsed = max(acked_s, time.perf_counter() - start)
        subscriber.loop_stop()
        subscriber.disconnect()
    finally:
        broker.terminate()
        broker.wait(10)
    return {"msgs_per_s": n / elapsed, "publisher_cpu_us_per_msg": publisher_cpu / n * 1e6}


def start_server(database: str, directory: Path) -> tuple[subprocess.Popen[bytes], int]:
    mqtt_port, http_port = free_port(), free_port()
    env = {**os.environ, "STADSDATA_ACCESS_MODE": "open", "STADSDATA_LOG_LEVEL": "warning",
           "STADSDATA_MQTT_EMBEDDED": "true", "STADSDATA_MQTT_PORT": str(mqtt_port), "STADSDATA_SOURCES_RUN": "false"}  # fmt: skip
    log = (directory / "serve.log").open("ab")
    server = subprocess.Popen([sys.executable, "-m", "stadsdata.cli", "serve", "--database", database, "--port", str(http_port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            probe = connect(mqtt_port, "bench-probe")
            probe.disconnect()
            probe.loop_stop()
            return server, mqtt_port
        except (OSError, RuntimeError):
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError(f"stadsdata serve did not start; see {directory / 'serve.log'}") from None
            time.sleep(0.2)


def bench_embedded(directory: Path, database: str, n: int, streams: int, inflight: int) -> dict[str, float]:
    """(b) the same publisher against the embedded broker of `stadsdata serve`."""
    server, port = start_server(database, directory)
    topics = [f"v1.1/Datastreams({k + 1})/Observations" for k in range(streams)]
    try:
        publish(port, topics, 200, inflight, offset=2_000_000)  # warm-up (connections, caches)
        base = stored(database)
        cpu = cpu_s(server.pid)
        elapsed, publisher_cpu = publish(port, topics, n, inflight)
        server_cpu = cpu_s(server.pid) - cpu
        count = stored(database) - base
        if count != n:
            raise RuntimeError(f"{n} acknowledged but {count} stored")
    finally:
        server.terminate()
        server.wait(20)
    return {"obs_per_s": n / elapsed, "server_cpu_us_per_obs": server_cpu / n * 1e6, "publisher_cpu_us_per_msg": publisher_cpu / n * 1e6}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--streams", type=int, default=10)
    parser.add_argument("--inflight", type=int, default=1000, help="the publisher's in-flight window")
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="a scratch database on this PostgreSQL server (dropped at the end)")
    args = parser.parse_args(argv)
    scratch: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        try:
            baseline = bench_mosquitto(directory, args.messages, args.inflight)
            database, scratch = make_database(directory, args.postgres, "embedded", args.streams)
            embedded = bench_embedded(directory, database, args.messages, args.streams, args.inflight)
        finally:
            if args.postgres and scratch:
                import psycopg

                with psycopg.connect(args.postgres, autocommit=True) as conn:
                    for name in scratch:
                        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    backend = "PostgreSQL" if args.postgres else "SQLite"
    ratio = embedded["obs_per_s"] / baseline["msgs_per_s"]
    print(f"MQTT on the embedded broker: {args.messages} QoS 1 messages from one paho publisher ({args.inflight} in flight), "
          f"{args.streams} streams, {backend}, {os.cpu_count()} cores\n")  # fmt: skip
    print("| measure | per s | vs Mosquitto | server CPU µs/obs | publisher CPU µs/msg |")
    print("|---|---:|---:|---:|---:|")
    print(f"| (a) Mosquitto: publish → PUBACK and received | {baseline['msgs_per_s']:.0f} | 1.00× | — | {baseline['publisher_cpu_us_per_msg']:.0f} |")
    print(f"| (b) embedded broker: publish → committed and PUBACK | {embedded['obs_per_s']:.0f} | {ratio:.2f}× | "
          f"{embedded['server_cpu_us_per_obs']:.0f} | {embedded['publisher_cpu_us_per_msg']:.0f} |")  # fmt: skip
    print(f"\ntarget ≥ {TARGET} observations/s: {'met' if embedded['obs_per_s'] >= TARGET else 'NOT met'}")
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    document = {"parameters": vars(args), "backend": backend, "python": platform.python_version(),
                "results": {"mosquitto": baseline, "embedded": embedded, "ratio": ratio}}  # fmt: skip
    (RESULTS_DIR / f"mqtt-embedded-{stamp}.json").write_text(json.dumps(document, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
