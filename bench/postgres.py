#!/usr/bin/env python
"""PostgreSQL benchmark for stadsdata (not a pytest test).

    python bench/postgres.py [--quick] [--observations N] [--scales 1000000,10000000]

Every part runs in its own scratch database (`stadsdata_bench_<pid>_<part>`), created here with
the stadsdata schema (`PostgresStore(url).open()`) and dropped at the end:

  (a) baseline: plain psycopg binary `COPY observations (…) FROM STDIN` of N prepared rows,
      1 000 rows per transaction (the same batches as (b) and (c)), into the real table with its
      indexes and foreign keys;
  (b) the store API: `with store.write() as tx: tx.insert_observations(rows)`, 1 000 rows per
      transaction (encoding, id reservation, COPY, the per-stream summary update, commit);
  (c) HTTP `POST /v1.1/CreateObservations`, one dataArray document of 1 000 observations per
      request, against a real `stadsdata serve --database postgresql://…` process;
  (d) query latency over HTTP (median of --runs after one warm-up) at 1 M and 10 M observations
      (--quick: 100 k and 1 M) spread over 10 000 datastreams: the latest observation of every
      datastream, a one-day range of one datastream and `$count` of one datastream. The
      observations are loaded with COPY directly (secondary indexes and FK triggers off during
      the load, indexes rebuilt from their own definitions afterwards) and the per-stream
      summary columns are then set with one `UPDATE … FROM (SELECT … GROUP BY datastream_id)`.

Prints a table with absolute figures and ratios, writes JSON to
bench/results/postgres-<timestamp>.json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import (  # noqa: E402  (bench/ingest.py: the same workload, server start-up and helpers)
    BASE_TIME,
    BATCH,
    create_streams,
    data_array_body,
    fmt,
    frozen_heap,
    measured,
    observation_rows,
    process_cpu,
    server,
    workload,
)

from stadsdata.store.postgres.backend import PostgresStore  # noqa: E402
from stadsdata.store.schema import RESULT_FLOAT  # noqa: E402

ADMIN_URL = os.environ.get("STADSDATA_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TARGET_RATIO = 0.5  # store / HTTP ingest ≥ 0.5 × plain COPY
SCALE_LIMIT = 2.0  # large-scale query latency within 2 × the small-scale one
RESULTS_DIR = Path(__file__).resolve().parent / "results"
QUERY_STREAMS = 10_000
STEP = timedelta(hours=1)  # one observation per stream per hour: 10 M span 42 days, two month partitions
COPY_COLUMNS = (
    "phenomenon_time_start, phenomenon_time_end, result_time, result_type, result_number, result_string, "
    "result_json, result_quality, valid_time_start, valid_time_end, parameters, datastream_id, "
    "multi_datastream_id, feature_of_interest_id"
)
COPY_TYPES = [
    "timestamptz", "timestamptz", "timestamptz", "int2", "float8", "text", "jsonb", "jsonb",
    "timestamptz", "timestamptz", "jsonb", "int8", "int8", "int8",
]  # fmt: skip


# -- scratch databases --------------------------------------------------------------------------
def db_url(name: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


class Scratch:
    """Scratch databases, created on demand and all dropped on exit."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def create(self, part: str) -> str:
        name = f"stadsdata_bench_{os.getpid()}_{part}"
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        self.names.append(name)
        url = db_url(name)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        return url

    def drop_all(self) -> None:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            for name in self.names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.names.clear()


@contextmanager
def opened(url: str) -> Iterator[PostgresStore]:
    store = PostgresStore(url)
    store.open()
    try:
        yield store
    finally:
        store.close()


