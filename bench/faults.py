#!/usr/bin/env python
"""Fault runs (not a pytest test): ingest keeps going or recovers by itself, and no acknowledged
observation is lost, when the server is SIGKILLed, the database restarts, or the disk fills.

    python bench/faults.py [--faults kill,db-restart,disk-full] [--postgres ADMIN_URL] [--seconds 20]

Each run: a real `stadsdata serve`, 4 client threads posting `CreateObservations` documents of
10 readings in a loop (each document to its own time, so a retried document is a new one); a 2xx
counts its readings as acknowledged, anything else (503, 507, a dropped connection) as not. The
fault is injected while they write; afterwards every acknowledged reading is looked up among the
stored ones (none may be missing; readings committed whose answer was lost with the connection
are counted apart), and the recovery time runs from the fault's start (the SIGKILL, the restart
command; for the full disk: the moment space is freed) to the first acknowledged document after
the fault is over.

  kill        SQLite: the server is SIGKILLed 3 times and started again each time.
  db-restart  PostgreSQL (`--postgres`, a scratch database; needs `pg_ctlcluster`, run as root):
              the cluster is restarted once (`pg_ctlcluster <version> main restart -m fast`).
              Do not run it beside other users of that PostgreSQL.
  disk-full   SQLite on a small tmpfs (needs root for `mount`): the disk is filled until the
              server answers 507; then the filler is removed. Also checks `PRAGMA integrity_check`.

The broker-restart fault is covered by tests/integration/ingest/test_mqtt_recovery.py and the
SIGKILL of an MQTT ingest worker by tests/integration/ingest/test_mqtt_fault.py. Prints a table
and writes bench/results/faults-<timestamp>.json; exit 1 if any acknowledged observation is lost
(or the SQLite file is damaged).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import free_port  # noqa: E402
from mqtt import stored  # noqa: E402

RESULTS_DIR = Path(__file__).resolve().parent / "results"
READINGS = 10
CLIENTS = 4


class Server:
    """`stadsdata serve` that can be killed and started again on the same port."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        env = {**os.environ, "STADSDATA_LOG_LEVEL": "warning", "STADSDATA_ACCESS_MODE": "open", "STADSDATA_MQTT_EMBEDDED": "false",
               "STADSDATA_RATE_LIMIT_ANONYMOUS": "none"}  # fmt: skip
        self.process = subprocess.Popen(
            [sys.executable, "-m", "stadsdata.cli", "serve", "--database", self.database, "--port", str(self.port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError("stadsdata serve did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


class Writers:
    """Client threads posting documents; counts what was acknowledged and every other answer."""

    def __init__(self, base: str, stream: int) -> None:
        self.base, self.stream = base, stream
        self.acknowledged = 0
        self.acked_times: list[datetime] = []  # every acknowledged reading's phenomenonTime
        self.answers: Counter[str] = Counter()
        self.last_ack = 0.0
        self._clock = datetime(2027, 1, 1, tzinfo=UTC)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(CLIENTS)]

    def _document(self) -> tuple[datetime, list[dict[str, Any]]]:
        with self._lock:
            start = self._clock
            self._clock += timedelta(seconds=READINGS)
        rows = [[(start + timedelta(seconds=k)).isoformat().replace("+00:00", "Z"), k] for k in range(READINGS)]
        return start, [{"Datastream": {"@iot.id": self.stream}, "components": ["phenomenonTime", "result"], "dataArray": rows}]

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=10) as client:
            while not self._stop.is_set():
                start, document = self._document()
                try:
                    status = client.post("/v1.1/CreateObservations", json=document).status_code
                except httpx.TransportError:
                    status = 0
                with self._lock:
                    self.answers["connection failed" if status == 0 else str(status)] += 1
                    if 200 <= status < 300:
                        self.acknowledged += READINGS
                        self.acked_times += [start + timedelta(seconds=k) for k in range(READINGS)]
                        self.last_ack = time.monotonic()
                if not 200 <= status < 300:
                    time.sleep(0.05)

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def first_ack_after(self, moment: float, timeout: float = 120) -> float | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self.last_ack > moment:
                    return self.last_ack - moment
            time.sleep(0.01)
        return None


def make_stream(base: str) -> int:
    body = {"name": "meetkast", "description": "d", "Locations": [{"name": "l", "description": "d", "encodingType": "application/geo+json",
            "location": {"type": "Point", "coordinates": [6.09, 52.51]}}], "Datastreams": [{
        "name": "s", "description": "d", "unitOfMeasurement": {"name": "x"},
        "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
        "Sensor": {"name": "s", "description": "d", "encodingType": "application/pdf", "metadata": "m"},
        "ObservedProperty": {"name": "p", "definition": "d", "description": "d"}}]}  # fmt: skip
    assert httpx.post(f"{base}/v1.1/Things", json=body, timeout=30).status_code == 201
    return int(httpx.get(f"{base}/v1.1/Datastreams", timeout=30).json()["value"][0]["@iot.id"])


@contextmanager
def writing(server: Server) -> Iterator[Writers]:
    """Writers posting to a fresh stream of the started `server`; both stopped afterwards."""
    writers = Writers(server.base, make_stream(server.base))
    writers.start()
    try:
        yield writers
    finally:
        writers.stop()
        server.stop()


def recovery(writers: Writers, fault: Any) -> float | None:
    """Seconds from the start of `fault()` (which injects the fault and returns when it is over:
    the server started again, the database up, space freed) to the next acknowledged document
    after it."""
    start = time.monotonic()
    fault()
    ended = time.monotonic()
    after = writers.first_ack_after(ended)
    return None if after is None else (ended - start) + after


def stored_times(database: str) -> set[datetime]:
    """The phenomenonTime of every stored observation."""
    query = "SELECT phenomenon_time_start FROM observations"
    if database.startswith("postgresql"):
        import psycopg

        with psycopg.connect(database) as conn:
            return {row[0].astimezone(UTC) for row in conn.execute(query)}
    from stadsdata.store.schema import observations
    from stadsdata.store.sqlite.backend import SqliteStore

    store = SqliteStore(database)  # its own decoding of stored times
    store.open(migrate=False)
    try:
        with store.read_only() as tx:
            column = observations.c.phenomenon_time_start  # typed: decoded as the store decodes it
            return {row[0].astimezone(UTC) for row in tx.conn.execute(sqlalchemy.select(column))}  # type: ignore[attr-defined]
    finally:
        store.close()


def result(fault: str, writers: Writers, database: str, recoveries: list[float | None], **extra: Any) -> dict[str, Any]:
    """Acknowledged readings that are not stored are lost; stored readings that were never
    acknowledged were committed while their answer was lost (the connection died): not a loss."""
    times = stored_times(database)
    lost = sum(1 for t in writers.acked_times if t not in times)
    return {"fault": fault, "acknowledged": writers.acknowledged, "stored": stored(database), "lost": lost,
            "stored_unacknowledged": len(times) - (len(writers.acked_times) - lost), "recovery_s": recoveries,
            "answers": dict(writers.answers), **extra}  # fmt: skip


def run_kill(directory: Path, seconds: float) -> dict[str, Any]:
    server = Server(str(directory / "kill.db"))
    server.start()
    recoveries = []
    with writing(server) as writers:
        for _ in range(3):
            time.sleep(seconds / 4)
            recoveries.append(recovery(writers, lambda: (server.kill(), server.start())))
        time.sleep(seconds / 4)
    return result("server SIGKILLed 3× (SQLite)", writers, server.database, recoveries)


def run_db_restart(postgres: str, seconds: float) -> dict[str, Any]:
    import psycopg

    name = f"stadsdata_bench_faults_{os.getpid()}"
    with psycopg.connect(postgres, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
        version = str(conn.info.server_version // 10000)
    database = postgres.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    server = Server(database)
    server.start()
    with writing(server) as writers:
        time.sleep(seconds / 2)
        restarted = recovery(writers, lambda: subprocess.run(["pg_ctlcluster", version, "main", "restart", "-m", "fast"], check=True))
        time.sleep(seconds / 2)
    try:
        return result("PostgreSQL restarted", writers, database, [restarted])
    finally:
        with psycopg.connect(postgres, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def small_disk(size_mb: int) -> Iterator[Path]:
    mount = Path(tempfile.mkdtemp(prefix="stadsdata-disk-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)
        shutil.rmtree(mount, ignore_errors=True)


def run_disk_full(seconds: float) -> dict[str, Any]:
    with small_disk(48) as disk:
        server = Server(str(disk / "city.db"))
        server.start()
        filler = disk / "filler"
        with filler.open("wb") as f:  # leave about 3 MB for the database to grow into
            f.write(b"\0" * max(0, shutil.disk_usage(disk).free - 3 * 1024 * 1024))
        with writing(server) as writers:
            deadline = time.monotonic() + 120
            while writers.answers["507"] < 5 and time.monotonic() < deadline:
                time.sleep(0.1)
            full = writers.answers["507"]
            time.sleep(seconds / 4)  # the disk stays full a while: clients keep being told so
            freed = recovery(writers, filler.unlink)
            time.sleep(seconds / 4)
        conn = sqlite3.connect(disk / "city.db")
        try:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
        return result("disk full, then space freed (SQLite)", writers, str(disk / "city.db"), [freed],
                      integrity=integrity, reached_full=full >= 5)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--faults", default="kill,db-restart,disk-full")
    parser.add_argument("--postgres", metavar="ADMIN_URL", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args(argv)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for fault in args.faults.split(","):
            if fault == "kill":
                runs.append(run_kill(Path(tmp), args.seconds))
            elif fault == "db-restart":
                runs.append(run_db_restart(args.postgres, args.seconds))
            elif fault == "disk-full":
                runs.append(run_disk_full(args.seconds))
            else:
                parser.error(f"unknown fault {fault!r}")
            print(json.dumps(runs[-1]), flush=True)
    print("\n| fault | acknowledged | stored | lost | recovery (s) | answers |")
    print("|---|---|---|---|---|---|")
    for r in runs:
        recovery = ", ".join("–" if s is None else f"{s:.2f}" for s in r["recovery_s"])
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(r["answers"].items()))
        print(f"| {r['fault']} | {r['acknowledged']} | {r['stored']} | {r['lost']} | {recovery} | {answers} |")
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    (RESULTS_DIR / f"faults-{stamp}.json").write_text(json.dumps(runs, indent=2))
    bad = [r for r in runs if r["lost"] or r.get("integrity", "ok") != "ok"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
