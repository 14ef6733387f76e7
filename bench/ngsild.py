#!/usr/bin/env python
"""The NGSI-LD face next to SensorThings, in the same run (not a pytest test).

    python bench/ngsild.py [--entities 2000] [--queries 30] [--postgres URL_OF_AN_EMPTY_DATABASE]

One app in-process (`TestClient`: the whole HTTP stack without a socket), one store (SQLite, or
an empty PostgreSQL database), open access. Measured, each face doing the same work:

  creates/s   NGSI-LD `POST /entities` of an AirQualityObserved (a location, no2 and pm10 with a
              value each) against SensorThings `POST /Things` with the same deep insert (Location,
              two Datastreams with Sensor, ObservedProperty and one Observation each);
  queries/s   a page of 20 entities with no2 > 30 (`GET /entities?type=…&q=no2>30`) against the
              SensorThings query of the same Things with their latest values
              (`Things?$filter=Datastreams/Observations/result gt 30&$expand=Datastreams(
              $expand=Observations($top=1;$orderby=phenomenonTime desc))&$top=20`);
  by id/s     one entity by id against `Things(id)?$expand=…` as above.

Ratios NGSI-LD / SensorThings are printed and written to bench/results/ngsild-<timestamp>.json.
The first slice of the face maps all visible Things on every request (docs/ngsi-ld.md,
"Performance"): its query and by-id rates fall with the number of entities, SensorThings' do not.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from fastapi.testclient import TestClient

from stadsdata.app import create_app
from stadsdata.settings import Settings

RESULTS_DIR = Path(__file__).resolve().parent / "results"
WHEN = "2026-05-01T10:00:00Z"
LATEST = "$expand=Datastreams($expand=Observations($top=1;$orderby=phenomenonTime desc))"


def ngsi_entity(index: int) -> dict[str, Any]:
    lon, lat = 6.0 + (index % 100) / 1000, 52.4 + (index // 100) / 1000
    return {
        "id": f"urn:ngsi-ld:AirQualityObserved:bench{index}", "type": "AirQualityObserved",
        "no2": {"type": "Property", "value": float(index % 60), "observedAt": WHEN, "unitCode": "GQ"},
        "pm10": {"type": "Property", "value": float(index % 40), "observedAt": WHEN, "unitCode": "GQ"},
        "name": {"type": "Property", "value": f"meetpunt {index}"},
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [lon, lat]}},
    }  # fmt: skip


def sta_thing(index: int) -> dict[str, Any]:
    lon, lat = 6.0 + (index % 100) / 1000, 52.4 + (index // 100) / 1000
    unit = {"name": "microgram per cubic metre", "symbol": "µg/m³", "definition": "urn:ngsi-ld:unitCode:GQ"}

    def stream(name: str, value: float) -> dict[str, Any]:
        return {"name": name, "description": name, "unitOfMeasurement": unit,
                "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                "Sensor": {"name": "s", "description": "s", "encodingType": "text/html", "metadata": "x"},
                "ObservedProperty": {"name": name, "definition": f"https://example.org/{name}", "description": name},
                "Observations": [{"phenomenonTime": WHEN, "result": value}]}  # fmt: skip

    return {"name": f"meetpunt {index}", "description": "d",
            "Locations": [{"name": "l", "description": "l", "encodingType": "application/geo+json",
                           "location": {"type": "Point", "coordinates": [lon, lat]}}],
            "Datastreams": [stream("no2", float(index % 60)), stream("pm10", float(index % 40))]}  # fmt: skip


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def timed(calls: list[Any]) -> float:
    """Calls per second: the median of three passes over `calls`."""
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        for call in calls:
            response = call()
            assert response.status_code in (200, 201), response.text[:300]
        runs.append(time.perf_counter() - start)
    return rate(len(calls), statistics.median(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--entities", type=int, default=2000, help="entities made on each face")
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument(
        "--postgres", help="URL of an empty PostgreSQL database (default: SQLite in a temporary folder)"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    database = args.postgres or str(folder / "bench.db")
    settings = Settings(
        database=database, access_mode="open", mqtt_embedded=False, sources_run=False, rate_limit_anonymous="none"
    )
    figures: dict[str, Any] = {"entities": args.entities, "backend": "postgresql" if args.postgres else "sqlite"}
    with TestClient(create_app(settings)) as client:
        start = time.perf_counter()
        for i in range(args.entities):
            response = client.post("/ngsi-ld/v1/entities", json=ngsi_entity(i))
            assert response.status_code == 201, (i, response.text)
        figures["ngsild_creates_per_s"] = rate(args.entities, time.perf_counter() - start)
        start = time.perf_counter()
        for i in range(args.entities):
            assert client.post("/v1.1/Things", json=sta_thing(i)).status_code == 201
        figures["sta_creates_per_s"] = rate(args.entities, time.perf_counter() - start)
        n = args.queries
        figures["ngsild_queries_per_s"] = timed(
            [lambda: client.get("/ngsi-ld/v1/entities", params={"type": "AirQualityObserved", "q": "no2>30"})] * n
        )
        sta_query = f"/v1.1/Things?$filter=Datastreams/Observations/result gt 30&{LATEST}&$top=20"
        figures["sta_queries_per_s"] = timed([lambda: client.get(sta_query)] * n)
        thing = args.entities + args.entities // 2  # one of the SensorThings Things
        figures["ngsild_by_id_per_s"] = timed(
            [lambda: client.get(f"/ngsi-ld/v1/entities/urn:ngsi-ld:AirQualityObserved:bench{args.entities // 2}")] * n
        )
        figures["sta_by_id_per_s"] = timed([lambda: client.get(f"/v1.1/Things({thing})?{LATEST}")] * n)
    for kind in ("creates", "queries", "by_id"):
        figures[f"{kind}_ratio"] = figures[f"ngsild_{kind}_per_s"] / figures[f"sta_{kind}_per_s"]
        print(
            f"{kind:8} NGSI-LD {figures[f'ngsild_{kind}_per_s']:9.1f}/s  SensorThings {figures[f'sta_{kind}_per_s']:9.1f}/s  ratio {figures[f'{kind}_ratio']:.3f}"
        )
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"ngsild-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