# -- (a) plain COPY -----------------------------------------------------------------------------
def bench_copy(url: str, batches: list[tuple[int, list[tuple[datetime, float]]]], streams: int) -> dict[str, Any]:
    with opened(url) as store:
        ids, feature = create_streams(store, streams, prefix="copy")
        with store.write() as tx:  # the month partitions the rows go to (the store does this itself)
            tx.prepare_observation_times([t for _, rows in batches for t, _ in rows])
    chunks = [
        [(t, t, None, RESULT_FLOAT, v, None, None, None, None, None, None, ids[stream], None, feature) for t, v in rows]
        for stream, rows in batches
    ]
    count = sum(len(c) for c in chunks)
    with psycopg.connect(url) as conn:
        with frozen_heap():
            cpu, start = time.process_time(), time.perf_counter()
            for chunk in chunks:
                with conn.cursor() as cur, cur.copy(f"COPY observations ({COPY_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(COPY_TYPES)
                    for row in chunk:
                        copy.write_row(row)
                conn.commit()
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        stored = conn.execute("SELECT count(*) FROM observations").fetchone()[0]  # type: ignore[index]
    assert stored == count, (stored, count)
    return measured(count, seconds, cpu)


# -- (b) store API ------------------------------------------------------------------------------
def bench_store(url: str, batches: list[tuple[int, list[tuple[datetime, float]]]], streams: int) -> dict[str, Any]:
    with opened(url) as store:
        ids, feature = create_streams(store, streams, prefix="store")
        work = [observation_rows(ids[stream], feature, rows) for stream, rows in batches]
        count = sum(len(w) for w in work)
        with frozen_heap():
            cpu, start = time.process_time(), time.perf_counter()
            for rows in work:
                with store.write() as tx:
                    tx.insert_observations(rows)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        latest = dict(store.latest_observations(ids))
        assert all(latest[i] is not None for i in ids)
    with psycopg.connect(url) as conn:
        total, stored = conn.execute(
            "SELECT (SELECT sum(observation_count) FROM datastreams), (SELECT count(*) FROM observations)"
        ).fetchone()  # type: ignore[misc]
    assert total == stored == count, (total, stored, count)
    return measured(count, seconds, cpu)


# -- (c) HTTP -----------------------------------------------------------------------------------
def bench_http(url: str, bodies: list[bytes], count: int, streams: int) -> dict[str, Any]:
    with opened(url) as store:
        ids, _ = create_streams(store, streams, prefix="http")
    assert ids == list(range(1, streams + 1))  # the bodies name Datastreams 1..S
    with server(url) as (base, pid), httpx.Client(base_url=base, timeout=120, headers={"content-type": "application/json"}) as client:  # type: ignore[arg-type]
        client.get("/v1.1/Datastreams?$top=1").raise_for_status()
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
    return measured(count, seconds, server_cpu, requests=len(bodies), client_cpu_seconds=client_cpu)


# -- (d) queries at scale -----------------------------------------------------------------------
TABLE_SIZE = (  # all partitions with their indexes and TOAST (the parent itself holds nothing)
    "SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0) / 1048576.0 FROM pg_inherits "
    "WHERE inhparent = 'observations'::regclass"
)
SUMMARY_UPDATE = """
UPDATE datastreams AS d SET
    observation_count = s.n,
    phenomenon_time_start = s.pt_start, phenomenon_time_end = s.pt_end,
    result_time_start = s.rt_start, result_time_end = s.rt_end,
    latest_observation_id = l.id, latest_phenomenon_time = l.phenomenon_time_start,
    area_minx = s.minx, area_miny = s.miny, area_maxx = s.maxx, area_maxy = s.maxy
FROM (
    SELECT p.datastream_id, sum(p.n) AS n, min(p.pt_start) AS pt_start, max(p.pt_end) AS pt_end,
           min(p.rt_start) AS rt_start, max(p.rt_end) AS rt_end,
           min(f.bbox_minx) AS minx, min(f.bbox_miny) AS miny, max(f.bbox_maxx) AS maxx, max(f.bbox_maxy) AS maxy
    FROM (
        SELECT datastream_id, feature_of_interest_id, count(*) AS n,
               min(phenomenon_time_start) AS pt_start, max(phenomenon_time_end) AS pt_end,
               min(result_time) AS rt_start, max(result_time) AS rt_end
        FROM observations WHERE datastream_id IS NOT NULL GROUP BY datastream_id, feature_of_interest_id
    ) AS p JOIN features_of_interest AS f ON f.id = p.feature_of_interest_id
    GROUP BY p.datastream_id
) AS s
JOIN (
    SELECT DISTINCT ON (datastream_id) datastream_id, id, phenomenon_time_start
    FROM observations WHERE datastream_id IS NOT NULL
    ORDER BY datastream_id, phenomenon_time_start DESC, id DESC
) AS l ON l.datastream_id = s.datastream_id
WHERE d.id = s.datastream_id
"""


def load_observations(url: str, ids: list[int], feature: int, per_stream_from: int, per_stream_to: int) -> dict[str, float]:
    """COPY observations k = per_stream_from … per_stream_to-1 of every stream (time BASE + k hours
    + a per-stream offset of < 15 min), with explicit ids, then set the per-stream summaries."""
    timings: dict[str, float] = {}
    times = [BASE_TIME + k * STEP for k in range(per_stream_to)]
    with opened(url) as store, store.write() as tx:  # the month partitions of the load
        tx.prepare_observation_times(times[per_stream_from:] + [t + STEP for t in times[per_stream_from:]])
    with psycopg.connect(url) as conn:
        # The indexes of the partitioned table; their definitions say `ON ONLY observations`
        # (the parent alone): without ONLY they are built on every partition again.
        indexes = [
            (name, definition.replace(" ON ONLY ", " ON "))
            for name, definition in conn.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'observations' AND indexname NOT LIKE '%pkey'"
            ).fetchall()
        ]
        next_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM observations").fetchone()[0]  # type: ignore[index]
        conn.execute("SET session_replication_role = replica")  # no FK triggers during the load (the data is valid)
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        start = time.perf_counter()
        offsets = [timedelta(seconds=(i * 7) % 900) for i in range(len(ids))]
        with conn.cursor() as cur, cur.copy(
            "COPY observations (id, phenomenon_time_start, phenomenon_time_end, result_type, result_number, "
            "datastream_id, feature_of_interest_id) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int8", "timestamptz", "timestamptz", "int2", "float8", "int8", "int8"])
            write_row = copy.write_row
            for k in range(per_stream_from, per_stream_to):
                value = 10.0 + (k % 500) * 0.05
                base = times[k]
                for stream, offset in zip(ids, offsets):
                    t = base + offset
                    write_row((next_id, t, t, RESULT_FLOAT, value, stream, feature))
                    next_id += 1
        conn.execute("SELECT setval(pg_get_serial_sequence('observations', 'id'), %s)", (next_id - 1,))
        conn.execute("SET session_replication_role = DEFAULT")
        timings["copy_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '512MB'")
        for _, definition in indexes:
            conn.execute(definition)
        timings["index_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        conn.execute("SET work_mem = '256MB'")
        conn.execute(SUMMARY_UPDATE)
        conn.commit()
        timings["summary_seconds"] = time.perf_counter() - start
    start = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE observations")
        conn.execute("VACUUM ANALYZE datastreams")
    timings["vacuum_seconds"] = time.perf_counter() - start
    return timings


def rfc3339(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def queries(ds: int) -> dict[str, tuple[str, dict[str, str]]]:
    day_start, day_end = BASE_TIME + timedelta(hours=1), BASE_TIME + timedelta(hours=25)
    return {
        "latest_10k": (
            "/v1.1/Datastreams",
            {"$top": str(QUERY_STREAMS), "$expand": "Observations($top=1;$orderby=phenomenonTime desc)"},
        ),
        "day_range": (
            f"/v1.1/Datastreams({ds})/Observations",
            {
                "$filter": f"phenomenonTime ge {rfc3339(day_start)} and phenomenonTime lt {rfc3339(day_end)}",
                "$top": "10000",
            },
        ),
        "count": (f"/v1.1/Datastreams({ds})/Observations", {"$count": "true", "$top": "1"}),
    }


def bench_scales(url: str, scales: list[int], runs: int) -> dict[str, Any]:
    with opened(url) as store:
        ids, feature = create_streams(store, QUERY_STREAMS, prefix="query")
    ds = ids[len(ids) // 2]
    out: dict[str, Any] = {"datastreams": QUERY_STREAMS, "datastream": ds, "scales": []}
    loaded = 0
    for scale in scales:
        per_stream = scale // QUERY_STREAMS
        print(f"(d) loading {fmt(scale)} observations ({per_stream} per datastream) …", flush=True)
        timings = load_observations(url, ids, feature, loaded, per_stream)
        loaded = per_stream
        expected_latest = {stream: (per_stream - 1) * QUERY_STREAMS + i + 1 for i, stream in enumerate(ids)}
        result: dict[str, Any] = {"observations": per_stream * QUERY_STREAMS, "per_stream": per_stream, "load": timings}
        print(f"    loaded in {sum(timings.values()):.1f} s {timings}; querying …", flush=True)
        with server(url) as (base, _), httpx.Client(base_url=base, timeout=600) as client:  # type: ignore[arg-type]
            for key, (path, params) in queries(ds).items():
                times: list[float] = []
                body: Any = None
                for run in range(runs + 1):
                    start = time.perf_counter()
                    response = client.get(path, params=params)
                    elapsed = time.perf_counter() - start
                    if response.status_code != 200:
                        raise RuntimeError(f"{key}: {response.status_code} {response.text[:500]}")
                    body = response.json()
                    if run:  # the first run is a warm-up
                        times.append(elapsed)
                check = check_answer(key, body, per_stream, expected_latest)
                result[key] = {"ms": [t * 1000 for t in times], "median_ms": statistics.median(times) * 1000, **check}
        with psycopg.connect(url) as conn:
            result["table_mb"] = float(conn.execute(TABLE_SIZE).fetchone()[0])  # type: ignore[index]
        result["explain"] = explain(url, ds)
        out["scales"].append(result)
    return out


def check_answer(key: str, body: dict[str, Any], per_stream: int, expected_latest: dict[int, int]) -> dict[str, Any]:
    if key == "latest_10k":
        assert "@iot.nextLink" not in body
        got = {d["@iot.id"]: d["Observations"][0]["@iot.id"] for d in body["value"]}
        return {"rows": len(got), "correct": got == expected_latest}
    if key == "day_range":
        expected = max(0, min(per_stream, 25) - 1)  # [BASE+1h, BASE+25h) holds k = 1 … 24 of every stream
        n = len(body["value"])
        return {"rows": n, "correct": n == expected}
    return {"count": body["@iot.count"], "correct": body["@iot.count"] == per_stream}


def explain(url: str, ds: int) -> dict[str, str]:
    """`EXPLAIN (ANALYZE, BUFFERS)` of the observation statements behind the (d) queries of one
    datastream, exactly as the server sends them: the requests run in-process against the same
    database and the statements are captured from the engine. (The count itself comes from the
    stream summary; its observations statement is the `$top=1` page.)"""
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from stadsdata.app import create_app
    from stadsdata.settings import Settings

    plans: dict[str, str] = {}
    with opened(url) as store, TestClient(create_app(Settings(database=url), store=store)) as client:
        assert store.engine is not None
        sent: list[tuple[str, Any]] = []

        def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
            if "FROM observations" in statement:
                sent.append((statement, parameters))

        for key, (path, params) in queries(ds).items():
            if key == "latest_10k":
                continue
            sent.clear()
            event.listen(store.engine, "before_cursor_execute", capture)
            try:
                client.get(path, params=params).raise_for_status()
            finally:
                event.remove(store.engine, "before_cursor_execute", capture)
            statement, parameters = sent[-1]
            with store.engine.connect() as conn:
                rows = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {statement}", parameters)
                plans[key] = "\n".join(r[0] for r in rows)
    return plans


# -- report -------------------------------------------------------------------------------------
INGEST = (
    ("copy", "(a) plain psycopg COPY (binary, baseline)"),
    ("store", "(b) store API Transaction.insert_observations"),
    ("http", "(c) HTTP POST /v1.1/CreateObservations"),
)
QUERY_LABELS = (
    ("latest_10k", "latest observation of each of 10 000 datastreams"),
    ("day_range", "one-day range of one datastream"),
    ("count", "$count of one datastream's observations"),
)


def report(results: dict[str, Any]) -> str:
    p = results["parameters"]
    env = results["environment"]
    lines = [
        f"stadsdata PostgreSQL benchmark: {fmt(p['observations'])} observations over {p['streams']} datastreams, "
        f"{fmt(BATCH)} per transaction / dataArray document",
        f"{env['postgres']}, Python {env['python']}, {env['cpus']} CPUs, "
        f"load average before/after: {env['load_before']:.2f} / {env['load_after']:.2f}",
        "",
        f"{'path':<48} {'obs/s':>9} {'× COPY':>8} {'CPU µs/obs':>11}",
        "-" * 80,
    ]
    ingest = results["ingest"]
    base = ingest["copy"]["per_s"]
    for key, label in INGEST:
        r = ingest[key]
        lines.append(f"{label:<48} {fmt(r['per_s']):>9} {r['per_s'] / base:>7.2f}× {r['cpu_us_per_obs']:>11.1f}")
    lines.append(
        "  (CPU µs/obs: this process for (a) and (b), the server process for (c); "
        "PostgreSQL's own CPU is not included)"
    )
    for key, label in INGEST[1:]:
        ratio = ingest[key]["per_s"] / base
        lines.append(f"  target {label.split(' ', 1)[1]} ≥ {TARGET_RATIO} × COPY: {'met' if ratio >= TARGET_RATIO else 'NOT met'} ({ratio:.2f})")
    q = results.get("queries")
    if q:
        scales = q["scales"]
        head = "".join(f"{fmt(s['observations']) + ' obs':>16}" for s in scales)
        lines += [
            "",
            f"(d) HTTP query latency, median of {p['runs']} runs (ms), {fmt(q['datastreams'])} datastreams, datastream k = {q['datastream']}",
            "-" * 80,
            f"{'query':<50}{head}{'ratio':>9}",
        ]
        for key, label in QUERY_LABELS:
            figures = [s[key]["median_ms"] for s in scales]
            ratio = figures[-1] / figures[0] if len(figures) > 1 else 1.0
            ok = all(s[key]["correct"] for s in scales)
            cells = "".join(f"{f:>16.1f}" for f in figures)
            lines.append(f"{label:<50}{cells}{ratio:>8.2f}×" + ("" if ok else "  WRONG ANSWER"))
        if len(scales) > 1:
            within = q["within_2x"]
            lines.append(
                f"{fmt(scales[-1]['observations'])} figures within {SCALE_LIMIT:.0f} × the {fmt(scales[0]['observations'])} ones: "
                + ("yes" if all(within.values()) else "NO: " + ", ".join(k for k, v in within.items() if not v))
            )
        for s in scales:
            load = s["load"]
            lines.append(
                f"  load to {fmt(s['observations'])}: COPY {load['copy_seconds']:.1f} s, indexes {load['index_seconds']:.1f} s, "
                f"summary UPDATE {load['summary_seconds']:.1f} s, VACUUM ANALYZE {load['vacuum_seconds']:.1f} s; "
                f"observations table {s['table_mb']:.0f} MB"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--observations", type=int, help="observations per ingest path (default 200 000; --quick 50 000)")
    parser.add_argument("--streams", type=int, default=10, help="datastreams the ingest is spread over (default 10)")
    parser.add_argument("--scales", help="observation counts for (d), comma-separated (default 1000000,10000000; --quick 100000,1000000)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each query in (d), after one warm-up (default 5)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--skip-queries", action="store_true", help="skip (d)")
    parser.add_argument("--no-json", action="store_true", help="do not write bench/results/postgres-<timestamp>.json")
    args = parser.parse_args(argv)
    observations = args.observations or (50_000 if args.quick else 200_000)
    scales = [int(s) for s in (args.scales or ("100000,1000000" if args.quick else "1000000,10000000")).split(",")]

    with psycopg.connect(ADMIN_URL) as conn:
        version = conn.execute("SELECT version()").fetchone()[0].split(" on ")[0]  # type: ignore[index]
    results: dict[str, Any] = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": {
            "observations": observations,
            "streams": args.streams,
            "batch": BATCH,
            "scales": None if args.skip_queries else scales,
            "runs": args.runs,
            "quick": args.quick,
        },
        "environment": {
            "python": platform.python_version(),
            "postgres": version,
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_before": os.getloadavg()[0],
        },
    }
    started = time.perf_counter()
    batches = workload(observations, args.streams)
    bodies = [data_array_body(stream + 1, rows) for stream, rows in batches]
    scratch = Scratch()
    try:
        print("(a) plain COPY …", flush=True)
        ingest = {"copy": bench_copy(scratch.create("copy"), batches, args.streams)}
        print("(b) store API …", flush=True)
        ingest["store"] = bench_store(scratch.create("store"), batches, args.streams)
        print("(c) HTTP CreateObservations …", flush=True)
        ingest["http"] = bench_http(scratch.create("http"), bodies, observations, args.streams)
        for value in ingest.values():
            value["ratio_to_copy"] = value["per_s"] / ingest["copy"]["per_s"]
        results["ingest"] = ingest
        results["targets"] = {
            "ratio": TARGET_RATIO,
            "store_met": ingest["store"]["ratio_to_copy"] >= TARGET_RATIO,
            "http_met": ingest["http"]["ratio_to_copy"] >= TARGET_RATIO,
        }
        if not args.skip_queries:
            q = bench_scales(scratch.create("query"), scales, args.runs)
            q["within_2x"] = {
                key: q["scales"][-1][key]["median_ms"] <= SCALE_LIMIT * q["scales"][0][key]["median_ms"] for key, _ in QUERY_LABELS
            }
            results["queries"] = q
    finally:
        scratch.drop_all()
    results["environment"]["load_after"] = os.getloadavg()[0]
    results["total_seconds"] = time.perf_counter() - started
    print()
    print(report(results))
    print(f"\ntotal {results['total_seconds']:.1f} s")
    if not args.no_json:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        out = RESULTS_DIR / f"postgres-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
        out.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
        print(f"results: {out}")
    wrong = [k for s in results.get("queries", {}).get("scales", []) for k, _ in QUERY_LABELS if not s[k]["correct"]]
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
