#!/usr/bin/env python
"""`stadsdata import` of a large CSV file (not a pytest test).

    python bench/import_csv.py [--rows 1000000] [--sensors 1000]

1. writes a CSV of `--rows` rows: `--sensors` sensors (id, name, lon, lat), each with readings
   every 10 minutes (time, value);
2. baseline: the same readings stored straight through the observation sink (the batched ingest
   every source ends in), 1 000 a call, streams made first, in a fresh SQLite file;
3. import: `stadsdata import FILE --mapping M` as a user runs it (its own process, a fresh SQLite
   file, the progress bar on the terminal), timed from start to exit;
4. again: the same command a second time (the same file: nothing read twice).

Prints a Markdown table (rows per second; import / baseline in the same run) and writes
bench/results/import-csv-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE))
RESULTS_DIR = HERE / "bench" / "results"
START = datetime(2026, 1, 1, tzinfo=UTC)
MAPPING = {
    "thing": {"key": "sensor", "name": "name"}, "location": {"lon": "lon", "lat": "lat"}, "time": {"path": "time"}, "key": ["sensor", "time"],
    "datastreams": [{"name": "pm10", "result": "value", "unit": {"name": "microgram per cubic metre", "symbol": "ug/m3"},
                     "observed_property": {"name": "PM10"}}],
}  # fmt: skip


def write_csv(path: Path, rows: int, sensors: int) -> None:
    per_sensor = rows // sensors
    with path.open("w") as out:
        out.write("sensor,name,lon,lat,time,value\n")
        for s in range(sensors):
            lon, lat = 6.0 + (s % 100) / 1000, 52.5 + (s // 100) / 1000
            for m in range(per_sensor):
                at = (START + timedelta(minutes=10 * m)).strftime("%Y-%m-%dT%H:%M:%SZ")
                out.write(f"S{s:04d},sensor {s},{lon:.4f},{lat:.4f},{at},{(s * 7 + m) % 97 / 3:.2f}\n")


def baseline(folder: Path, rows: int, sensors: int) -> float:
    from stadsdata.access.policy import Caller
    from stadsdata.app import open_store, platform_for, policy_for
    from stadsdata.model.entities import THING
    from stadsdata.service.sink import Reading
    from stadsdata.settings import Settings

    settings = Settings(database=str(folder / "baseline.db"), access_mode="enforced", mqtt_embedded=False, sources_run=False)
    store = open_store(settings)
    platform = platform_for(settings, store, policy_for(settings))
    admin = Caller(subject="bench", is_admin=True, can_write=True)
    streams = []
    for s in range(sensors):
        thing = platform.core.entities.create(admin, THING, {
            "name": f"sensor {s}", "description": "-", "Locations": [{"name": "-", "description": "-", "encodingType": "application/geo+json",
                                                                     "location": {"type": "Point", "coordinates": [6.0, 52.5]}}],
            "Datastreams": [{"name": "pm10", "description": "-", "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                             "unitOfMeasurement": {"name": "u", "symbol": "u", "definition": "u"},
                             "ObservedProperty": {"name": "PM10", "definition": "PM10", "description": "-"},
                             "Sensor": {"name": "s", "description": "-", "encodingType": "text/plain", "metadata": "-"}}],
        })  # fmt: skip
        with store.read_only() as tx:
            streams.append(tx.related_ids(THING, thing, "Datastreams")[0])
    per_sensor = rows // sensors
    started = time.perf_counter()
    batch: list[Reading] = []
    for s, stream in enumerate(streams):
        for m in range(per_sensor):
            batch.append(Reading(START + timedelta(minutes=10 * m), (s * 7 + m) % 97 / 3, datastream_id=stream, key=f"b:{s}:{m}"))
            if len(batch) == 1000:
                platform.core.observations.write(admin, batch)
                batch = []
    if batch:
        platform.core.observations.write(admin, batch)
    elapsed = time.perf_counter() - started
    store.close()
    return rows / elapsed


def run_import(folder: Path, csv_path: Path, mapping: Path) -> tuple[float, str]:
    env = {**os.environ, "STADSDATA_LOG_LEVEL": "warning"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "stadsdata.cli", "import", str(csv_path), "--mapping", str(mapping), "--database",
                           str(folder / "import.db")], env=env, stdout=subprocess.PIPE, stderr=None, text=True, check=True)  # fmt: skip
    return time.perf_counter() - started, done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sensors", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stadsdata-import-") as tmp:
        folder = Path(tmp)
        csv_path, mapping = folder / "metingen.csv", folder / "metingen.mapping.json"
        write_csv(csv_path, args.rows, args.sensors)
        mapping.write_text(json.dumps(MAPPING))
        sink_rate = baseline(folder, args.rows, args.sensors)
        first_s, first = run_import(folder, csv_path, mapping)
        second_s, second = run_import(folder, csv_path, mapping)
        size = csv_path.stat().st_size
    result = {
        "when": datetime.now(UTC).isoformat(), "rows": args.rows, "sensors": args.sensors, "file_bytes": size, "cpus": os.cpu_count(),
        "baseline_sink_rows_per_s": round(sink_rate), "import": {"seconds": round(first_s, 1), "rows_per_s": round(args.rows / first_s), "summary": first},
        "again": {"seconds": round(second_s, 1), "summary": second},
    }  # fmt: skip
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"import-csv-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2))
    print("| step | rows | seconds | rows/s | ratio to the sink baseline |\n|---|---|---|---|---|")
    print(f"| baseline: the sink, 1 000 a call | {args.rows} | {args.rows / sink_rate:.1f} | {sink_rate:.0f} | 1.00 |")
    print(f"| `stadsdata import` ({size / 1e6:.0f} MB CSV, whole command) | {args.rows} | {first_s:.1f} | {args.rows / first_s:.0f} | {args.rows / first_s / sink_rate:.2f} |")
    print(f"| the same import again | — | {second_s:.1f} | — | — |")
    print(f"\n{first}\n{second}\n{out}")


if __name__ == "__main__":
    main()
