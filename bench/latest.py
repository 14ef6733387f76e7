#!/usr/bin/env python
"""The latest value of every datastream over HTTP (issue 16, the hot path; not a pytest test).

    python bench/latest.py [--quick] [--streams 10000] [--per-stream 1000] [--runs 7]
                           [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--skip-sqlite]

Builds, per backend, S Datastreams (100 per Thing, each Thing at its own Location) with K
observations each (default 10 000 × 1 000 = 10 M), every second stream in a non-public dataset
(the others public), then starts a real `stadsdata serve` (access enforced) and times, over HTTP
on one keep-alive connection (stdlib `http.client`, the whole body read), as an admin (API key)
and as an anonymous caller (who sees only the public half: the access scope is in every query):

  expand         GET /v1.1/Datastreams?$top=S&$expand=Observations($top=1;$orderby=phenomenonTime desc)
  latest-values  GET /api/v1/latest-values

Reported: the median wall time of --runs after one warm-up, and in the same run the floor: the
same rows read by one plain query with the driver (`sqlite3` / `psycopg`), shaped into the same
JSON (the same links and values: the floor's body must equal the server's) and serialised with
orjson, no HTTP; the ratio is server / floor. Checked: the latest observation id of every stream
equals the ground truth (known from how the data is made), the anonymous caller gets exactly the
public streams, and the floor's body equals the server's.

The observations are loaded with bulk SQL (SQLite: one INSERT … SELECT over a recursive series,
PostgreSQL: INSERT … SELECT generate_series, indexes dropped during the load and rebuilt), with
per-stream times that are not in id order, so the latest observation is not the last stored one.
The per-stream summary columns (count, time extent, latest observation, observed area) are then
set with one UPDATE and checked against the store's own `StreamSummaries.recompute` on a sample.

Writes JSON to bench/results/latest-<timestamp>.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import sqlite3
import statistics
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

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import MEASUREMENT, server  # noqa: E402

from stadsdata.model.entities import DATASTREAM, FEATURE_OF_INTEREST, LOCATION, OBSERVED_PROPERTY, SENSOR, THING  # noqa: E402
from stadsdata.model.values import format_instant  # noqa: E402
from stadsdata.store.schema import RESULT_FLOAT  # noqa: E402
from stadsdata.store.types import to_micros  # noqa: E402

RESULTS_DIR = Path(__file__).resolve().parent / "results"
BASE = datetime(2024, 3, 1, tzinfo=UTC)
STEP = timedelta(hours=1)  # 1 000 observations a stream span 42 days: two month partitions on PostgreSQL
STREAMS_PER_THING = 100
TARGET_MS = 200.0
EXPAND = "Observations($top=1;$orderby=phenomenonTime desc)"
ROOT = "/v1.1"


# -- the data -----------------------------------------------------------------------------------
def multiplier(per_stream: int) -> int:
    """A step coprime with K: observation k of a stream is at time slot (k·m mod K), so a
    stream's times are a permutation of its K slots and its latest is not its last stored."""
    m = 7
    while _gcd(m, per_stream) != 1:
        m += 1
    return m


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def offset_seconds(stream: int) -> int:
    return (stream * 7) % 50  # < one STEP: each stream has its own times


class Truth:
    """What the data is, computed from how it is made (not read back)."""

    def __init__(self, ids: list[int], per_stream: int, first_id: int, public: set[int]) -> None:
        self.ids, self.per_stream, self.public = ids, per_stream, public
        m = multiplier(per_stream)
        k = next(k for k in range(per_stream) if (k * m) % per_stream == per_stream - 1)  # the last slot
        rank = {stream: i for i, stream in enumerate(ids)}
        self.latest = {s: first_id + k * len(ids) + rank[s] for s in ids}
        self.time = {s: BASE + (per_stream - 1) * STEP + timedelta(seconds=offset_seconds(s)) for s in ids}
        self.value = {s: value(k) for s in ids}


def value(k: int) -> float:
    return 10.0 + (k % 500) * 0.25


