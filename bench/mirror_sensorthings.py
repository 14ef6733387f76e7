#!/usr/bin/env python
"""The remote-SensorThings connector mirroring a second `stadsdata serve` (not a pytest test).

    python bench/mirror_sensorthings.py [--things 100] [--per-thing 1000] [--page-size 1000]

1. Starts a second `stadsdata serve` on its own SQLite file and fills it over HTTP with `--things`
   Things, one Datastream each, `--per-thing` Observations each (CreateObservations).
2. baseline: the same Observations stored straight through the observation sink (the batched
   ingest path every source ends in) into a fresh SQLite file, 1 000 a call.
3. mirror: a source of kind `sensorthings` on another fresh SQLite file run once: mirrors the
   Things (Locations, Sensors, ObservedProperties, Datastreams) and copies every Observation
   over HTTP, page by page, each page stored and checkpointed.
4. follow: 10 new Observations per Thing at the remote, then a second run (copies just those).

Prints a Markdown table (observations per second, and mirror / baseline in the same run) and
writes bench/results/mirror-sensorthings-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parents[1]
RESULTS_DIR = HERE / "bench" / "results"
sys.path.insert(0, str(HERE))
MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
START = datetime(2026, 11, 1, tzinfo=UTC)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_remote(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "STADSDATA_ACCESS_MODE": "open", "STADSDATA_MQTT_EMBEDDED": "false", "STADSDATA_LOG_LEVEL": "warning",
           "STADSDATA_SOURCES_RUN": "false"}  # fmt: skip
    process = subprocess.Popen([sys.executable, "-m", "stadsdata.cli", "serve", "--database", str(folder / "remote.db"), "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the remote stadsdata serve did not start")


def fill_remote(base: str, things: int, per_thing: int, offset: int = 0) -> list[int]:
    """Things with one Datastream each (first call) and `per_thing` Observations each; the stream ids."""
    with httpx.Client(base_url=f"{base}/v1.1", timeout=120) as http:
        streams = [s["@iot.id"] for s in http.get("/Datastreams", params={"$select": "id", "$orderby": "id", "$top": 10000}).json()["value"]]
        for n in range(len(streams), things):
            thing = {
                "name": f"kit-{n:03d}", "description": "sensor kit", "properties": {"codegemeente": "0193"},
                "Locations": [{"name": f"kit-{n}", "description": "-", "encodingType": "application/geo+json",
                               "location": {"type": "Point", "coordinates": [6.0 + n / 1000, 52.5]}}],
                "Datastreams": [{"name": f"kit-{n:03d}-pm25", "description": "-", "observationType": MEASUREMENT,
                                 "unitOfMeasurement": {"name": "µg/m³", "symbol": "ug/m3", "definition": "-"},
                                 "ObservedProperty": {"name": "pm25", "definition": "pm25", "description": "-"},
                                 "Sensor": {"name": "SDS011", "description": "-", "encodingType": "text/plain", "metadata": "-"}}],
            }  # fmt: skip
            http.post("/Things", json=thing).raise_for_status()
        streams = [s["@iot.id"] for s in http.get("/Datastreams", params={"$select": "id", "$orderby": "id", "$top": 10000}).json()["value"]]
        for stream in streams:
            rows = [[(START + timedelta(minutes=offset + m)).isoformat(), (m % 50) / 2] for m in range(per_thing)]
            body = [{"Datastream": {"@iot.id": stream}, "components": ["phenomenonTime", "result"], "dataArray": rows}]
            http.post("/CreateObservations", json=body).raise_for_status()
    return streams


def local_platform(path: Path) -> Any:
    from stadsdata.app import open_store, platform_for, policy_for
    from stadsdata.settings import Settings

    settings = Settings(database=str(path), access_mode="enforced", mqtt_embedded=False, sources_run=False)
    store = open_store(settings)
    return platform_for(settings, store, policy_for(settings))


def baseline(folder: Path, things: int, per_thing: int) -> float:
    """Observations per second through the observation sink, 1 000 a call, streams made first."""
    from stadsdata.access.policy import Caller
    from stadsdata.model.entities import THING
    from stadsdata.service.sink import Reading

    platform = local_platform(folder / "baseline.db")
    admin = Caller(subject="bench", is_admin=True, can_write=True)
    streams = []
    for n in range(things):
        thing_id = platform.core.entities.create(admin, THING, {
            "name": f"kit-{n}", "description": "-", "Locations": [{"name": "-", "description": "-", "encodingType": "application/geo+json",
                                                                  "location": {"type": "Point", "coordinates": [6.0, 52.5]}}],
            "Datastreams": [{"name": "pm25", "description": "-", "observationType": MEASUREMENT, "unitOfMeasurement": {"name": "u", "symbol": "u", "definition": "u"},
                             "ObservedProperty": {"name": "pm25", "definition": "pm25", "description": "-"},
                             "Sensor": {"name": "SDS011", "description": "-", "encodingType": "text/plain", "metadata": "-"}}],
        })  # fmt: skip
        with platform.store.read_only() as tx:
            streams.append(tx.related_ids(THING, thing_id, "Datastreams")[0])
    started = time.perf_counter()
    for stream in streams:
        readings = [Reading(START + timedelta(minutes=m), (m % 50) / 2, datastream_id=stream, key=f"b:{stream}:{m}") for m in range(per_thing)]
        for i in range(0, len(readings), 1000):
            platform.core.observations.write(admin, readings[i : i + 1000])
    elapsed = time.perf_counter() - started
    platform.store.close()
    return things * per_thing / elapsed


def mirroring_platform(folder: Path, base: str, page_size: int) -> Any:
    """A platform on a fresh SQLite file with the source 'remote' (kind sensorthings) added."""
    from stadsdata.management import sources
    from stadsdata.management.rights import Actor, administrator

    platform = local_platform(folder / "mirror.db")
    _, source = sources.checked(platform.source_kinds, {"name": "remote", "kind": "sensorthings", "config": {"url": f"{base}/v1.1", "page_size": page_size}})
    with platform.store.write() as tx:
        sources.create_source(Actor(administrator("bench"), tx.access, datetime.now(UTC)), source, dataset=None)
    return platform


def run_once(platform: Any) -> tuple[dict[str, Any], float]:
    from stadsdata.sources.scheduler import Scheduler

    started = time.perf_counter()
    run_id = Scheduler(platform.source_parts).run_now("remote")
    elapsed = time.perf_counter() - started
    with platform.store.read_only() as tx:
        run = tx.access.rows("source_runs", {"id": run_id}, limit=1)[0]
    return run, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--things", type=int, default=100)
    parser.add_argument("--per-thing", type=int, default=1000)
    parser.add_argument("--page-size", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stadsdata-mirror-") as tmp:
        folder = Path(tmp)
        process, base = start_remote(folder)
        try:
            fill_remote(base, args.things, args.per_thing)
            sink_rate = baseline(folder, args.things, args.per_thing)
            platform = mirroring_platform(folder, base, args.page_size)
            first, first_s = run_once(platform)
            fill_remote(base, args.things, 10, offset=args.per_thing)
            second, second_s = run_once(platform)
            platform.store.close()
        finally:
            process.terminate()
            process.wait(10)
    total = args.things * args.per_thing
    result = {
        "when": datetime.now(UTC).isoformat(), "machine": platform_info(), "things": args.things, "observations": total,
        "page_size": args.page_size, "baseline_sink_obs_per_s": round(sink_rate),
        "mirror": {"seconds": round(first_s, 2), "obs_per_s": round(first["items_stored"] / first_s), "run": _counts(first)},
        "follow": {"seconds": round(second_s, 2), "run": _counts(second)},
    }  # fmt: skip
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"mirror-sensorthings-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2))
    print("| step | observations | seconds | obs/s | ratio to the sink baseline |\n|---|---|---|---|---|")
    print(f"| baseline: the sink, 1 000 a call | {total} | {total / sink_rate:.1f} | {sink_rate:.0f} | 1.00 |")
    mirror_rate = first["items_stored"] / first_s
    print(f"| mirror {args.things} Things over HTTP (page {args.page_size}) | {first['items_stored']} | {first_s:.1f} | {mirror_rate:.0f} | {mirror_rate / sink_rate:.2f} |")
    print(f"| follow: second run | {second['items_stored']} new, {second['items_duplicate']} found stored | {second_s:.1f} | — | — |")
    print(f"\n{out}")


def _counts(run: dict[str, Any]) -> dict[str, Any]:
    keys = ("status", "items_read", "items_stored", "items_duplicate", "items_quarantined", "entities_created", "requests")
    return {k: run[k] for k in keys}


def platform_info() -> dict[str, Any]:
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "system": platform.platform()}


if __name__ == "__main__":
    main()
