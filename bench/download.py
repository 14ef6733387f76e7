#!/usr/bin/env python
"""Download benchmark for stadsdata (not a pytest test): a streamed download of many observations
with flat memory.

    python bench/download.py [--rows N] [--streams S] [--backend sqlite|postgresql] [--formats csv,parquet]

Builds a database with N observations (default 1 000 000; the issue's figure: --rows 10000000)
spread over S Datastreams (default 1 000, one observation per stream per minute on SQLite, per hour
on PostgreSQL) in one public dataset — written directly (SQLite: executemany with the secondary
indexes dropped and rebuilt; PostgreSQL: COPY, as bench/postgres.py loads) — then starts a real
`stadsdata serve` process (access control enforced) and downloads the whole dataset in each format
through `GET /api/v1/datasets/{id}/download`, reading the answer as it streams. While it runs, the
server's resident memory is sampled from /proc/<pid>/status (VmRSS every 50 ms; VmHWM, the peak,
at the end), and compared with the figures before the download. Reports MB/s and rows/s of each
download and checks that every row arrived (CSV: lines; Parquet: the file's row count).

Prints a table and writes the figures as JSON to bench/results/download-<timestamp>.json.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import BASE_TIME, create_streams, fmt, process_cpu, server  # noqa: E402  (bench/ingest.py: streams, server start-up)

from stadsdata.store.base import Store  # noqa: E402
from stadsdata.store.schema import RESULT_FLOAT  # noqa: E402
from stadsdata.store.sqlite.backend import SqliteStore  # noqa: E402
from stadsdata.store.types import to_micros  # noqa: E402

RESULTS_DIR = Path(__file__).resolve().parent / "results"
ADMIN_URL = os.environ.get("STADSDATA_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
LOAD_BATCH = 100_000
SAMPLE_S = 0.05


# -- the database -------------------------------------------------------------------------------
def load_sqlite(path: Path, rows: int, streams: int) -> tuple[SqliteStore, dict[str, float]]:
    """A SQLite file with `rows` observations: the schema and streams through the store, the rows
    with plain executemany (secondary indexes dropped during the load and built again after)."""
    store = SqliteStore(path)
    store.open()
    ids, feature = create_streams(store, streams, prefix="download")
    store.close()
    timings: dict[str, float] = {}
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'observations' AND sql IS NOT NULL").fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    start = time.perf_counter()
    per_stream = -(-rows // streams)
    base = to_micros(BASE_TIME)
    minute = 60_000_000

    def batches() -> Iterator[list[tuple[Any, ...]]]:
        batch: list[tuple[Any, ...]] = []
        made = 0
        for k in range(per_stream):
            t = base + k * minute
            value = 10.0 + (k % 500) * 0.05
            for stream in ids:
                if made == rows:
                    break
                batch.append((t, t, RESULT_FLOAT, value, stream, feature))
                made += 1
                if len(batch) == LOAD_BATCH:
                    yield batch
                    batch = []
        if batch:
            yield batch

    insert = "INSERT INTO observations (phenomenon_time_start, phenomenon_time_end, result_type, result_number, datastream_id, feature_of_interest_id) VALUES (?,?,?,?,?,?)"
    for batch in batches():
        with conn:
            conn.executemany(insert, batch)
    timings["insert_seconds"] = time.perf_counter() - start
    start = time.perf_counter()
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()
    timings["index_seconds"] = time.perf_counter() - start
    return SqliteStore(path), timings


@contextmanager
def postgres_database(rows: int, streams: int) -> Iterator[tuple[str, dict[str, float]]]:
    """A scratch PostgreSQL database with `rows` observations (COPY, bench/postgres.py), dropped after."""
    import psycopg
    from postgres import load_observations  # bench/postgres.py

    from stadsdata.store.postgres.backend import PostgresStore

    name = f"stadsdata_bench_download_{os.getpid()}"
    base = ADMIN_URL.rsplit("/", 1)[0]
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE template0")
    url = f"{base}/{name}"
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        store = PostgresStore(url)
        store.open()
        ids, feature = create_streams(store, streams, prefix="download")  # type: ignore[arg-type]
        store.close()
        timings = load_observations(url, ids, feature, 0, rows // streams)
        yield url, timings
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def public_dataset(store: Store) -> int:
    """One public dataset holding every Datastream."""
    store.open(migrate=False)
    try:
        with store.write() as tx:
            dataset = tx.access.add_dataset("metingen", "Metingen", "public", None, "benchmark data", datetime.now(UTC))
            ids = [row["id"] for row in tx.access.rows("datastreams", limit=10**9)]
            tx.access.assign_streams(dataset, ids, [])
        return dataset
    finally:
        store.close()


# -- memory and the download --------------------------------------------------------------------
def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in kB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


class Sampler(threading.Thread):
    """Samples a process's VmRSS every SAMPLE_S seconds until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[int] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.samples.append(memory(self.pid)["VmRSS"])
            self.done.wait(SAMPLE_S)

    def quartiles_mb(self) -> list[float]:
        """VmRSS at a quarter, half, three quarters and the end of the download (MB)."""
        n = len(self.samples)
        return [self.samples[min(n - 1, n * q // 4)] / 1024 for q in (1, 2, 3, 4)] if n else []


def download(base: str, pid: int, dataset: int, format: str, rows: int, folder: Path) -> dict[str, Any]:
    before = memory(pid)
    server_cpu, client_cpu = process_cpu(pid), time.process_time()
    sampler = Sampler(pid)
    sampler.start()
    received = lines = 0
    first_byte = None
    path = folder / f"download.{format}"
    start = time.perf_counter()
    with httpx.Client(timeout=3600) as client, client.stream("GET", f"{base}/api/v1/datasets/{dataset}/download", params={"format": format}) as response:
        if response.status_code != 200:
            raise RuntimeError(f"{format}: {response.status_code} {response.read()[:500]!r}")
        with path.open("wb") as out:
            for part in response.iter_bytes():
                if first_byte is None:
                    first_byte = time.perf_counter() - start
                received += len(part)
                lines += part.count(b"\n")
                out.write(part)
    seconds = time.perf_counter() - start
    server_cpu, client_cpu = process_cpu(pid) - server_cpu, time.process_time() - client_cpu
    sampler.done.set()
    sampler.join()
    after = memory(pid)
    got = lines - 1 if format == "csv" else pq.ParquetFile(path).metadata.num_rows
    path.unlink()
    return {
        "format": format, "rows": got, "complete": got == rows, "bytes": received, "seconds": seconds, "first_byte_s": first_byte,
        "mb_per_s": received / 1e6 / seconds, "rows_per_s": got / seconds, "server_cpu_s": server_cpu, "client_cpu_s": client_cpu,
        "rss_before_mb": before["VmRSS"] / 1024, "rss_max_during_mb": max(sampler.samples, default=0) / 1024,
        "rss_after_mb": after["VmRSS"] / 1024, "hwm_before_mb": before["VmHWM"] / 1024, "hwm_after_mb": after["VmHWM"] / 1024,
        "rss_quartiles_mb": sampler.quartiles_mb(), "samples": len(sampler.samples),
    }  # fmt: skip


# -- the floor ------------------------------------------------------------------------------------
def floor_csv(database: Any, backend: str, folder: Path) -> dict[str, Any]:
    """The floor a CSV download is measured against, in the same run: the same rows read with the
    plain driver (sqlite3 / psycopg), stream by stream in (time, id) order as the download reads
    them, and written with the csv module to a file (time as ISO 8601, the number as text) — what
    the work costs without the platform, access checks and HTTP."""
    import csv

    path = folder / "floor.csv"
    rows = 0
    start, cpu = time.perf_counter(), time.process_time()
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["datastream", "phenomenonTime", "result"])
        for stream, moment, value in _floor_rows(database, backend):
            writer.writerow((stream, moment.isoformat().replace("+00:00", "Z"), value))
            rows += 1
    seconds = time.perf_counter() - start
    size = path.stat().st_size
    path.unlink()
    return {"rows": rows, "bytes": size, "seconds": seconds, "cpu_s": time.process_time() - cpu, "rows_per_s": rows / seconds}


def _floor_rows(database: Any, backend: str) -> Iterator[tuple[int, datetime, float]]:
    query = "SELECT phenomenon_time_start, result_number FROM observations WHERE datastream_id = {p} ORDER BY phenomenon_time_start, id"
    if backend == "sqlite":
        conn = sqlite3.connect(database)
        try:
            streams = [r[0] for r in conn.execute("SELECT id FROM datastreams ORDER BY id")]
            for stream in streams:
                cursor = conn.execute(query.format(p="?"), (stream,))
                while batch := cursor.fetchmany(10_000):
                    for micros, value in batch:
                        yield stream, datetime.fromtimestamp(micros / 1e6, UTC), value
        finally:
            conn.close()
        return
    import psycopg

    with psycopg.connect(database) as conn:
        streams = [r[0] for r in conn.execute("SELECT id FROM datastreams ORDER BY id")]
        for stream in streams:
            with conn.cursor(name="floor") as cursor:
                cursor.execute(query.format(p="%s"), (stream,))
                while batch := cursor.fetchmany(10_000):
                    for moment, value in batch:
                        yield stream, moment, value


def report(results: dict[str, Any]) -> str:
    p, env = results["parameters"], results["environment"]
    lines = [
        f"stadsdata download benchmark: {fmt(p['rows'])} observations over {fmt(p['streams'])} Datastreams, {p['backend']}, "
        f"chunks of {fmt(p['chunk_rows'])} rows",
        f"Python {env['python']}, {env['cpus']} CPUs, load average before/after: {env['load_before']:.2f} / {env.get('load_after', 0):.2f}; "
        f"database built in {sum(results['load'].values()):.0f} s",
        "",
        f"{'format':<8} {'run':>3} {'rows':>11} {'MB':>7} {'s':>6} {'MB/s':>6} {'rows/s':>8} {'srv CPU':>7} {'1st byte':>8} "
        f"{'RSS before':>10} {'RSS at ¼ ½ ¾ end':>20} {'RSS max':>8} {'HWM after':>9}",
        "-" * 120,
    ]
    for r in results["downloads"]:
        quartiles = " ".join(f"{q:.0f}" for q in r["rss_quartiles_mb"])
        lines.append(
            f"{r['format']:<8} {r['run']:>3} {fmt(r['rows']):>11} {r['bytes'] / 1e6:>7.0f} {r['seconds']:>6.1f} {r['mb_per_s']:>6.1f} "
            f"{fmt(r['rows_per_s']):>8} {r['server_cpu_s']:>6.0f}s {r['first_byte_s']:>7.2f}s {r['rss_before_mb']:>9.0f}M {quartiles:>20} "
            f"{r['rss_max_during_mb']:>7.0f}M {r['hwm_after_mb']:>8.0f}M" + ("" if r["complete"] else "  INCOMPLETE")
        )
    floor = results.get("floor")
    if floor:
        lines += ["", f"floor (plain driver + csv module, same rows, same run): {fmt(floor['rows_per_s'])} rows/s, "
                  f"{floor['seconds']:.1f} s; download rows/s against it: "
                  + ", ".join(f"{r['format']} run {r['run']} {r['rows_per_s'] / floor['rows_per_s']:.2f}×" for r in results["downloads"])]
    lines += ["", "RSS in MB of the server process (VmRSS, sampled every 50 ms; HWM: its peak since it started). A first run also "
              "warms caches that a second run of the same download reuses (SQLite: the page cache of each pooled connection)."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="observations in the database (default 1 000 000)")
    parser.add_argument("--streams", type=int, default=1_000, help="Datastreams they are spread over (default 1 000)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--formats", default="csv,parquet", help="formats to download, in order (csv, parquet, geojson)")
    parser.add_argument("--runs", type=int, default=2, help="downloads of each format, one after the other (default 2)")
    parser.add_argument("--chunk-rows", type=int, default=10_000, help="STADSDATA_DOWNLOAD_CHUNK_ROWS of the server")
    parser.add_argument("--no-json", action="store_true", help="do not write bench/results/download-<timestamp>.json")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": {"rows": args.rows, "streams": args.streams, "backend": args.backend, "chunk_rows": args.chunk_rows, "runs": args.runs},
        "environment": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                        "load_before": os.getloadavg()[0]},  # fmt: skip
        "downloads": [],
    }
    env = {"STADSDATA_DOWNLOAD_CHUNK_ROWS": str(args.chunk_rows), "STADSDATA_DOWNLOAD_MAX_ROWS": str(args.rows + 1)}
    with tempfile.TemporaryDirectory(prefix="stadsdata-bench-") as tmp:
        folder = Path(tmp)
        print(f"building a {args.backend} database of {fmt(args.rows)} observations …", flush=True)
        with _database(args, folder) as (database, store, timings):
            results["load"] = timings
            dataset = public_dataset(store)
            print(f"  built in {sum(timings.values()):.0f} s; downloading …", flush=True)
            results["floor"] = floor_csv(database, args.backend, folder)
            print(f"  floor: {results['floor']['seconds']:.1f} s", flush=True)
            with server(database, access="enforced", extra_env=env) as (base, pid):  # type: ignore[arg-type]
                httpx.get(f"{base}/api/v1/catalog/metingen", timeout=60)  # warm: the first request builds what every one uses
                for format in args.formats.split(","):
                    for run in range(1, args.runs + 1):
                        results["downloads"].append({"run": run, **download(base, pid, dataset, format.strip(), args.rows, folder)})
                        print(f"  {format} run {run}: {results['downloads'][-1]['seconds']:.1f} s", flush=True)
    results["environment"]["load_after"] = os.getloadavg()[0]
    print()
    print(report(results))
    if not args.no_json:
        RESULTS_DIR.mkdir(exist_ok=True)
        path = RESULTS_DIR / f"download-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
        path.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
        print(f"\nwritten to {path}")
    return 0 if all(r["complete"] for r in results["downloads"]) else 1


@contextmanager
def _database(args: argparse.Namespace, folder: Path) -> Iterator[tuple[Any, Store, dict[str, float]]]:
    if args.backend == "sqlite":
        path = folder / "download.db"
        store, timings = load_sqlite(path, args.rows, args.streams)
        yield path, store, timings
        return
    from stadsdata.store.postgres.backend import PostgresStore

    with postgres_database(args.rows, args.streams) as (url, timings):
        yield url, PostgresStore(url), timings


if __name__ == "__main__":
    sys.exit(main())
