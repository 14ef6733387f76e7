#!/usr/bin/env python
"""Ingest benchmark for stadsdata (not a pytest test).

    python bench/ingest.py [--observations N] [--streams S] [--quick]

Measures in one run, each part on a fresh temporary SQLite file:

  (a) baseline: plain sqlite3 `executemany` into an `observations` table created from
      `stadsdata.store.schema.metadata` (same layout and indexes; WAL, synchronous=NORMAL),
      1 000 rows per transaction;
  (b) CreateObservations with dataArray documents of 1 000 observations: over HTTP against a
      real `stadsdata serve` process (one keep-alive httpx client), in-process through
      `StaService.handle` (the same request bytes, without HTTP), and through the store API
      (`Transaction.insert_observations` with ObservationRow lists of 1 000);
  (c) the latest observation of each of many datastreams: `SqliteStore.latest_observations()`
      (the per-stream summary) against `GET /v1.1/Datastreams?$top=…&$expand=Observations($top=1;
      $orderby=phenomenonTime desc)` over HTTP, checked to agree on every datastream.

Prints a table with absolute figures and ratios against the baseline of the same run, and
writes the figures as JSON to bench/results/ingest-<timestamp>.json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson
from sqlalchemy import create_engine

from stadsdata.access.policy import OpenAccess
from stadsdata.api.sta.requests import StaRequest
from stadsdata.api.sta.service import StaService
from stadsdata.model.entities import DATASTREAM, FEATURE_OF_INTEREST, LOCATION, OBSERVED_PROPERTY, SENSOR, THING
from stadsdata.store.base import ObservationRow
from stadsdata.store.schema import RESULT_FLOAT, metadata
from stadsdata.store.sqlite.backend import SqliteStore
from stadsdata.store.types import to_micros

BATCH = 1_000  # observations per transaction / per dataArray document
MULTI_ROW = 256  # rows per statement of the multi-row reference (as the store's _bulk_insert)
TARGET_OBS_PER_S = 100_000
TARGET_RATIO = 0.5  # issue 16: at least 0.5 × plain executemany where 100 000 obs/s is out of reach
MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
BASE_TIME = datetime(2024, 3, 1, tzinfo=UTC)
RESULTS_DIR = Path(__file__).resolve().parent / "results"

INSERT_SQL = (
    "INSERT INTO observations (phenomenon_time_start, phenomenon_time_end, result_time, result_type, "
    "result_number, result_string, result_json, result_quality, valid_time_start, valid_time_end, parameters, "
    "datastream_id, multi_datastream_id, feature_of_interest_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)


def multi_row_sql(rows: int) -> str:
    head, _, placeholders = INSERT_SQL.partition(" VALUES ")
    return f"{head} VALUES {','.join([placeholders] * rows)}"


# -- workload ---------------------------------------------------------------------------------
Rows = list[tuple[datetime, float]]
Request = list[tuple[int, Rows]]  # one request (one transaction): (stream index, its rows) per dataArray document


def workload(n: int, streams: int) -> list[Request]:
    """`n` observations as requests of BATCH for one stream index (0..streams-1) each, round
    robin; each stream's phenomenon times increase by one second per observation."""
    requests: list[Request] = []
    per_stream = [0] * streams
    for start in range(0, n, BATCH):
        stream = (start // BATCH) % streams
        size = min(BATCH, n - start)
        requests.append([(stream, _rows(per_stream, stream, size))])
    return requests


def mixed_workload(n: int, streams: int) -> list[Request]:
    """`n` observations as requests of BATCH whose rows touch `streams` streams: one dataArray
    document of BATCH // streams rows per stream in every request."""
    requests: list[Request] = []
    per_stream = [0] * streams
    share = max(1, BATCH // streams)
    for start in range(0, n, BATCH):
        size = min(BATCH, n - start)
        request: Request = []
        for stream in range(streams):
            rows = min(share, size - stream * share) if stream < streams - 1 else size - stream * share
            if rows > 0:
                request.append((stream, _rows(per_stream, stream, rows)))
        requests.append(request)
    return requests


def _rows(per_stream: list[int], stream: int, size: int) -> Rows:
    first = per_stream[stream]
    per_stream[stream] += size
    return [(BASE_TIME + timedelta(seconds=first + i), round(10 + ((first + i) % 500) * 0.05, 2)) for i in range(size)]


def rfc3339(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def data_array_body(request: Request) -> bytes:
    """The CreateObservations body of a request: one dataArray document per stream (index + 1)."""
    return orjson.dumps(
        [
            {"Datastream": {"@iot.id": stream + 1}, "components": ["phenomenonTime", "result"], "dataArray": [[rfc3339(t), v] for t, v in rows]}
            for stream, rows in request
        ]
    )


def observation_rows(stream_id: int, feature_id: int, rows: list[tuple[datetime, float]]) -> list[ObservationRow]:
    return [ObservationRow(t, t, v, feature_id, datastream_id=stream_id) for t, v in rows]


# -- helpers ----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(database: Path, *, access: str = "open", extra_env: dict[str, str] | None = None) -> Iterator[tuple[str, int]]:
    """A real `stadsdata serve` on a free port (as tests/conftest.py starts it); yields its base
    URL and process id. Access control is open (anonymous writes) unless `access` says
    'enforced'; no embedded MQTT broker."""
    port = free_port()
    env = {**os.environ, "STADSDATA_LOG_LEVEL": "warning", "STADSDATA_ACCESS_MODE": access, "STADSDATA_MQTT_EMBEDDED": "false",
           **(extra_env or {})}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "stadsdata.cli", "serve", "--database", str(database), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("stadsdata serve did not start")
            time.sleep(0.1)
        yield base, process.pid
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """SIGTERM, and SIGKILL when the process has not ended within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by another process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(count: int, wall: float, cpu: float, **extra: Any) -> dict[str, Any]:
    return {"observations": count, "seconds": wall, "per_s": rate(count, wall), "cpu_seconds": cpu, "cpu_us_per_obs": cpu / count * 1e6, **extra}


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Move the benchmark's own inputs (hundreds of thousands of prepared rows) out of the
    garbage collector's sight while timing, so that in-process figures do not pay for
    collections the server process would not do."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def open_store(path: Path) -> SqliteStore:
    store = SqliteStore(path)
    store.open()
    return store


def create_streams(store: SqliteStore, count: int, *, prefix: str) -> tuple[list[int], int]:
    """One Thing with a Location, one Sensor and ObservedProperty, `count` Datastreams and a
    FeatureOfInterest, through store transactions. Returns (datastream ids, feature id)."""
    with store.write() as tx:
        thing = tx.insert(THING, {"name": f"{prefix} thing", "description": "benchmark thing", "properties": {"bench": True}})
        point = {"type": "Point", "coordinates": [5.12, 52.09]}
        location = tx.insert(
            LOCATION, {"name": "bench location", "description": "here", "encodingType": "application/geo+json", "location": point}
        )
        tx.link(THING, thing, "Locations", [location])
        sensor = tx.insert(SENSOR, {"name": "bench sensor", "description": "s", "encodingType": "application/pdf", "metadata": "https://example.org/s.pdf"})
        prop = tx.insert(OBSERVED_PROPERTY, {"name": "temperature", "definition": "https://example.org/temperature", "description": "t"})
        unit = {"name": "degree Celsius", "symbol": "degC", "definition": "http://unitsofmeasure.org/ucum.html#para-30"}
        ids = [
            tx.insert(
                DATASTREAM,
                {
                    "name": f"{prefix} stream {i}",
                    "description": "benchmark stream",
                    "unitOfMeasurement": unit,
                    "observationType": MEASUREMENT,
                    "Thing": thing,
                    "Sensor": sensor,
                    "ObservedProperty": prop,
                },
            )
            for i in range(count)
        ]
        feature = tx.insert(
            FEATURE_OF_INTEREST, {"name": "bench feature", "description": "here", "encodingType": "application/geo+json", "feature": point}
        )
    return ids, feature


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def best_of(runs: int, fn: Callable[[], Any]) -> tuple[list[float], Any]:
    times, result = [], None
    with frozen_heap():
        for _ in range(runs):
            start = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - start)
    return times, result


# -- (a) baseline -----------------------------------------------------------------------------
def bench_baseline(directory: Path, requests: list[Request], streams: int, *, rows_per_statement: int = 1) -> dict[str, Any]:
    """Plain sqlite3: `executemany` of the one-row INSERT (rows_per_statement=1, the baseline), or
    multi-row `INSERT … VALUES (…),(…)` statements (for reference)."""
    path = directory / f"plain-{rows_per_statement}.db"
    engine = create_engine(f"sqlite:///{path}")
    metadata.create_all(engine)  # every table, so `observations` has its real layout, FKs and indexes
    engine.dispose()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    params = [
        [
            (us := to_micros(t), us, None, RESULT_FLOAT, v, None, None, None, None, None, None, stream + 1, None, 1)
            for stream, rows in request
            for t, v in rows
        ]
        for request in requests
    ]
    count = sum(len(p) for p in params)
    with frozen_heap():
        cpu, start = time.process_time(), time.perf_counter()
        for chunk in params:
            conn.execute("BEGIN")
            if rows_per_statement == 1:
                conn.executemany(INSERT_SQL, chunk)
            else:
                for offset in range(0, len(chunk), rows_per_statement):
                    part = chunk[offset : offset + rows_per_statement]
                    conn.execute(multi_row_sql(len(part)), [value for row in part for value in row])
            conn.execute("COMMIT")
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    stored = conn.execute("SELECT count(*) FROM observations").fetchone()[0]
    conn.close()
    assert stored == count, (stored, count)
    return measured(count, seconds, cpu)


# -- (b) store API, service in-process, HTTP --------------------------------------------------
def bench_store(directory: Path, requests: list[Request], streams: int, name: str = "store") -> dict[str, Any]:
    store = open_store(directory / f"{name}.db")
    try:
        ids, feature = create_streams(store, streams, prefix="store")
        work = [[row for stream, rows in request for row in observation_rows(ids[stream], feature, rows)] for request in requests]
        count = sum(len(w) for w in work)
        with frozen_heap():
            cpu, start = time.process_time(), time.perf_counter()
            for rows in work:
                with store.write() as tx:
                    tx.insert_observations(rows)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        summary = dict(store.latest_observations(ids))
        assert all(summary[i] is not None for i in ids)
    finally:
        store.close()
    return measured(count, seconds, cpu)


def bench_service(directory: Path, bodies: list[bytes], count: int, streams: int, name: str = "service") -> dict[str, Any]:
    """StaService.handle(POST CreateObservations) in-process: JSON parsing, validation, the store
    and the response's selfLinks, without HTTP."""
    store = open_store(directory / f"{name}.db")
    try:
        ids, _ = create_streams(store, streams, prefix="service")
        assert ids == list(range(1, streams + 1))  # the bodies name Datastreams 1..S
        service = StaService(store, OpenAccess())
        with frozen_heap():
            cpu, start = time.process_time(), time.perf_counter()
            for body in bodies:
                response = service.handle(
                    StaRequest("POST", "CreateObservations", body=body, content_type="application/json", service_root="http://localhost:8000/v1.1")
                )
                response.body_bytes()
                assert response.status == 201
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        store.close()
    return measured(count, seconds, cpu)


def bench_http(directory: Path, bodies: list[bytes], count: int, streams: int, name: str = "http") -> dict[str, Any]:
    database = directory / f"{name}.db"
    store = open_store(database)
    ids, _ = create_streams(store, streams, prefix="http")
    store.close()
    assert ids == list(range(1, streams + 1))
    with server(database) as (base, pid), httpx.Client(base_url=base, timeout=120, headers={"content-type": "application/json"}) as client:
        client.get("/v1.1/Datastreams?$top=1").raise_for_status()  # connection up, app warm
        created = 0
        server_cpu, client_cpu, start = process_cpu(pid), time.process_time(), time.perf_counter()
        for body in bodies:
            response = client.post("/v1.1/CreateObservations", content=body)
            if response.status_code != 201:
                raise RuntimeError(f"CreateObservations: {response.status_code} {response.text[:500]}")
            created += len(response.json())
        seconds = time.perf_counter() - start
        server_cpu, client_cpu = process_cpu(pid) - server_cpu, time.process_time() - client_cpu
        stored = client.get("/v1.1/Observations?$count=true&$top=1").json()["@iot.count"]
    assert created == count and stored == count, (created, stored, count)
    # cpu: the server process only; the client's share is reported apart
    return measured(count, seconds, server_cpu, requests=len(bodies), client_cpu_seconds=client_cpu)


# -- (c) latest observation of each datastream ------------------------------------------------
LATEST_EXPAND = "Observations($top=1;$orderby=phenomenonTime desc)"
# The same question phrased so that the reader's summary shortcut does not apply (two sort
# keys): the general $expand path, which ranks every observation of every stream.
GENERAL_EXPAND = "Observations($top=1;$orderby=phenomenonTime desc,id desc)"


def latest_ids(body: dict[str, Any]) -> dict[int, int | None]:
    assert "@iot.nextLink" not in body, "more datastreams than the server's max $top"
    return {d["@iot.id"]: (d["Observations"][0]["@iot.id"] if d["Observations"] else None) for d in body["value"]}


def fill_latest(store: Any, streams: int, per_stream: int) -> dict[int, int]:
    """`streams` Datastreams with `per_stream` observations each, inserted out of time order; the id
    of each stream's latest observation (by phenomenonTime, then id)."""
    ids, feature = create_streams(store, streams, prefix="latest")
    expected: dict[int, tuple[datetime, int]] = {}
    rows: list[ObservationRow] = []

    def flush() -> None:
        with store.write() as tx:
            new_ids = tx.insert_observations(rows)
        for row, obs_id in zip(rows, new_ids):
            key = (row.phenomenon_time_start, obs_id)
            stream_id = row.datastream_id
            assert stream_id is not None
            if stream_id not in expected or key > expected[stream_id]:
                expected[stream_id] = key
        rows.clear()

    for n, stream_id in enumerate(ids):
        for k in range(per_stream):
            # rotate the insertion order so that the latest observation is not always the last stored
            minute = (k + n) % per_stream
            t = BASE_TIME + timedelta(minutes=minute, seconds=n % 60)
            rows.append(ObservationRow(t, t, float(minute), feature, datastream_id=stream_id))
            if len(rows) == BATCH:
                flush()
    if rows:
        flush()
    return {stream_id: key[1] for stream_id, key in expected.items()}


def bench_latest(directory: Path, streams: int, per_stream: int, runs: int) -> dict[str, Any]:
    database = directory / "latest.db"
    store = open_store(database)
    try:
        setup_start = time.perf_counter()
        truth = fill_latest(store, streams, per_stream)
        setup_seconds = time.perf_counter() - setup_start

        def from_summary() -> dict[int, int | None]:
            return {ds: (record["id"] if record else None) for ds, record in store.latest_observations()}

        service = StaService(store, OpenAccess())

        def in_process(expand: str) -> Callable[[], dict[int, int | None]]:
            query = urlencode({"$top": str(streams), "$expand": expand})

            def run() -> dict[int, int | None]:
                response = service.handle(StaRequest("GET", "Datastreams", query_string=query))
                return latest_ids(orjson.loads(response.body_bytes()))

            return run

        measured_runs: dict[str, tuple[list[float], dict[int, int | None]]] = {}
        for key, fn in (("summary", from_summary), ("in_process_expand", in_process(LATEST_EXPAND))):
            fn()  # warm-up (page cache, statement cache)
            measured_runs[key] = best_of(runs, fn)

        with server(database) as (base, _), httpx.Client(base_url=base, timeout=600) as client:

            def over_http(expand: str) -> Callable[[], dict[int, int | None]]:
                def run() -> dict[int, int | None]:
                    response = client.get("/v1.1/Datastreams", params={"$top": str(streams), "$expand": expand})
                    response.raise_for_status()
                    return latest_ids(response.json())

                return run

            for key, expand in (("http_expand", LATEST_EXPAND), ("http_expand_general", GENERAL_EXPAND)):
                fn = over_http(expand)
                fn()
                measured_runs[key] = best_of(runs, fn)
    finally:
        store.close()

    answers = {key: result for key, (_, result) in measured_runs.items()}
    mismatches = [ds for ds in truth if len({truth.get(ds), *(a.get(ds) for a in answers.values())}) != 1]
    out: dict[str, Any] = {
        "datastreams": streams,
        "observations_per_stream": per_stream,
        "observations": streams * per_stream,
        "setup_seconds": setup_seconds,
        "http_summary_endpoint": None,  # (ii): there is no HTTP endpoint for the summary yet
        "agree": not mismatches,
        "mismatches": mismatches[:20],
        "request": f"GET /v1.1/Datastreams?$top={streams}&$expand={LATEST_EXPAND}",
        "request_general": f"GET /v1.1/Datastreams?$top={streams}&$expand={GENERAL_EXPAND}",
    }
    for key, (times, _) in measured_runs.items():
        out[f"{key}_ms"] = [t * 1000 for t in times]
    return out


# -- report -----------------------------------------------------------------------------------
INGEST_PATHS = (
    ("baseline", "(a) plain sqlite3 executemany (baseline)"),
    ("plain_multirow", f"    plain sqlite3 INSERT of {MULTI_ROW} rows/statement"),
    ("store", "(b) store API Transaction.insert_observations"),
    ("service", "(b) StaService CreateObservations, in-process"),
    ("http", "(b) HTTP POST /v1.1/CreateObservations"),
    ("store_mixed", "(b') store API, rows of S' streams a batch"),
    ("service_mixed", "(b') StaService, S' streams a request"),
    ("http_mixed", "(b') HTTP, S' streams a request"),
)


def fmt(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def report(results: dict[str, Any]) -> str:
    p = results["parameters"]
    best = results["best"]
    base = best["baseline"]
    lines = [
        f"stadsdata ingest benchmark: {fmt(p['observations'])} observations over {p['streams']} datastreams, "
        f"{fmt(BATCH)} per transaction / dataArray document, best of {p['rounds']} round(s)",
        f"SQLite {sqlite3.sqlite_version}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average before/after: {results['environment']['load_before']:.2f} / {results['environment']['load_after']:.2f}",
        "",
        f"{'path':<48} {'obs/s':>9} {'× plain':>8} {'CPU µs/obs':>11} {'× plain (CPU)':>14}",
        "-" * 94,
    ]
    for key, label in INGEST_PATHS:
        r = best[key]
        lines.append(
            f"{label:<48} {fmt(r['per_s']):>9} {r['per_s'] / base['per_s']:>7.2f}× {r['cpu_us_per_obs']:>11.1f} "
            f"{base['cpu_us_per_obs'] / r['cpu_us_per_obs']:>13.2f}×"
        )
    lines.append(f"(S' = {p['mix_streams']}: every request of 1 000 rows is {p['mix_streams']} dataArray documents, one per stream)")
    for key, label in (("http", "one stream a request"), ("http_mixed", f"{p['mix_streams']} streams a request")):
        http = best[key]
        ratio = http["per_s"] / base["per_s"]
        lines += [
            "",
            f"HTTP CreateObservations, {label}: {fmt(http['per_s'])} obs/s = {ratio:.2f} × plain executemany "
            f"({fmt(base['per_s'])} rows/s)",
            f"  target ≥ {fmt(TARGET_OBS_PER_S)} obs/s: {'met' if http['per_s'] >= TARGET_OBS_PER_S else 'NOT met'};"
            f" target ≥ {TARGET_RATIO:g} × plain: {'met' if ratio >= TARGET_RATIO else 'NOT met'}",
            "  (CPU µs/obs of the HTTP row: the server process only; the client used "
            f"{http['client_cpu_seconds'] / http['observations'] * 1e6:.1f} µs/obs more)",
        ]
    latest = results.get("latest")
    if latest:
        s_ms = min(latest["summary_ms"])
        lines += [
            "",
            f"(c) latest observation of each of {fmt(latest['datastreams'])} datastreams "
            f"({latest['observations_per_stream']} observations each, set-up {latest['setup_seconds']:.1f} s, best of {len(latest['summary_ms'])})",
            "-" * 94,
            f"{'(i)   SqliteStore.latest_observations()':<70} {s_ms:>9.1f} ms  1.0 ×",
            f"{'(ii)  the summary over HTTP':<70} {'n/a':>9}     (no endpoint yet)",
        ]
        for key, label in (
            ("http_expand", "(iii) HTTP GET Datastreams?$expand=Observations($top=1;…desc)"),
            ("in_process_expand", "      the same request in-process (StaService.handle)"),
            ("http_expand_general", "(iv)  HTTP, general path: $orderby=phenomenonTime desc,id desc"),
        ):
            ms = min(latest[f"{key}_ms"])
            lines.append(f"{label:<70} {ms:>9.1f} ms  {ms / s_ms:.1f} × (i)")
        lines.append(
            "same latest observation id for every datastream in (i), (iii), (iv) and the ground truth: "
            + ("yes" if latest["agree"] else f"NO, e.g. datastreams {latest['mismatches']}")
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--observations", type=int, help="observations per ingest path (default 200 000; --quick 20 000)")
    parser.add_argument("--streams", type=int, default=10, help="datastreams the ingest is spread over (default 10)")
    parser.add_argument("--mix-streams", type=int, default=50, help="streams every request of the mixed ingest (b') touches (default 50)")
    parser.add_argument("--rounds", type=int, help="ingest rounds, best counts (default 2)")
    parser.add_argument("--latest-streams", type=int, help="datastreams for part (c) (default 10 000; --quick 2 000)")
    parser.add_argument("--per-stream", type=int, default=20, help="observations per datastream in part (c) (default 20)")
    parser.add_argument("--runs", type=int, help="timed repetitions of each query in part (c) (default 3; --quick 2)")
    parser.add_argument("--quick", action="store_true", help="a ~20-second version")
    parser.add_argument("--skip-latest", action="store_true", help="skip part (c)")
    parser.add_argument("--no-json", action="store_true", help="do not write bench/results/ingest-<timestamp>.json")
    args = parser.parse_args(argv)
    observations = args.observations or (20_000 if args.quick else 200_000)
    latest_streams = args.latest_streams or (2_000 if args.quick else 10_000)
    runs = args.runs or (2 if args.quick else 3)
    rounds = args.rounds or 2

    results: dict[str, Any] = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": {
            "observations": observations,
            "streams": args.streams,
            "mix_streams": args.mix_streams,
            "batch": BATCH,
            "rounds": rounds,
            "latest_streams": None if args.skip_latest else latest_streams,
            "per_stream": args.per_stream,
            "runs": runs,
            "quick": args.quick,
        },
        "environment": {
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_before": os.getloadavg()[0],
        },
        "rounds": [],
    }
    started = time.perf_counter()
    batches = workload(observations, args.streams)
    bodies = [data_array_body(request) for request in batches]
    mixed = mixed_workload(observations, args.mix_streams)
    mixed_bodies = [data_array_body(request) for request in mixed]
    with tempfile.TemporaryDirectory(prefix="stadsdata-bench-") as tmp:
        for round_no in range(rounds):
            directory = Path(tmp) / f"round-{round_no}"  # a fresh SQLite file for every measurement
            directory.mkdir()
            print(f"round {round_no + 1}/{rounds}: (a) plain sqlite3, (b) store API, in-process service, HTTP …", flush=True)
            results["rounds"].append(
                {
                    "baseline": bench_baseline(directory, batches, args.streams),
                    "plain_multirow": bench_baseline(directory, batches, args.streams, rows_per_statement=MULTI_ROW),
                    "store": bench_store(directory, batches, args.streams),
                    "service": bench_service(directory, bodies, observations, args.streams),
                    "http": bench_http(directory, bodies, observations, args.streams),
                    "store_mixed": bench_store(directory, mixed, args.mix_streams, name="store-mixed"),
                    "service_mixed": bench_service(directory, mixed_bodies, observations, args.mix_streams, name="service-mixed"),
                    "http_mixed": bench_http(directory, mixed_bodies, observations, args.mix_streams, name="http-mixed"),
                }
            )
        if not args.skip_latest:
            print(f"(c) latest observation of each of {latest_streams} datastreams …", flush=True)
            results["latest"] = bench_latest(Path(tmp), latest_streams, args.per_stream, runs)
    results["best"] = {key: min((r[key] for r in results["rounds"]), key=lambda m: m["seconds"]) for key, _ in INGEST_PATHS}
    base = results["best"]["baseline"]
    for key, _ in INGEST_PATHS:
        best = results["best"][key]
        best["ratio_to_baseline"] = best["per_s"] / base["per_s"]
        best["cpu_ratio_to_baseline"] = base["cpu_us_per_obs"] / best["cpu_us_per_obs"]
    results["targets"] = {
        "http_obs_per_s": TARGET_OBS_PER_S,
        "http_ratio": TARGET_RATIO,
        **{
            f"{key}_{what}": met
            for key in ("http", "http_mixed")
            for what, met in (
                ("obs_per_s_met", results["best"][key]["per_s"] >= TARGET_OBS_PER_S),
                ("ratio_met", results["best"][key]["ratio_to_baseline"] >= TARGET_RATIO),
            )
        },
    }
    results["environment"]["load_after"] = os.getloadavg()[0]
    results["total_seconds"] = time.perf_counter() - started
    print()
    print(report(results))
    print(f"\ntotal {results['total_seconds']:.1f} s")
    if not args.no_json:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        out = RESULTS_DIR / f"ingest-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
        out.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
        print(f"results: {out}")
    if results.get("latest") and not results["latest"]["agree"]:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
