#!/usr/bin/env python
"""The platform's write paths in-process, this checkout against another revision, in one run (not
a pytest test).

    python bench/write_paths.py --against HEAD~1 [--messages 6000] [--rounds 3]
    python bench/write_paths.py                       # this checkout alone

Each measurement runs in a fresh process on a fresh SQLite file (access enforced, an admin
caller, one Thing with 10 Datastreams), with the `stadsdata` package imported from the checkout
under test; `--against REV` adds a `git worktree` of REV in a temporary folder and the two take
turns round by round, so a slow moment of the machine falls on both. Reported: the fastest round.

  readings   `Ingestor.ingest_readings`: a connector's messages (LoRaWAN-like: 3 readings each,
             each with its idempotency key) — today through the observation sink, typed rows;
             before the core (issue 20) through a JSON dataArray parsed again by the service
  dataArray  `POST CreateObservations` through the SensorThings service, 1 000 readings a
             request over 10 streams (the batched ingest of a sensor integration)
  single     `POST Observations`, one reading a request, through the SensorThings service
  mqtt       what a `stadsdata ingest` worker does with a batch of 1 000 plain SensorThings MQTT
             creates (`Datastreams(id)/Observations`, QoS 1 keys): today dataArray documents
             through the observation sink; before through a JSON CreateObservations request

Writes JSON to bench/results/write-paths-<timestamp>.json and prints a Markdown table with the
ratio this checkout / REV (below 1.00: this checkout is cheaper).
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

RESULTS_DIR = Path(__file__).resolve().parent / "results"
HERE = Path(__file__).resolve().parents[1]
KINDS = ("readings", "dataArray", "single", "mqtt")
STREAMS = 10


def measure(kind: str, messages: int) -> dict[str, float]:
    """One measurement in this process (the package is imported from sys.path)."""
    import orjson

    from stadsdata.access.datasets import DatasetAccess
    from stadsdata.access.policy import Caller
    from stadsdata.api.sta.requests import StaRequest
    from stadsdata.api.sta.service import StaService
    from stadsdata.ingest import pipeline
    from stadsdata.store.sqlite.backend import SqliteStore

    admin = Caller(subject="bench", is_admin=True, can_write=True)
    with tempfile.TemporaryDirectory(prefix="stadsdata-write-paths-") as tmp:
        store = SqliteStore(Path(tmp) / "bench.db")
        store.open()
        service = StaService(store, DatasetAccess())

        def call(method: str, path: str, body: Any) -> Any:
            response = service.handle(StaRequest(method, path, body=orjson.dumps(body), content_type="application/json", caller=admin))
            assert response.status < 300, response.body
            return response

        thing = {
            "name": "bench", "description": "write paths",
            "Locations": [{"name": "here", "description": "here", "encodingType": "application/geo+json",
                           "location": {"type": "Point", "coordinates": [5.12, 52.09]}}],
            "Datastreams": [{
                "name": f"stream {i}", "description": "s",
                "unitOfMeasurement": {"name": "degree Celsius", "symbol": "degC", "definition": "http://unitsofmeasure.org"},
                "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                "Sensor": {"name": "s", "description": "s", "encodingType": "application/pdf", "metadata": "https://example.org/s"},
                "ObservedProperty": {"name": "t", "definition": "https://example.org/t", "description": "t"},
            } for i in range(STREAMS)],
        }  # fmt: skip
        call("POST", "Things", thing)
        start = datetime(2026, 1, 1, tzinfo=UTC)
        stamp = lambda i: (start + timedelta(seconds=i)).isoformat().replace("+00:00", "Z")  # noqa: E731
        ingestor = _ingestor(pipeline, store, service)
        if kind == "readings":
            typed = hasattr(ingestor, "sink")  # the observation sink of the core
            batches = []
            for m in range(messages):
                when = stamp(m)
                if typed:
                    from stadsdata.model.values import parse_instant
                    from stadsdata.service.sink import Reading

                    moment = parse_instant(when, field="t")
                    readings = [Reading(moment, 20.0 + f, datastream_id=1 + (m + f) % STREAMS, key=f"bench:{m}:{f}") for f in range(3)]
                else:
                    readings = [pipeline.Reading(f"bench:{m}:{f}", 1 + (m + f) % STREAMS, when, 20.0 + f) for f in range(3)]  # type: ignore[attr-defined]
                batches.append((pipeline.Message("bench", "uplink", b"{}"), readings))
            began = time.perf_counter()
            for message, readings in batches:
                assert ingestor.ingest_readings(message, admin, readings) is pipeline.Outcome.STORED
            seconds, count = time.perf_counter() - began, messages * 3
        elif kind == "dataArray":
            requests = max(1, messages * 3 // 1000)
            bodies = [
                orjson.dumps([{"Datastream": {"@iot.id": 1 + s}, "components": ["phenomenonTime", "result"],
                               "dataArray": [[stamp(r * 1000 + s * 100 + i), 20.5] for i in range(100)]}
                              for s in range(STREAMS)])
                for r in range(requests)
            ]  # fmt: skip
            began = time.perf_counter()
            for body in bodies:
                response = service.handle(StaRequest("POST", "CreateObservations", body=body, content_type="application/json", caller=admin))
                assert response.status == 201
            seconds, count = time.perf_counter() - began, requests * 1000
        elif kind == "mqtt":
            store_batch, key = _mqtt_batch(ingestor, service, admin)
            messages_ = []
            for i in range(messages * 3):
                topic, payload = f"v1.1/Datastreams({1 + i % STREAMS})/Observations", orjson.dumps({"phenomenonTime": stamp(i), "result": 21.5})
                messages_.append(pipeline.Message("mqtt", topic, payload, key=key(topic, payload)))
            batches = [messages_[i : i + 1000] for i in range(0, len(messages_), 1000)]
            began = time.perf_counter()
            for batch in batches:
                store_batch(batch)
            seconds, count = time.perf_counter() - began, len(messages_)
        else:
            bodies = [orjson.dumps({"phenomenonTime": stamp(i), "result": 21.0, "Datastream": {"@iot.id": 1 + i % STREAMS}})
                      for i in range(messages // 3)]  # fmt: skip
            began = time.perf_counter()
            for body in bodies:
                response = service.handle(StaRequest("POST", "Observations", body=body, content_type="application/json", caller=admin))
                assert response.status == 201
            seconds, count = time.perf_counter() - began, len(bodies)
        store.close()
    return {"observations": count, "seconds": seconds, "per_s": count / seconds, "us_per_observation": seconds / count * 1e6}


def _ingestor(pipeline: Any, store: Any, service: Any) -> Any:
    """The ingest pipeline of either revision: over the core's sink (now) or the service (before)."""
    import inspect

    if "sink" in inspect.signature(pipeline.Ingestor).parameters:
        from stadsdata.service.sink import ObservationSink

        return pipeline.Ingestor(store, ObservationSink(store, service.access, service.pseudonymiser))
    return pipeline.Ingestor(store, service)


