#!/usr/bin/env python
"""Load generator (not a pytest test): realistic mixed traffic against a real `stadsdata serve`
on loopback, at rising concurrency, bounded in time per step.

    python bench/load.py [--postgres ADMIN_URL] [--workers 1 2] [--levels 1,4,16,64,256,600]
                         [--seconds 10] [--days 3] [--mqtt-rate 200]

The database is the demo city (`stadsdata demo --days D`: 127 sites, 257 streams, a week of
readings at D=7) on a fresh SQLite file, or a scratch PostgreSQL database (`--postgres`, dropped
at the end). For each number of server processes (`serve --workers N`) and each concurrency
level, that many virtual users each loop over a weighted mix for `--seconds`:

  latest   30 %  GET /api/v1/latest-values?observedProperty=pm10   (a dashboard polling)
  map      10 %  GET /api/v1/latest-values                          (the map, every sensor)
  range    25 %  GET /v1.1/Datastreams(k)/Observations?$filter=<one day>&$top=1000
  series   15 %  GET /api/v1/datastreams/k/series?<one week>&resolution=hour (a chart)
  ingest   20 %  POST /v1.1/CreateObservations, 10 readings (an admin key)

The run fails (exit 1) when an answer is anything but 2xx, 429 or 503 (a 5xx, a refused
connection: the server gone), or when acknowledged observations are not stored. Reset
connections (status 0: a keep-alive connection closed while an overloaded client waited to use
it) are counted and reported; a GET is sent again once, a POST is not (it may have been stored).

and, with one worker (which runs the embedded broker), an MQTT publisher sends QoS 1 readings
at `--mqtt-rate` per second throughout; its latency is publish → PUBACK (stored before PUBACK).

Reported per level and kind (the totals count HTTP requests; MQTT readings are reported
apart): requests/s, p50/p95/p99 latency and every non-2xx status; the saturation point is
the level with the most successful requests/s. Rate limits are off in the server (this measures capacity, not the limiter); load shedding (`max_requests_in_flight`,
default 64) stays on, so levels past it show 503s. Afterwards the observations stored are
counted against the ones acknowledged (HTTP 201 and PUBACK): none may be missing (more may be
stored: a reading committed whose answer did not reach the client in time; bench/faults.py checks
reading by reading).

Client and server share the machine's cores, so the figures are a floor for the server. Writes
JSON to bench/results/load-<timestamp>.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as mqtt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import free_port, process_cpu  # noqa: E402
from mqtt import stored  # noqa: E402

RESULTS_DIR = Path(__file__).resolve().parent / "results"
MIX = {"latest": 30, "map": 10, "range": 25, "series": 15, "ingest": 20}
READINGS_PER_POST = 10
REFUSED, RESET = -1, 0  # status of a request whose connection was refused / reset


def make_database(directory: Path, postgres: str | None, days: int) -> tuple[str, str | None]:
    """The demo city in a fresh database; (URL or path, scratch database name)."""
    scratch = None
    if postgres:
        import psycopg

        scratch = f"stadsdata_bench_load_{os.getpid()}"
        with psycopg.connect(postgres, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{scratch}"')
        with psycopg.connect(postgres.rsplit("/", 1)[0] + "/" + scratch, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        database = postgres.rsplit("/", 1)[0] + "/" + scratch
    else:
        database = str(directory / "load.db")
    cli = [sys.executable, "-m", "stadsdata.cli"]
    subprocess.run([*cli, "demo", "--database", database, "--days", str(days)], check=True, stdout=subprocess.DEVNULL)
    return database, scratch


def admin_key(database: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "stadsdata.cli", "keys", "create", "load generator", "--admin", "--database", database],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return out.stdout.strip().splitlines()[-1]


@contextmanager
def server(database: str, workers: int) -> Iterator[tuple[str, int | None, int]]:
    """`stadsdata serve --workers N`; yields (base URL, embedded MQTT port or None, pid)."""
    port = free_port()
    mqtt_port = free_port() if workers == 1 else None
    env = {**os.environ, "STADSDATA_LOG_LEVEL": "warning", "STADSDATA_RATE_LIMIT_ANONYMOUS": "none",
           "STADSDATA_RATE_LIMIT_AUTHENTICATED": "none", "STADSDATA_MQTT_EMBEDDED": "true" if mqtt_port else "false",
           **({"STADSDATA_MQTT_PORT": str(mqtt_port)} if mqtt_port else {})}  # fmt: skip
    command = [sys.executable, "-m", "stadsdata.cli", "serve", "--database", database, "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("stadsdata serve did not start")
            time.sleep(0.2)
        yield base, mqtt_port, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


class Traffic:
    """The request of each kind, with the demo city's ids and times."""

    def __init__(self, base: str, key: str, streams: list[dict[str, Any]], end: datetime) -> None:
        self.base, self.key, self.end = base, key, end
        self.streams = [s["@iot.id"] for s in streams]
        self.writable = self.streams[: max(1, len(self.streams) // 4)]
        self.clock = end + timedelta(days=1)  # ingest after the demo's history: no collisions
        self.lock = threading.Lock()

    def next_time(self) -> datetime:
        with self.lock:
            self.clock += timedelta(seconds=1)
            return self.clock

    def request(self, kind: str, rng: random.Random) -> tuple[str, str, dict[str, Any]]:
        z = "%Y-%m-%dT%H:%M:%SZ"
        stream = rng.choice(self.streams)
        if kind == "latest":
            return "GET", "/api/v1/latest-values?observedProperty=pm10", {}
        if kind == "map":
            return "GET", "/api/v1/latest-values", {}
        if kind == "range":
            day = self.end - timedelta(days=rng.randint(1, 2))
            flt = f"phenomenonTime ge {day.strftime(z)} and phenomenonTime lt {(day + timedelta(days=1)).strftime(z)}"
            return "GET", f"/v1.1/Datastreams({stream})/Observations", {"params": {"$filter": flt, "$top": "1000"}}
        if kind == "series":
            params = {"from": (self.end - timedelta(days=7)).strftime(z), "to": self.end.strftime(z), "resolution": "hour"}
            return "GET", f"/api/v1/datastreams/{stream}/series", {"params": params}
        start = self.next_time()
        rows = [[(start + timedelta(milliseconds=k)).isoformat().replace("+00:00", "Z"), rng.random() * 50] for k in range(READINGS_PER_POST)]
        body = [{"Datastream": {"@iot.id": rng.choice(self.writable)}, "components": ["phenomenonTime", "result"], "dataArray": rows}]
        return "POST", "/v1.1/CreateObservations", {"json": body, "headers": {"X-API-Key": self.key}}


async def run_level(traffic: Traffic, users: int, seconds: float) -> list[tuple[str, int, float]]:
    """`users` virtual users for `seconds`; every answer as (kind, status, seconds)."""
    kinds, weights = list(MIX), list(MIX.values())
    results: list[tuple[str, int, float]] = []
    errors: Counter[str] = Counter()
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(base_url=traffic.base, limits=limits, timeout=60) as client:

        async def user(n: int) -> None:
            rng = random.Random(n)
            while time.monotonic() < stop:
                kind = rng.choices(kinds, weights)[0]
                method, path, options = traffic.request(kind, rng)
                start = time.perf_counter()
                for attempt in (1, 2):
                    try:
                        status = (await client.request(method, path, **options)).status_code
                    except httpx.ConnectError:
                        status = REFUSED  # nobody listens: the server is gone
                    except httpx.TransportError as exc:
                        # A keep-alive connection the server closed while this (overloaded) client
                        # took longer than its keep-alive timeout to send the next request: a GET
                        # is sent again once, as browsers do; a POST is not (it may be stored).
                        errors[type(exc).__name__] += 1
                        status = RESET
                        if method == "GET" and attempt == 1:
                            continue
                    break
                results.append((kind, status, time.perf_counter() - start))

        await asyncio.gather(*(user(n) for n in range(users)))
    if errors:
        print(f"  transport errors at {users} users: {dict(errors)}", flush=True)
    return results


class MqttLoad:
    """QoS 1 readings at a steady rate on the embedded broker, in a thread; PUBACK latencies."""

    def __init__(self, port: int, key: str, traffic: Traffic, rate: float) -> None:
        self.port, self.key, self.traffic, self.rate = port, key, traffic, rate
        self.latencies: list[float] = []
        self.acked = 0
        self.failed = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self.latencies = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=300)

    def _run(self) -> None:
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"load-{os.getpid()}-{time.time()}")
        client.username_pw_set("load", self.key)
        client.max_inflight_messages_set(1000)
        sent_at: dict[int, float] = {}
        lock = threading.Lock()

        def on_publish(_client: Any, _userdata: Any, mid: int, _reason: Any, _properties: Any) -> None:
            with lock:  # publish() below holds it until the mid is noted
                sent = sent_at.pop(mid, None)
            if sent is not None:
                self.latencies.append(time.perf_counter() - sent)

        client.on_publish = on_publish
        client.connect("127.0.0.1", self.port)
        client.loop_start()
        infos = []
        interval = 1 / self.rate
        next_at = time.monotonic()
        while not self._stop.is_set():
            stream = self.traffic.writable[len(infos) % len(self.traffic.writable)]
            when = self.traffic.next_time().isoformat().replace("+00:00", "Z")
            payload = json.dumps({"phenomenonTime": when, "result": 1.5}).encode()
            with lock:
                info = client.publish(f"v1.1/Datastreams({stream})/Observations", payload, qos=1)
                sent_at[info.mid] = time.perf_counter()
            infos.append(info)
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))
        deadline = time.monotonic() + 120  # the broker answers what it holds, however long the queue
        for info in infos:
            try:
                info.wait_for_publish(max(0.1, deadline - time.monotonic()))
            except (RuntimeError, ValueError):
                pass
            if info.is_published():
                self.acked += 1
            else:
                self.failed += 1
        client.disconnect()
        client.loop_stop()


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (NaN for no values)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def summarise(results: list[tuple[str, int, float]], seconds: float) -> dict[str, Any]:
    by_kind: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for kind, status, elapsed in results:
        by_kind[kind].append((status, elapsed))
    out: dict[str, Any] = {}
    for kind in [*MIX, *(k for k in by_kind if k not in MIX)]:
        rows = by_kind.get(kind, [])
        ok = [e * 1000 for s, e in rows if 200 <= s < 300]
        out[kind] = {
            "ok_per_s": len(ok) / seconds,
            "p50_ms": percentile(ok, 50), "p95_ms": percentile(ok, 95), "p99_ms": percentile(ok, 99),
            "refused": dict(Counter(str(s) for s, _ in rows if not 200 <= s < 300)),
        }  # fmt: skip
    http = [(s, e) for kind, s, e in results if kind != "mqtt"]
    ok_all = [e * 1000 for s, e in http if 200 <= s < 300]
    out["all"] = {"ok_per_s": len(ok_all) / seconds, "p99_ms": percentile(ok_all, 99),
                  "refused": dict(Counter(str(s) for s, _ in http if not 200 <= s < 300))}  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="a scratch database on this PostgreSQL server instead of SQLite")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--levels", default="1,4,16,64,256,600", help="virtual users per step, comma-separated")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each step")
    parser.add_argument("--days", type=int, default=3, help="days of demo history")
    parser.add_argument("--mqtt-rate", type=float, default=50.0, help="QoS 1 readings per second over MQTT (1 worker; 0: off)")
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",")]
    backend = "PostgreSQL" if args.postgres else "SQLite"
    report: dict[str, Any] = {"parameters": vars(args), "python": platform.python_version(), "cores": os.cpu_count(), "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        database, scratch = make_database(Path(tmp), args.postgres, args.days)
        try:
            key = admin_key(database)
            for workers in args.workers:
                with server(database, workers) as (base, mqtt_port, pid):
                    streams = httpx.get(f"{base}/v1.1/Datastreams", params={"$select": "id", "$top": "1000",
                                        "$filter": "unitOfMeasurement/name ne null"}, timeout=30).json()["value"]  # fmt: skip
                    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
                    traffic = Traffic(base, key, streams, end + timedelta(days=30 * (workers - 1)))
                    before = stored(database)
                    acked = 0
                    for users in levels:
                        mqtt_load = MqttLoad(mqtt_port, key, traffic, args.mqtt_rate) if mqtt_port and args.mqtt_rate else None
                        if mqtt_load:
                            mqtt_load.start()
                        cpu = process_cpu(pid)
                        results = asyncio.run(run_level(traffic, users, args.seconds))
                        if mqtt_load:
                            mqtt_load.stop()
                            acked += mqtt_load.acked
                            results += [("mqtt", 200, s) for s in mqtt_load.latencies]
                        acked += sum(READINGS_PER_POST for kind, status, _ in results if kind == "ingest" and status == 201)
                        summary = summarise(results, args.seconds)
                        if mqtt_load:
                            summary["mqtt"]["ok_per_s"] = mqtt_load.acked / args.seconds
                            summary["mqtt"]["refused"] = {"not acked": mqtt_load.failed} if mqtt_load.failed else {}
                        summary["server_cpu_s"] = process_cpu(pid) - cpu  # the parent; workers are its children
                        report["runs"].append({"backend": backend, "workers": workers, "users": users, "kinds": summary})
                        print(f"{backend} workers={workers} users={users}: {summary['all']['ok_per_s']:.0f} ok/s, "
                              f"p99 {summary['all']['p99_ms']:.0f} ms, refused {summary['all']['refused']}", flush=True)  # fmt: skip
                    time.sleep(1)
                    after = stored(database)
                    report["runs"].append({"backend": backend, "workers": workers, "acknowledged": acked, "stored": after - before})
                    print(f"{backend} workers={workers}: acknowledged {acked} observations, stored {after - before} "
                          f"({max(0, acked - (after - before))} missing)", flush=True)  # fmt: skip
        finally:
            if scratch and args.postgres:
                import psycopg

                with psycopg.connect(args.postgres, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    print_table(report)
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    (RESULTS_DIR / f"load-{stamp}.json").write_text(json.dumps(report, indent=2))
    lost = [r for r in report["runs"] if "acknowledged" in r and r["stored"] < r["acknowledged"]]
    failed = [(r["users"], s) for r in report["runs"] if "kinds" in r for s in r["kinds"]["all"]["refused"] if s not in ("429", "503", str(RESET))]
    for users, status in failed:
        print(f"FAIL: answers with status {status} at {users} users (only 429/503 may refuse load; -1: connection refused)")
    for run in lost:
        print(f"FAIL: {run['workers']} workers: {run['acknowledged']} acknowledged, only {run['stored']} stored")
    return 1 if lost or failed else 0


def print_table(report: dict[str, Any]) -> None:
    kinds = [*MIX, "mqtt"]
    print("\n| backend | workers | users | ok req/s | " + " | ".join(f"{k} req/s (p50/p99 ms)" for k in kinds) + " | refused |")
    print("|---|---|---|---|" + "---|" * len(kinds) + "---|")
    for run in report["runs"]:
        if "kinds" not in run:
            continue
        k = run["kinds"]
        cells = []
        for kind in kinds:
            if kind in k and k[kind]["ok_per_s"]:
                cells.append(f"{k[kind]['ok_per_s']:.0f} ({k[kind]['p50_ms']:.0f}/{k[kind]['p99_ms']:.0f})")
            else:
                cells.append("–")
        refused = ", ".join(f"{s}: {n}" for s, n in sorted(k["all"]["refused"].items())) or "none"
        print(f"| {run['backend']} | {run['workers']} | {run['users']} | {k['all']['ok_per_s']:.0f} | " + " | ".join(cells) + f" | {refused} |")


if __name__ == "__main__":
    sys.exit(main())