def build_entities(store: Any, streams: int) -> tuple[list[int], int, set[int]]:
    """Things (100 streams each, one Location each), a Sensor, two ObservedProperties, the
    Datastreams and a FeatureOfInterest, through the store; every second stream in a non-public
    dataset of a party. Returns (datastream ids, feature id, ids of the public streams)."""
    unit = {"name": "degree Celsius", "symbol": "degC", "definition": "http://unitsofmeasure.org/ucum.html#para-30"}
    ids: list[int] = []
    with store.write() as tx:
        sensor = tx.insert(SENSOR, {"name": "sensor", "description": "s", "encodingType": "application/pdf", "metadata": "https://example.org/s.pdf"})
        props = [
            tx.insert(OBSERVED_PROPERTY, {"name": name, "definition": f"https://example.org/{name}", "description": name})
            for name in ("temperature", "humidity")
        ]
        point = {"type": "Point", "coordinates": [5.12, 52.09]}
        for t in range((streams + STREAMS_PER_THING - 1) // STREAMS_PER_THING):
            thing = tx.insert(THING, {"name": f"thing {t}", "description": "bench", "properties": {"n": t}})
            here = {"type": "Point", "coordinates": [4.8 + (t % 50) * 0.01, 52.3 + (t // 50) * 0.01]}
            location = tx.insert(LOCATION, {"name": f"at {t}", "description": "here", "encodingType": "application/geo+json", "location": here})
            tx.link(THING, thing, "Locations", [location])
            for i in range(min(STREAMS_PER_THING, streams - len(ids))):
                ids.append(tx.insert(DATASTREAM, {
                    "name": f"stream {len(ids)}", "description": "bench stream", "unitOfMeasurement": unit,
                    "observationType": MEASUREMENT, "Thing": thing, "Sensor": sensor, "ObservedProperty": props[i % 2],
                }))  # fmt: skip
        feature = tx.insert(FEATURE_OF_INTEREST, {"name": "feature", "description": "here", "encodingType": "application/geo+json", "feature": point})
        now = datetime.now(UTC)
        owner = tx.access.add_party("bench owner", "company", None, now)
        closed = tx.access.add_dataset("closed", "closed streams", "non-public", owner, "", now)
        tx.access.assign_streams(closed, ids[1::2], [])
    return ids, feature, set(ids[0::2])


SQLITE_SUMMARY = """
UPDATE datastreams SET
    observation_count = (SELECT count(*) FROM observations o WHERE o.datastream_id = datastreams.id),
    phenomenon_time_start = (SELECT min(phenomenon_time_start) FROM observations o WHERE o.datastream_id = datastreams.id),
    phenomenon_time_end = (SELECT max(phenomenon_time_end) FROM observations o WHERE o.datastream_id = datastreams.id),
    result_time_start = NULL, result_time_end = NULL,
    latest_observation_id = (SELECT id FROM observations o WHERE o.datastream_id = datastreams.id
                             ORDER BY phenomenon_time_start DESC, id DESC LIMIT 1),
    latest_phenomenon_time = (SELECT max(phenomenon_time_start) FROM observations o WHERE o.datastream_id = datastreams.id),
    area_minx = (SELECT bbox_minx FROM features_of_interest WHERE id = :feature),
    area_miny = (SELECT bbox_miny FROM features_of_interest WHERE id = :feature),
    area_maxx = (SELECT bbox_maxx FROM features_of_interest WHERE id = :feature),
    area_maxy = (SELECT bbox_maxy FROM features_of_interest WHERE id = :feature)
"""

POSTGRES_SUMMARY = """
UPDATE datastreams AS d SET
    observation_count = s.n, phenomenon_time_start = s.pt_start, phenomenon_time_end = s.pt_end,
    result_time_start = NULL, result_time_end = NULL,
    latest_observation_id = l.id, latest_phenomenon_time = l.phenomenon_time_start,
    area_minx = f.bbox_minx, area_miny = f.bbox_miny, area_maxx = f.bbox_maxx, area_maxy = f.bbox_maxy
FROM (
    SELECT datastream_id, count(*) AS n, min(phenomenon_time_start) AS pt_start, max(phenomenon_time_end) AS pt_end
    FROM observations WHERE datastream_id IS NOT NULL GROUP BY datastream_id
) AS s
JOIN (
    SELECT DISTINCT ON (datastream_id) datastream_id, id, phenomenon_time_start
    FROM observations WHERE datastream_id IS NOT NULL
    ORDER BY datastream_id, phenomenon_time_start DESC, id DESC
) AS l ON l.datastream_id = s.datastream_id,
features_of_interest AS f
WHERE d.id = s.datastream_id AND f.id = %(feature)s
"""


def load_sqlite(path: Path, ids: list[int], feature: int, per_stream: int) -> tuple[int, dict[str, float]]:
    """INSERT … SELECT of every observation (explicit ids; round k of every stream after round
    k-1, as live ingest stores them), indexes rebuilt after, then the summary UPDATE."""
    timings: dict[str, float] = {}
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-262144")
    conn.execute("CREATE TEMP TABLE bench_streams (rank INTEGER PRIMARY KEY, id INTEGER NOT NULL)")
    conn.executemany("INSERT INTO bench_streams VALUES (?, ?)", list(enumerate(ids)))
    first_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM observations").fetchone()[0]
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'observations' AND sql IS NOT NULL"
    ).fetchall()
    start = time.perf_counter()
    conn.execute("BEGIN")
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    m, base, step = multiplier(per_stream), to_micros(BASE), int(STEP.total_seconds() * 1_000_000)
    conn.execute(
        f"""INSERT INTO observations (id, phenomenon_time_start, phenomenon_time_end, result_type, result_number,
                                      datastream_id, feature_of_interest_id)
        WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < {per_stream - 1})
        SELECT {first_id} + k.n * {len(ids)} + s.rank,
               {base} + ((k.n * {m}) % {per_stream}) * {step} + ((s.id * 7) % 50) * 1000000,
               {base} + ((k.n * {m}) % {per_stream}) * {step} + ((s.id * 7) % 50) * 1000000,
               {RESULT_FLOAT}, 10.0 + (k.n % 500) * 0.25, s.id, {feature}
        FROM k CROSS JOIN bench_streams AS s ORDER BY k.n, s.rank"""
    )
    timings["insert_seconds"] = time.perf_counter() - start
    start = time.perf_counter()
    for _, sql in indexes:
        conn.execute(sql)
    timings["index_seconds"] = time.perf_counter() - start
    start = time.perf_counter()
    conn.execute(SQLITE_SUMMARY, {"feature": feature})
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    timings["summary_seconds"] = time.perf_counter() - start
    conn.close()
    return first_id, timings


def load_postgres(store: Any, url: str, ids: list[int], feature: int, per_stream: int) -> tuple[int, dict[str, float]]:
    import psycopg

    timings: dict[str, float] = {}
    with store.write() as tx:  # the month partitions of the load, as the store makes them
        tx.prepare_observation_times([BASE + k * STEP + timedelta(seconds=s) for k in range(per_stream) for s in (0, 59)])
    with psycopg.connect(url) as conn:
        indexes = [
            (name, definition.replace(" ON ONLY ", " ON "))
            for name, definition in conn.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'observations' AND indexname NOT LIKE '%pkey'"
            ).fetchall()
        ]
        first_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM observations").fetchone()[0]  # type: ignore[index]
        conn.execute("CREATE TEMP TABLE bench_streams (rank int8 PRIMARY KEY, id int8 NOT NULL)")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO bench_streams VALUES (%s, %s)", list(enumerate(ids)))
        conn.execute("SET session_replication_role = replica")  # no FK triggers during the load (the data is valid)
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        start = time.perf_counter()
        m = multiplier(per_stream)
        conn.execute(
            f"""INSERT INTO observations (id, phenomenon_time_start, phenomenon_time_end, result_type, result_number,
                                          datastream_id, feature_of_interest_id)
            SELECT %(first)s + k * %(n)s + s.rank, t, t, {RESULT_FLOAT}, 10.0 + (k %% 500) * 0.25, s.id, %(feature)s
            FROM generate_series(0, %(k)s - 1) AS k CROSS JOIN bench_streams AS s,
                 LATERAL (SELECT %(base)s::timestamptz + ((k * {m}) %% %(k)s) * %(step)s::interval
                                 + ((s.id * 7) %% 50) * interval '1 second' AS t) AS time
            ORDER BY k, s.rank""",
            {"first": first_id, "n": len(ids), "feature": feature, "k": per_stream, "base": BASE, "step": STEP},
        )
        last = first_id + per_stream * len(ids) - 1
        conn.execute("SELECT setval(pg_get_serial_sequence('observations', 'id'), %s)", (last,))
        conn.execute("SET session_replication_role = DEFAULT")
        timings["insert_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '512MB'")
        for _, definition in indexes:
            conn.execute(definition)
        timings["index_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        conn.execute("SET work_mem = '256MB'")
        conn.execute(POSTGRES_SUMMARY, {"feature": feature})
        conn.commit()
        timings["summary_seconds"] = time.perf_counter() - start
    start = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    timings["vacuum_seconds"] = time.perf_counter() - start
    return first_id, timings


def check_summary(store: Any, ids: list[int]) -> bool | None:
    """The summary columns of a sample of streams equal what the store's own
    `StreamSummaries.recompute` makes of them (recomputed in a transaction that is rolled back)."""
    from sqlalchemy import select

    from stadsdata.store.schema import datastreams
    from stadsdata.store.sql.summary import _SUMMARY_COLUMNS, StreamSummaries

    sample = sorted(set(ids[:: max(1, len(ids) // 20)] + ids[-3:]))
    columns = [datastreams.c.id, *(datastreams.c[n] for n in _SUMMARY_COLUMNS)]
    stmt = select(*columns).where(datastreams.c.id.in_(sample)).order_by(datastreams.c.id)

    class Rollback(Exception):
        pass

    if not hasattr(StreamSummaries, "recompute"):
        print("    (StreamSummaries.recompute is not there in this checkout: summary not cross-checked)", flush=True)
        return None
    try:
        with store.write() as tx:
            loaded = [tuple(r) for r in tx.conn.execute(stmt)]
            tx.summaries.recompute([("Datastream", i) for i in sample])
            recomputed = [tuple(r) for r in tx.conn.execute(stmt)]
            raise Rollback
    except Rollback:
        pass
    return loaded == recomputed


# -- the floor: the same answer with the plain driver and orjson --------------------------------
FLOOR_EXPAND_SQLITE = """
SELECT d.id, d.name, d.description, d.unit_of_measurement, d.observation_type, d.properties,
       d.phenomenon_time_start, d.phenomenon_time_end, d.result_time_start, d.result_time_end,
       d.area_minx, d.area_miny, d.area_maxx, d.area_maxy, d.observation_count,
       o.id, o.phenomenon_time_start, o.result_number
FROM datastreams d LEFT JOIN observations o ON o.id = d.latest_observation_id AND o.phenomenon_time_start = d.latest_phenomenon_time
WHERE {where} ORDER BY d.id
"""
FLOOR_LATEST_VALUES = """
SELECT t.id, t.name, t.properties, l.location, d.id, d.name, d.unit_of_measurement, p.name, o.phenomenon_time_start, o.result_number
FROM datastreams d JOIN things t ON t.id = d.thing_id JOIN observed_properties p ON p.id = d.observed_property_id
LEFT JOIN observations o ON o.id = d.latest_observation_id AND o.phenomenon_time_start = d.latest_phenomenon_time
LEFT JOIN things_locations tl ON tl.thing_id = t.id LEFT JOIN locations l ON l.id = tl.location_id
WHERE {where} ORDER BY t.id, d.id
"""


class Floor:
    """One plain driver connection; times as the driver gives them (SQLite: microseconds)."""

    def __init__(self, backend: str, target: str, public: bool) -> None:
        self.backend = backend
        if backend == "sqlite":
            self.conn: Any = sqlite3.connect(target)
            where = "(d.dataset_id IS NULL)" if public else "1 = 1"
            self.instant: Callable[[Any], str] = lambda v: format_instant(datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=v))
            self.json: Callable[[Any], Any] = orjson.loads
        else:
            import psycopg

            self.conn = psycopg.connect(target, autocommit=True, options="-c timezone=UTC")
            where = "(d.dataset_id IS NULL)" if public else "true"
            self.instant = format_instant
            self.json = lambda v: v
        self.expand_sql = FLOOR_EXPAND_SQLITE.format(where=where)
        self.values_sql = FLOOR_LATEST_VALUES.format(where=where)

    def expand(self, root: str) -> bytes:
        instant, json = self.instant, self.json
        ds_root, obs_root = f"{root}/Datastreams(", f"{root}/Observations("
        out = []
        for (i, name, description, unit, kind, properties, pt_start, pt_end, rt_start, rt_end, minx, miny, maxx, maxy, count,
             o, o_start, result) in self.conn.execute(self.expand_sql).fetchall():  # fmt: skip
            link = f"{ds_root}{i})"
            item: dict[str, Any] = {"@iot.selfLink": link, "@iot.id": i, "name": name, "description": description,
                                    "unitOfMeasurement": json(unit), "observationType": kind}  # fmt: skip
            if properties is not None:
                item["properties"] = json(properties)
            if minx is None:
                item["observedArea"] = None
            elif (minx, miny) == (maxx, maxy):
                item["observedArea"] = {"type": "Point", "coordinates": [minx, miny]}
            else:
                ring = [[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]
                item["observedArea"] = {"type": "Polygon", "coordinates": [ring]}
            item["phenomenonTime"] = None if pt_start is None else f"{instant(pt_start)}/{instant(pt_end)}"
            item["resultTime"] = None if rt_start is None else f"{instant(rt_start)}/{instant(rt_end)}"
            item["Thing@iot.navigationLink"] = f"{link}/Thing"
            item["Sensor@iot.navigationLink"] = f"{link}/Sensor"
            item["ObservedProperty@iot.navigationLink"] = f"{link}/ObservedProperty"
            olink = f"{obs_root}{o})"
            item["Observations"] = [] if o is None else [{
                "@iot.selfLink": olink, "@iot.id": o, "phenomenonTime": instant(o_start), "result": result,
                "resultTime": None, "resultQuality": None, "validTime": None,
                "Datastream@iot.navigationLink": f"{olink}/Datastream",
                "MultiDatastream@iot.navigationLink": f"{olink}/MultiDatastream",
                "FeatureOfInterest@iot.navigationLink": f"{olink}/FeatureOfInterest",
            }]  # fmt: skip
            if count > 1:
                item["Observations@iot.nextLink"] = f"{link}/Observations?$orderby=phenomenonTime+desc&$top=1&$skip=1"
            out.append(item)
        return orjson.dumps({"value": out})

    def latest_values(self) -> bytes:
        features: list[dict[str, Any]] = []
        current: dict[str, Any] | None = None
        for thing, name, properties, location, stream, stream_name, unit, prop, time_value, result in self.conn.execute(self.values_sql).fetchall():
            if current is None or current["id"] != thing:
                current = {"type": "Feature", "id": thing, "geometry": self.json(location),
                           "properties": {"name": name, "properties": self.json(properties), "datastreams": []}}  # fmt: skip
                features.append(current)
            current["properties"]["datastreams"].append({
                "id": stream, "name": stream_name, "observedProperty": prop, "unitOfMeasurement": self.json(unit),
                "phenomenonTime": None if time_value is None else self.instant(time_value), "result": result,
            })  # fmt: skip
        return orjson.dumps({"type": "FeatureCollection", "features": features})

    def close(self) -> None:
        self.conn.close()


# -- HTTP ---------------------------------------------------------------------------------------
def admin_key(database: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "stadsdata.cli", "keys", "create", "latest bench", "--admin", "--database", database],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return out.stdout.strip().splitlines()[-1]


def get(conn: http.client.HTTPConnection, path: str, key: str | None) -> bytes:
    conn.request("GET", path, headers={"Authorization": f"Bearer {key}"} if key else {})
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: {response.status} {body[:500]!r}")
    return body


def timed(fn: Callable[[], bytes], runs: int) -> tuple[list[float], bytes]:
    body = fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        body = fn()
        times.append((time.perf_counter() - start) * 1000)
    return times, body


def normalised_values(body: bytes) -> Any:
    """A latest-values body with phenomenonTime as an instant (its text may differ in form)."""
    doc = orjson.loads(body)
    for feature in doc["features"]:
        for stream in feature["properties"]["datastreams"]:
            if stream["phenomenonTime"] is not None:
                stream["phenomenonTime"] = datetime.fromisoformat(stream["phenomenonTime"].replace("Z", "+00:00"))
    return doc


def measure(backend: str, database: str, truth: Truth, runs: int) -> list[dict[str, Any]]:
    key = admin_key(database)
    expand_path = f"{ROOT}/Datastreams?" + urlencode({"$top": str(len(truth.ids)), "$expand": EXPAND}, safe="$(),;=")
    rows: list[dict[str, Any]] = []
    env = {"STADSDATA_DEFAULT_ACCESS_LEVEL": "public", "STADSDATA_MAX_TOP": str(max(10_000, len(truth.ids)))}
    with server(Path(database) if backend == "sqlite" else database, access="enforced", extra_env=env) as (base, _):  # type: ignore[arg-type]
        port = int(base.rsplit(":", 1)[1])
        root = f"http://127.0.0.1:{port}{ROOT}"
        for caller, credentials in (("admin", key), ("anonymous", None)):
            floor = Floor(backend, database, public=credentials is None)
            try:
                for request, path in (("expand", expand_path), ("latest-values", "/api/v1/latest-values")):
                    # a new connection per request kind (the server closes one idle for 5 s)
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                    times, body = timed(lambda p=path, k=credentials, c=conn: get(c, p, k), runs)  # type: ignore[misc]
                    conn.close()
                    floor_fn = (lambda f=floor: f.expand(root)) if request == "expand" else floor.latest_values
                    floor_times, floor_body = timed(floor_fn, runs)
                    expected = truth.ids if credentials else [s for s in truth.ids if s in truth.public]
                    if request == "expand":
                        doc = orjson.loads(body)
                        got = {d["@iot.id"]: [o["@iot.id"] for o in d["Observations"]] for d in doc["value"]}
                        correct = got == {s: [truth.latest[s]] for s in expected} and "@iot.nextLink" not in doc
                        same_as_floor = doc == orjson.loads(floor_body)
                        n = len(doc["value"])
                    else:
                        doc = orjson.loads(body)
                        got_values = {d["id"]: (d["phenomenonTime"], d["result"]) for f in doc["features"] for d in f["properties"]["datastreams"]}
                        want = {s: (format_instant(truth.time[s]), truth.value[s]) for s in expected}
                        correct = got_values == want
                        same_as_floor = normalised_values(body) == normalised_values(floor_body)
                        n = len(got_values)
                    row = {
                        "backend": backend, "request": request, "caller": caller, "streams": n, "bytes": len(body),
                        "ms": times, "median_ms": statistics.median(times),
                        "floor_ms": floor_times, "floor_median_ms": statistics.median(floor_times),
                        "correct": correct, "same_as_floor": same_as_floor,
                    }  # fmt: skip
                    row["ratio"] = row["median_ms"] / row["floor_median_ms"]
                    rows.append(row)
                    print(f"    {request:<14} {caller:<9} {row['median_ms']:8.1f} ms  floor {row['floor_median_ms']:7.1f} ms  "
                          f"correct {correct}  floor body equal {same_as_floor}", flush=True)  # fmt: skip
            finally:
                floor.close()
    return rows


# -- per backend --------------------------------------------------------------------------------
@contextmanager
def sqlite_database(directory: Path) -> Iterator[tuple[Any, str]]:
    from stadsdata.store.sqlite.backend import SqliteStore

    path = directory / "latest.db"
    store = SqliteStore(path)
    store.open()
    try:
        yield store, str(path)
    finally:
        store.close()


@contextmanager
def postgres_database(admin_url: str) -> Iterator[tuple[Any, str]]:
    import psycopg

    from stadsdata.store.postgres.backend import PostgresStore

    name = f"stadsdata_bench_latest_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        store = PostgresStore(url)
        store.open()
        try:
            yield store, url
        finally:
            store.close()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


LATEST_JOIN = """
SELECT d.id, d.observation_count, o.*
FROM datastreams d JOIN observations o ON o.id = d.latest_observation_id AND o.phenomenon_time_start = d.latest_phenomenon_time
WHERE d.id = ANY(%s)
"""


def explain_postgres(url: str, ids: list[int]) -> str:
    """EXPLAIN ANALYZE of the join behind the expand shortcut (`SqlReader._latest`; the reader
    sends the ids as an IN list of 5 000 per statement)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + LATEST_JOIN, (ids[:5000],)).fetchall()
    return re.sub(r"'\{[0-9,]{60,}\}'", "'{…the ids…}'", "\n".join(r[0] for r in rows))


def run_backend(backend: str, store: Any, database: str, streams: int, per_stream: int, runs: int) -> dict[str, Any]:
    print(f"[{backend}] {streams} datastreams × {per_stream} observations …", flush=True)
    start = time.perf_counter()
    ids, feature, public = build_entities(store, streams)
    timings: dict[str, float] = {"entities_seconds": time.perf_counter() - start}
    if backend == "sqlite":
        store.close()
        first_id, load = load_sqlite(Path(database), ids, feature, per_stream)
        store.open()
    else:
        first_id, load = load_postgres(store, database, ids, feature, per_stream)
    timings.update(load)
    summary_ok = check_summary(store, ids)
    store.close()
    print(f"    built in {sum(timings.values()):.1f} s {({k: round(v, 1) for k, v in timings.items()})}; "
          f"summary equals the store's recompute: {summary_ok}", flush=True)  # fmt: skip
    truth = Truth(ids, per_stream, first_id, public)
    rows = measure(backend, database, truth, runs)
    plan = explain_postgres(database, ids) if backend == "postgresql" else None
    if plan:
        print("    EXPLAIN ANALYZE of the latest join (5 000 streams):\n      " + plan.replace("\n", "\n      "), flush=True)
    return {"explain": plan, "backend": backend, "streams": streams, "per_stream": per_stream, "observations": streams * per_stream,
            "public_streams": len(public), "build": timings, "summary_matches_store": summary_ok, "rows": rows}  # fmt: skip


def report(results: dict[str, Any]) -> str:
    p = results["parameters"]
    lines = [
        f"latest value of every datastream over HTTP: {p['streams']:,} datastreams × {p['per_stream']:,} observations "
        f"({p['streams'] * p['per_stream']:,}), median of {p['runs']} runs after a warm-up; anonymous sees the public half",
        "",
        "| backend | request | caller | streams | body MB | HTTP ms (median) | floor ms | ratio | ≤ 200 ms | correct | = floor |",
        "|---|---|---|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for part in results["backends"]:
        for r in part["rows"]:
            lines.append(
                f"| {r['backend']} | {r['request']} | {r['caller']} | {r['streams']:,} | {r['bytes'] / 1e6:.1f} | "
                f"{r['median_ms']:.1f} | {r['floor_median_ms']:.1f} | {r['ratio']:.2f} | "
                f"{'yes' if r['median_ms'] <= TARGET_MS else 'NO'} | {'yes' if r['correct'] else 'NO'} | {'yes' if r['same_as_floor'] else 'NO'} |"
            )
    lines.append("")
    for part in results["backends"]:
        build = ", ".join(f"{k.removesuffix('_seconds')} {v:.1f} s" for k, v in part["build"].items())
        lines.append(f"- {part['backend']}: built in {sum(part['build'].values()):.0f} s ({build}); "
                     f"summary columns equal the store's own recompute on a sample: {({True: 'yes', False: 'NO', None: 'not checked'})[part['summary_matches_store']]}")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, help="datastreams (default 10 000; --quick 2 000)")
    parser.add_argument("--per-stream", type=int, help="observations per datastream (default 1 000; --quick 50)")
    parser.add_argument("--runs", type=int, help="timed runs of each request after one warm-up (default 7; --quick 3)")
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke test")
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="also on PostgreSQL (a scratch database is created and dropped)")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--no-json", action="store_true", help="do not write bench/results/latest-*.json")
    args = parser.parse_args(argv)
    streams = args.streams or (2_000 if args.quick else 10_000)
    per_stream = args.per_stream or (50 if args.quick else 1_000)
    runs = args.runs or (3 if args.quick else 7)
    results: dict[str, Any] = {
        "parameters": {"streams": streams, "per_stream": per_stream, "runs": runs, "target_ms": TARGET_MS},
        "environment": {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
                        "time": datetime.now(UTC).isoformat()},  # fmt: skip
        "backends": [],
    }
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory(prefix="stadsdata-latest-") as tmp, sqlite_database(Path(tmp)) as (store, path):
            results["backends"].append(run_backend("sqlite", store, path, streams, per_stream, runs))
    if args.postgres:
        with postgres_database(args.postgres) as (store, url):
            results["backends"].append(run_backend("postgresql", store, url, streams, per_stream, runs))
    text = report(results)
    print()
    print(text)
    if not args.no_json:
        RESULTS_DIR.mkdir(exist_ok=True)
        out = RESULTS_DIR / f"latest-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
        out.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
        print(f"\nwrote {out}")
    ok = all(r["correct"] and r["same_as_floor"] for part in results["backends"] for r in part["rows"])
    ok = ok and all(part["summary_matches_store"] is not False for part in results["backends"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
