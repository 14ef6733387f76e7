#!/usr/bin/env python
"""The hot path against its floor (not a pytest test): server CPU per request of `stadsdata serve`
against a bare Starlette app with the plain driver doing the same two things, measured in one
run — on SQLite and, with `--postgres`, on PostgreSQL; and (`--setups both`) uvicorn's
pure-Python set-up (h11 parser, asyncio event loop) against its `standard` set-up (httptools
parser, uvloop event loop), the one `stadsdata serve` uses.

    python bench/http_stack.py [--requests 3000] [--clients 4] [--rounds 3]
    python bench/http_stack.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
    python bench/http_stack.py --setups both

For each backend and set-up two real servers on a fresh database (SQLite file, or a scratch
PostgreSQL database, dropped at the end) answer, one after the other: stadsdata (`uvicorn
stadsdata.app:app_from_environment --factory --http H --loop L`, the app `stadsdata serve
--workers` runs, access enforced) and the floor (`bench/floor_app.py`: bare Starlette, sqlite3 or
psycopg and orjson doing the same two things without the platform), from `--clients`
keep-alive connections (stdlib `http.client`, one thread each):

  get    GET  /v1.1/Datastreams(1)             (a client polling one stream)
  post   POST /v1.1/Observations, one reading  (a sensor integration posting one reading at a time)

with an admin key. Reported per backend, set-up, app and kind: requests/s and the server's CPU
per request (user + system of the server process, from /proc), the fastest of `--rounds` rounds,
and the ratio stadsdata / floor of the same backend and set-up (the hot path's target: within
2×). With `--setups both` also standard / pure-Python of the same app. The apps and set-ups take
turns round by round, so a slow moment of the machine falls on all. Client and server share the
machine's cores: CPU per request is the figure to read, requests/s is a floor.

Writes JSON to bench/results/http-stack-<timestamp>.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import free_port, process_cpu, stop  # noqa: E402

RESULTS_DIR = Path(__file__).resolve().parent / "results"
APPS = {"stadsdata": ["stadsdata.app:app_from_environment", "--factory"], "floor": ["floor_app:app", "--app-dir", str(Path(__file__).parent)]}
SETUPS = {"pure-Python (h11, asyncio)": ("h11", "asyncio"), "standard (httptools, uvloop)": ("httptools", "uvloop")}
THING = {
    "name": "bench thing", "description": "HTTP stack benchmark",
    "Locations": [{"name": "here", "description": "here", "encodingType": "application/geo+json",
                   "location": {"type": "Point", "coordinates": [5.12, 52.09]}}],
    "Datastreams": [{
        "name": "bench stream", "description": "one reading at a time",
        "unitOfMeasurement": {"name": "degree Celsius", "symbol": "degC", "definition": "http://unitsofmeasure.org"},
        "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
        "Sensor": {"name": "s", "description": "s", "encodingType": "application/pdf", "metadata": "https://example.org/s.pdf"},
        "ObservedProperty": {"name": "temperature", "definition": "https://example.org/t", "description": "t"},
    }],
}  # fmt: skip


def admin_key(database: Path | str) -> str:
    """A new admin key (this also creates the database and its schema)."""
    out = subprocess.run(
        [sys.executable, "-m", "stadsdata.cli", "keys", "create", "http stack bench", "--admin", "--database", str(database)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return out.stdout.strip().splitlines()[-1]


@contextmanager
def server(database: Path | str, http: str, loop: str, app: str = "stadsdata") -> Iterator[tuple[int, int]]:
    """uvicorn serving one of APPS with the given parser and loop on a free port; yields (port, pid)."""
    port = free_port()
    env = {**os.environ, "STADSDATA_DATABASE": str(database), "STADSDATA_LOG_LEVEL": "warning", "STADSDATA_MQTT_EMBEDDED": "false",
           "STADSDATA_RATE_LIMIT_ANONYMOUS": "none", "STADSDATA_RATE_LIMIT_AUTHENTICATED": "none"}  # fmt: skip
    command = [sys.executable, "-m", "uvicorn", *APPS[app], "--host", "127.0.0.1",
               "--port", str(port), "--http", http, "--loop", loop, "--log-level", "warning", "--no-access-log"]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn --http {http} --loop {loop} did not start")
            time.sleep(0.1)
        yield port, process.pid
    finally:
        stop(process)


def answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        conn.request("GET", "/readyz")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def call(conn: http.client.HTTPConnection, method: str, path: str, key: str, body: bytes | None = None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {key}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def requests_of(kind: str, client: int, count: int, start: datetime) -> list[tuple[str, str, bytes | None]]:
    """The requests one client sends, encoded before timing starts; POSTs at distinct times."""
    if kind == "get":
        return [("GET", "/v1.1/Datastreams(1)", None)] * count
    bodies = []
    for i in range(count):
        moment = start + timedelta(milliseconds=client * 10_000_000 + i)
        reading = {"phenomenonTime": moment.isoformat().replace("+00:00", "Z"), "result": 20.0 + i % 7, "Datastream": {"@iot.id": 1}}
        bodies.append(("POST", "/v1.1/Observations", json.dumps(reading).encode()))
    return bodies


def load(port: int, pid: int, key: str, kind: str, total: int, clients: int, start: datetime) -> dict[str, Any]:
    """`total` requests of one kind from `clients` threads; requests/s and server CPU per request."""
    per_client = total // clients
    plans = [requests_of(kind, c, per_client, start) for c in range(clients)]
    expected = 200 if kind == "get" else 201
    failures: list[str] = []
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(clients)]
    for conn in connections:
        call(conn, "GET", "/v1.1/Datastreams(1)", key)  # connect and warm up outside the timing

    def run(conn: http.client.HTTPConnection, plan: list[tuple[str, str, bytes | None]]) -> None:
        for method, path, body in plan:
            status, content = call(conn, method, path, key, body)
            if status != expected:
                failures.append(f"{method} {path}: {status} {content[:200]!r}")
                return

    threads = [threading.Thread(target=run, args=(conn, plan)) for conn, plan in zip(connections, plans)]
    cpu_before, started = process_cpu(pid), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall, cpu = time.perf_counter() - started, process_cpu(pid) - cpu_before
    for conn in connections:
        conn.close()
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. {failures[0]}")
    count = per_client * clients
    return {"requests": count, "seconds": wall, "per_s": count / wall, "cpu_ms_per_request": cpu / count * 1e3}


def scratch_database(admin_url: str, name: str) -> str:
    """A new PostgreSQL database with PostGIS; its URL."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 LC_COLLATE \'C\' LC_CTYPE \'C\'')
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return url


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