def _mqtt_batch(ingestor: Any, service: Any, caller: Any) -> tuple[Any, Any]:
    """(store a batch of MQTT creates, the idempotency key of a message) of either revision."""
    try:
        from stadsdata.api.sta.mqtt.creates import MqttCreates
        from stadsdata.api.sta.mqtt.topics import sta_message_key
    except ImportError:  # before the MQTT extension moved into the SensorThings face
        from stadsdata.ingest.batch import ingest_batch  # type: ignore[import-not-found]

        from stadsdata.ingest.pipeline import sta_message_key  # type: ignore[attr-defined,no-redef]

        return (lambda batch: ingest_batch(ingestor, batch, caller)), sta_message_key
    creates = MqttCreates(ingestor, service)
    return (lambda batch: creates.ingest_batch(batch, caller)), sta_message_key


def run_in(code: Path, kind: str, messages: int) -> dict[str, float]:
    """`measure` in a fresh process importing `stadsdata` from `code`."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    out = subprocess.run([sys.executable, __file__, "--measure", kind, "--messages", str(messages)],
                         env=env, cwd=code, capture_output=True, text=True)  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"{kind} in {code} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", help="a git revision to compare with (e.g. HEAD~1, main)")
    parser.add_argument("--messages", type=int, default=6000, help="connector messages (3 readings each); sizes the others")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--measure", choices=KINDS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.messages)))
        return 0

    checkouts = {"this checkout": HERE}
    with tempfile.TemporaryDirectory(prefix="stadsdata-against-") as tmp:
        if args.against:
            other = Path(tmp) / "other"
            subprocess.run(["git", "-C", str(HERE), "worktree", "add", "--detach", str(other), args.against], check=True, capture_output=True)
            checkouts = {args.against: other, **checkouts}
        try:
            best: dict[str, dict[str, dict[str, float]]] = {name: {} for name in checkouts}
            for round_no in range(args.rounds):
                for kind in KINDS:
                    for name, code in checkouts.items():
                        figures = run_in(code, kind, args.messages)
                        if kind not in best[name] or figures["per_s"] > best[name][kind]["per_s"]:
                            best[name][kind] = figures
                print(f"round {round_no + 1}/{args.rounds} done", file=sys.stderr)
        finally:
            if args.against:
                subprocess.run(["git", "-C", str(HERE), "worktree", "remove", "--force", str(Path(tmp) / "other")], check=False)

    names = list(checkouts)
    lines = [f"Write paths in-process, SQLite, fastest of {args.rounds} rounds", "",
             "| path | " + " | ".join(f"{n}: obs/s (µs/obs)" for n in names) + (" | ratio (time) |" if len(names) > 1 else " |"),
             "|---|" + "---|" * len(names) + ("---|" if len(names) > 1 else "")]  # fmt: skip
    for kind in KINDS:
        cells = [f"{best[n][kind]['per_s']:,.0f} ({best[n][kind]['us_per_observation']:.1f})" for n in names]
        ratio = f" {best[names[-1]][kind]['us_per_observation'] / best[names[0]][kind]['us_per_observation']:.2f}× |" if len(names) > 1 else ""
        lines.append(f"| {kind} | " + " | ".join(cells) + " |" + ratio)
    print("\n".join(lines))
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"write-paths-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps({"args": vars(args), "machine": platform.platform(), "results": best}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
