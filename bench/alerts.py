#!/usr/bin/env python
"""Ingest with 100 alert rules active against no rules, in the same run (issue 17; not a pytest test).

    python bench/alerts.py [--streams 10] [--batches 40] [--rows 1000] [--rules 100] [--pairs 3] [--quiet]

Two fresh SQLite databases, the same data: S Datastreams, B batches of `CreateObservations` (R rows each,
spread over the streams) through the platform's own API in process (admin key, access enforced). Run 1 has
no alert rules; run 2 has N threshold rules (N / S per stream, thresholds such that some fire and clear).
Reported: ingest rows/s of each run (the time of the POSTs: ingest never waits on evaluation, which runs on
its own thread), the ratio (the issue asks ≥ 0.8), and how long the evaluator needed after the last POST to
finish (the drain, which includes writing the rules' states), with the number of alerts opened. The pair of
runs is repeated `--pairs` times, in alternating order (a machine whose load drifts favours neither), and the
median ratio is given. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))
from fastapi.testclient import TestClient  # noqa: E402

from stadsdata.access.api_keys import generate_api_key  # noqa: E402
from stadsdata.app import create_app  # noqa: E402
from stadsdata.settings import Settings  # noqa: E402
from stadsdata.store.sqlite.backend import SqliteStore  # noqa: E402

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def run(folder: Path, streams: int, batches: int, rows: int, rules: int, base: float) -> tuple[float, float, int]:
    store = SqliteStore(folder / "bench.db")
    store.open()
    now = datetime.now(UTC)
    with store.write() as tx:
        party = tx.access.add_party("beheer", "organisation", None, now)
        key = generate_api_key()
        tx.access.add_api_key(key.prefix, key.key_hash, "admin", party, is_admin=True, can_write=True, expires_at=None, now=now)
    admin = {"X-API-Key": key.secret_key}
    settings = Settings(database=str(folder / "bench.db"), access_mode="enforced", basemap="none")
    with TestClient(create_app(settings, store=store)) as client:
        unit = {"name": "microgram per cubic metre", "symbol": "µg/m³", "definition": "x"}
        location = {"name": "L", "description": "l", "encodingType": "application/geo+json",
                    "location": {"type": "Point", "coordinates": [4.9, 52.37]}}
        thing = {"name": "T", "description": "t", "Locations": [location], "Datastreams": [
            {"name": f"s{i}", "description": "s", "observationType": "OM_Measurement", "unitOfMeasurement": unit,
             "ObservedProperty": {"name": "NO2", "definition": "no2", "description": "no2"},
             "Sensor": {"name": "x", "description": "x", "encodingType": "text/plain", "metadata": "x"}} for i in range(streams)
        ]}  # fmt: skip
        assert client.post("/v1.1/Things", json=thing, headers=admin).status_code == 201
        for r in range(rules):
            params = {"operator": "above", "value": base + (r // streams) * 5, "hysteresis": 2, "minDurationSeconds": 60}
            body = {"name": f"r{r}", "kind": "threshold", "datastreamId": 1 + r % streams, "params": params}
            assert client.post("/api/v1/alert-rules", json=body, headers=admin).status_code == 201
        per = rows // streams
        started = time.perf_counter()
        for b in range(batches):
            body = []
            for s in range(streams):
                data = [[(T0 + timedelta(minutes=b * per + i)).isoformat(), float((b * per + i + 7 * s) % 100)] for i in range(per)]
                body.append({"Datastream": {"@iot.id": 1 + s}, "components": ["phenomenonTime", "result"], "dataArray": data})
            answer = client.post("/v1.1/CreateObservations", json=body, headers=admin)
            assert answer.status_code == 201, answer.text[:500]
        ingest = time.perf_counter() - started
        client.app.state.alert_evaluator.wait_idle()  # type: ignore[attr-defined]
        drain = time.perf_counter() - started - ingest
        with store.read_only() as tx:
            opened = tx.access.count_rows("alerts")
    return batches * per * streams / ingest, drain, opened


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--streams", type=int, default=10)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--rules", type=int, default=100)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--quiet", action="store_true", help="thresholds above every value: rules evaluated, none fires")
    args = parser.parse_args()
    ratios = []
    print("| pair | run | ingest rows/s | ratio | evaluation drain after last POST (s) | alerts opened |")
    print("|---|---|---|---|---|---|")
    for pair in range(args.pairs):
        order = (("no rules", 0), (f"{args.rules} rules", args.rules))
        results = {}
        for label, rules in order if pair % 2 == 0 else order[::-1]:
            with tempfile.TemporaryDirectory() as folder:
                results[label] = run(Path(folder), args.streams, args.batches, args.rows, rules, 1000.0 if args.quiet else 40.0)
        base = results["no rules"][0]
        for label, _ in order:
            rate, drain, opened = results[label]
            print(f"| {pair + 1} | {label} | {rate:,.0f} | {rate / base:.2f} | {drain:.2f} | {opened} |", flush=True)
        ratios.append(results[f"{args.rules} rules"][0] / base)
    print(f"\nmedian ratio with {args.rules} rules: {statistics.median(ratios):.2f} (pairs: {', '.join(f'{r:.2f}' for r in ratios)})")


if __name__ == "__main__":
    main()