Results = dict[str, dict[str, dict[str, dict[str, Any]]]]  # backend -> set-up -> app -> kind -> figures


def prepare(backends: list[str], setups: dict[str, tuple[str, str]], tmp: str, admin_url: str | None, scratch: list[str]) -> dict[tuple[str, str], tuple[str, str]]:
    """A database with an admin key and the bench Thing per backend and set-up: (database, key)."""
    databases = {}
    for backend in backends:
        for index, name in enumerate(setups):
            if backend == "SQLite":
                database = str(Path(tmp) / f"setup{index}.db")
            else:
                assert admin_url is not None
                scratch.append(f"stadsdata_bench_http_{os.getpid()}_{index}")
                database = scratch_database(admin_url, scratch[-1])
            key = admin_key(database)
            with server(database, "h11", "asyncio") as (port, _pid):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status, content = call(conn, "POST", "/v1.1/Things", key, json.dumps(THING).encode())
                if status != 201:
                    raise RuntimeError(f"creating the Thing failed: {status} {content[:300]!r}")
            databases[(backend, name)] = (database, key)
    return databases


def measure(databases: dict[tuple[str, str], tuple[str, str]], setups: dict[str, tuple[str, str]], args: argparse.Namespace) -> Results:
    """Every app on every database and set-up, round by round; the cheapest round of each."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    results: Results = {}
    for round_no in range(args.rounds):
        for (backend, name), (database, key) in databases.items():
            http_impl, loop = setups[name]
            for app in APPS:
                with server(database, http_impl, loop, app) as (port, pid):
                    for kind in ("get", "post"):
                        figures = load(port, pid, key, kind, args.requests, args.clients, start + timedelta(days=round_no))
                        kinds = results.setdefault(backend, {}).setdefault(name, {}).setdefault(app, {})
                        if kind not in kinds or figures["cpu_ms_per_request"] < kinds[kind]["cpu_ms_per_request"]:
                            kinds[kind] = figures
            print(f"round {round_no + 1}/{args.rounds}: {backend}, {name} done", file=sys.stderr)
    return results


def report(results: Results, args: argparse.Namespace) -> tuple[list[str], dict[str, dict[str, dict[str, float]]]]:
    """The Markdown table and the ratios stadsdata / floor."""
    lines = [
        f"HTTP hot path, {args.requests} requests per kind from {args.clients} keep-alive clients, fastest of {args.rounds} rounds",
        "",
        "| backend | kind | set-up | stadsdata requests/s | stadsdata CPU per request | floor requests/s | floor CPU per request | stadsdata / floor |",
        "|---|---|---|---|---|---|---|---|",
    ]
    ratios: dict[str, dict[str, dict[str, float]]] = {}
    for backend, by_setup in results.items():
        for kind, label in (("get", "GET Datastreams(1)"), ("post", "POST Observations, one reading")):
            for name, by_app in by_setup.items():
                ours, floor = by_app["stadsdata"][kind], by_app["floor"][kind]
                ratio = ours["cpu_ms_per_request"] / floor["cpu_ms_per_request"]
                ratios.setdefault(backend, {}).setdefault(name, {})[kind] = ratio
                lines.append(f"| {backend} | {label} | {name} | {ours['per_s']:,.0f} | {ours['cpu_ms_per_request']:.3f} ms | "
                             f"{floor['per_s']:,.0f} | {floor['cpu_ms_per_request']:.3f} ms | {ratio:.1f}× |")  # fmt: skip
    if args.setups == "both":
        lines += ["", "| backend | kind | app | standard / pure-Python (CPU) |", "|---|---|---|---|"]
        for backend, by_setup in results.items():
            pure, standard = by_setup.values()
            for kind in ("get", "post"):
                for app in APPS:
                    change = standard[app][kind]["cpu_ms_per_request"] / pure[app][kind]["cpu_ms_per_request"]
                    lines.append(f"| {backend} | {kind} | {app} | {change:.2f}× |")
    return lines, ratios


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per kind and round")
    parser.add_argument("--clients", type=int, default=4, help="keep-alive connections at once")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the fastest of each is reported")
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="also on PostgreSQL (a scratch database made with this URL)")
    parser.add_argument("--setups", choices=["standard", "both"], default="standard", help="uvicorn set-ups to measure")
    args = parser.parse_args(argv)
    setups = {name: impl for name, impl in SETUPS.items() if args.setups == "both" or name.startswith("standard")}
    backends = ["SQLite"] + (["PostgreSQL"] if args.postgres else [])
    scratch: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="stadsdata-http-stack-") as tmp:
            results = measure(prepare(backends, setups, tmp, args.postgres, scratch), setups, args)
    finally:
        for name in scratch:
            drop_database(args.postgres, name)
    lines, ratios = report(results, args)
    print("\n".join(lines))
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"http-stack-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps({"args": vars(args), "machine": platform.platform(), "cpus": os.cpu_count(),
                               "results": results, "stadsdata_over_floor": ratios}, indent=2))  # fmt: skip
    print(f"\n(written to {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
