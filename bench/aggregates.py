#!/usr/bin/env python
"""Aggregates at 10 M observations: the hourly rollups against the raw rows (issue 17; not a pytest test).

    python bench/aggregates.py [--streams 20] [--per-stream 500000] [--runs 5] [--quick]
                               [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

Builds a SQLite database of S Datastreams with K observations each, one a minute (default 20 × 500 000 =
10 M, about 347 days a stream), loaded with bulk SQL as `bench/latest.py` loads them, and the hourly rollups
(count, sum, min, max, sum of squares) made from them with one INSERT … SELECT, as ingest keeps them. Then,
through the platform's own API in process (`GET /api/v1/aggregates` as an admin, access enforced), in the
same run:

  rollups       a year of daily means of one stream (and of all S streams): `source=auto`, which reads the rollups
  observations  the same with `source=observations`, which reads and folds the raw rows

and checks that both answers agree (counts equal, means within 1e-9). Reported: the median of --runs after one
warm-up, and the ratio observations / rollups (the issue asks for ≥ 50×). Prints a Markdown table.
SQLite by default; with --postgres ADMIN_URL on PostgreSQL instead (a scratch database is created and
dropped, loaded with `bench/latest.py`'s COPY-free INSERT … SELECT).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
import latest  # noqa: E402  (bench/latest.py: the bulk load)
from fastapi.testclient import TestClient  # noqa: E402

from stadsdata.access.api_keys import generate_api_key  # noqa: E402
from stadsdata.app import create_app  # noqa: E402
from stadsdata.settings import Settings  # noqa: E402
from stadsdata.store.sqlite.backend import SqliteStore  # noqa: E402

ROLLUPS = """
INSERT INTO observation_rollups (datastream_id, bucket_start, count, sum, min, max, sum_squares)
SELECT datastream_id, (phenomenon_time_start / 3600000000) * 3600000000, count(*), sum(result_number), min(result_number),
       max(result_number), sum(result_number * result_number)
FROM observations WHERE datastream_id IS NOT NULL AND result_number IS NOT NULL
GROUP BY datastream_id, (phenomenon_time_start / 3600000000) * 3600000000
"""
PG_HOUR = "date_trunc('hour', phenomenon_time_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
PG_ROLLUPS = ROLLUPS.replace("(phenomenon_time_start / 3600000000) * 3600000000", PG_HOUR)


def build_postgres(store: Any, url: str, streams: int, per_stream: int) -> tuple[list[int], dict[str, float]]:
    import psycopg

    ids, feature, _ = latest.build_entities(store, streams)
    latest.STEP = timedelta(minutes=1)
    _, timings = latest.load_postgres(store, url, ids, feature, per_stream)
    start = time.perf_counter()
    with psycopg.connect(url) as conn:
        conn.execute(PG_ROLLUPS)
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE observation_rollups")
    timings["rollup_seconds"] = time.perf_counter() - start
    return ids, timings


def build(path: Path, streams: int, per_stream: int) -> tuple[list[int], dict[str, float]]:
    store = SqliteStore(path)
    store.open()
    ids, feature, _ = latest.build_entities(store, streams)
    store.close()
    latest.STEP = timedelta(minutes=1)  # one reading a minute: 500 000 span 347 days
    _, timings = latest.load_sqlite(path, ids, feature, per_stream)
    start = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute(ROLLUPS)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    timings["rollup_seconds"] = time.perf_counter() - start
    return ids, timings


def timed(client: TestClient, params: dict[str, Any], headers: dict[str, str], runs: int) -> tuple[float, Any]:
    answer = client.get("/api/v1/aggregates", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get("/api/v1/aggregates", params=params, headers=headers)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200
    return statistics.median(times), answer.json()


def agree(a: dict[str, Any], b: dict[str, Any]) -> bool:
    for x, y in zip(a["datastreams"], b["datastreams"], strict=True):
        for p, q in zip(x["buckets"], y["buckets"], strict=True):
            if p["count"] != q["count"] or (p["mean"] is None) != (q["mean"] is None):
                return False
            if p["mean"] is not None and abs(p["mean"] - q["mean"]) > 1e-9 * max(1.0, abs(q["mean"])):
                return False
    return True


def measure(store: Any, database: str, ids: list[int], streams: int, runs: int) -> list[tuple[str, int, float, float, bool]]:
    """A year of daily means of one and of all streams: rollups and raw rows, through the API."""
    from datetime import UTC, datetime

    key = generate_api_key()
    with store.write() as tx:
        tx.access.add_api_key(key.prefix, key.key_hash, "bench", None, is_admin=True, can_write=True, expires_at=None, now=datetime.now(UTC))
    admin = {"X-API-Key": key.secret_key}
    span = {"from": latest.BASE.isoformat(), "to": (latest.BASE + timedelta(days=365)).isoformat(), "interval": "day",
            "functions": "mean,count", "timezone": "UTC"}  # fmt: skip
    rows = []
    with TestClient(create_app(Settings(database=database, access_mode="enforced", mqtt_embedded=False), store=store)) as client:
        for label, selection in (("one stream", str(ids[0])), (f"all {streams} streams", ",".join(map(str, ids)))):
            fast, a = timed(client, {**span, "datastreams": selection}, admin, runs)
            slow, b = timed(client, {**span, "datastreams": selection, "source": "observations"}, admin, runs)
            assert a["source"] == "rollups" and b["source"] == "observations"
            read = sum(bucket["count"] for d in b["datastreams"] for bucket in d["buckets"])
            rows.append((label, read, fast, slow, agree(a, b)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=20)
    parser.add_argument("--per-stream", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="4 streams × 50 000 (a smoke test)")
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="on PostgreSQL (a scratch database is created and dropped)")
    args = parser.parse_args(argv)
    streams, per_stream = (4, 50_000) if args.quick else (args.streams, args.per_stream)
    if args.postgres:
        with latest.postgres_database(args.postgres) as (store, url):
            started = time.perf_counter()
            ids, timings = build_postgres(store, url, streams, per_stream)
            print(f"loaded {streams} × {per_stream:,} observations in {time.perf_counter() - started:.0f} s ({timings})", flush=True)
            rows = measure(store, url, ids, streams, args.runs)
    else:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "aggregates.db"
            started = time.perf_counter()
            ids, timings = build(path, streams, per_stream)
            print(f"loaded {streams} × {per_stream:,} observations in {time.perf_counter() - started:.0f} s ({timings})", flush=True)
            store = SqliteStore(path)
            store.open()
            try:
                rows = measure(store, str(path), ids, streams, args.runs)
            finally:
                store.close()
    print(f"\n{'PostgreSQL' if args.postgres else 'SQLite'}")
    print(f"\n| a year of daily means ({streams * per_stream:,} observations in the table) | raw rows read | rollups | raw rows | ratio | same answer |")
    print("|---|---|---|---|---|---|")
    for label, read, fast, slow, same in rows:
        print(f"| {label} | {read:,} | {fast * 1000:.1f} ms | {slow * 1000:.0f} ms | {slow / fast:.0f}× | {'yes' if same else 'NO'} |")
    return 0 if all(row[4] for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
