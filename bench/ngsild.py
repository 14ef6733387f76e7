#!/usr/bin/env python
"""The NGSI-LD face next to SensorThings, in the same run, at 100 000 entities (not a pytest test).

    python bench/ngsild.py [--entities 100000] [--sample 300] [--queries 20]
                           [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

One app in-process (`TestClient`: the whole HTTP stack without a socket), one store, open access:
SQLite in a temporary folder, or with --postgres ADMIN_URL a scratch PostgreSQL database (created
and dropped, as bench/aggregates.py does). The base data — `--entities` AirQualityObserved
entities (Things with a Location and two Datastreams, no2 and pm10, with one value each; every
tenth a plain SensorThings Thing whose type follows from the mapping rule) — is bulk-loaded
through the store's tables (bench/ngsild_load.py) and checked against the face. Then, each face
doing the same work on the same Things:

  creates/s  `POST /ngsi-ld/v1/entities` of one more entity against `POST /v1.1/Things` with the
             same deep insert (a sample of `--sample` each, at the full size);
  type       a page of 20 of a type (`?type=AirQualityObserved`) against the Things measuring no2
             with their latest values (`Things?$filter=Datastreams/ObservedProperty/name eq 'no2'
             &$expand=Datastreams($expand=Observations($top=1;$orderby=phenomenonTime desc))&$top=20`);
  q          a page of 20 with no2 > 30 (`?type=AirQualityObserved&q=no2>30`) against
             `Things?$filter=Datastreams/Observations/result gt 30&$expand=…&$top=20`;
  near       the entities within 300 m of a point (`?georel=near;maxDistance==300&geometry=Point
             &coordinates=[6.05,52.9]` at 100 000, the middle of the grid; a page of 20) against `Things?$filter=st_within(
             Locations/location, geography'POLYGON(…)')&$expand=…&$top=20` (the circle's box);
  count      how many of a type (`?type=AirQualityObserved&count=true&limit=0`) against
             `Things?$filter=Datastreams/ObservedProperty/name eq 'no2'&$count=true&$top=0`;
  by id      one entity by id against `Things(id)?$expand=…` as above.

Rates are the median of three passes; ratios NGSI-LD / SensorThings are printed and written to
bench/results/ngsild-<backend>-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
import latest  # noqa: E402  (bench/latest.py: a scratch PostgreSQL database)
import ngsild_load  # noqa: E402
import orjson  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from stadsdata.app import create_app  # noqa: E402
from stadsdata.geo.sphere import box  # noqa: E402
from stadsdata.settings import Settings  # noqa: E402
from stadsdata.store.base import Store  # noqa: E402
from stadsdata.store.sqlite.backend import SqliteStore  # noqa: E402

RESULTS_DIR = Path(__file__).resolve().parent / "results"
LATEST = "$expand=Datastreams($expand=Observations($top=1;$orderby=phenomenonTime desc))"
NGSI = "/ngsi-ld/v1/entities"
RADIUS = 300.0  # metres around the middle of the grid


def sta_thing(index: int) -> dict[str, Any]:
    lon, lat = ngsild_load.place(index)
    no2, pm10 = ngsild_load.values(index)

    def stream(name: str, value: float) -> dict[str, Any]:
        return {"name": name, "description": name, "unitOfMeasurement": ngsild_load.UNIT,
                "observationType": ngsild_load.MEASUREMENT,
                "Sensor": {"name": "s", "description": "s", "encodingType": "text/html", "metadata": "x"},
                "ObservedProperty": {"name": name, "definition": f"https://example.org/{name}", "description": name},
                "Observations": [{"phenomenonTime": ngsild_load.WHEN, "result": value}]}  # fmt: skip

    return {"name": f"meetpunt {index}", "description": "d",
            "Locations": [{"name": "l", "description": "l", "encodingType": "application/geo+json",
                           "location": {"type": "Point", "coordinates": [lon, lat]}}],
            "Datastreams": [stream("no2", no2), stream("pm10", pm10)]}  # fmt: skip


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def timed(call: Callable[[], Any], times: int) -> float:
    """Calls per second: the median of three passes of `times` calls."""
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(times):
            response = call()
            assert response.status_code in (200, 201), response.text[:300]
        runs.append(time.perf_counter() - start)
    return rate(times, statistics.median(runs))


def creates(client: TestClient, first: int, sample: int) -> tuple[float, float]:
    start = time.perf_counter()
    for i in range(first, first + sample):
        response = client.post(NGSI, json=ngsild_load.entity(i))
        assert response.status_code == 201, (i, response.text)
    ngsi = rate(sample, time.perf_counter() - start)
    start = time.perf_counter()
    for i in range(first + sample, first + 2 * sample):
        assert client.post("/v1.1/Things", json=sta_thing(i)).status_code == 201
    return ngsi, rate(sample, time.perf_counter() - start)


def queries(client: TestClient, n: int, entities: int) -> dict[str, tuple[float, float]]:
    centre = ngsild_load.place(entities // 2 + 50)
    minx, miny, maxx, maxy = box(*centre, RADIUS)
    polygon = f"POLYGON(({minx} {miny},{maxx} {miny},{maxx} {maxy},{minx} {maxy},{minx} {miny}))"
    near = {"georel": f"near;maxDistance=={RADIUS:g}", "geometry": "Point", "coordinates": f"[{centre[0]},{centre[1]}]"}
    no2 = "Datastreams/ObservedProperty/name eq 'no2'"
    cases: dict[str, tuple[dict[str, str], str]] = {
        "type": ({"type": "AirQualityObserved"}, f"/v1.1/Things?$filter={no2}&{LATEST}&$top=20"),
        "q": ({"type": "AirQualityObserved", "q": "no2>30"}, f"/v1.1/Things?$filter=Datastreams/Observations/result gt 30&{LATEST}&$top=20"),
        "near": (near, f"/v1.1/Things?$filter=st_within(Locations/location, geography'{polygon}')&{LATEST}&$top=20"),
        "count": ({"type": "AirQualityObserved", "count": "true", "limit": "0"}, f"/v1.1/Things?$filter={no2}&$count=true&$top=0"),
    }  # fmt: skip
    found = client.get(NGSI, params=near).json()
    assert found and all(e["type"] == "AirQualityObserved" for e in found), found
    counted = client.get(NGSI, params=cases["count"][0])
    assert int(counted.headers["ngsild-results-count"]) >= entities, counted.headers
    out = {}
    for name, (params, sta) in cases.items():
        out[name] = (timed(lambda p=params: client.get(NGSI, params=p), n), timed(lambda u=sta: client.get(u), n))
        print(f"  {name}: {out[name][0]:.1f}/s against {out[name][1]:.1f}/s", flush=True)
    middle = entities // 2 + (entities // 2 % 10 == 9)  # a created one
    out["by_id"] = (
        timed(lambda: client.get(f"{NGSI}/urn:ngsi-ld:AirQualityObserved:bench{middle}"), n),
        timed(lambda: client.get(f"/v1.1/Things({middle + 1})?{LATEST}"), n),
    )
    return out


@contextmanager
def backend(postgres: str | None) -> Iterator[tuple[Store, str]]:
    if postgres:
        with latest.postgres_database(postgres) as (store, url):
            yield store, url
        return
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "bench.db")
        store = SqliteStore(path)
        store.open()
        try:
            yield store, path
        finally:
            store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--entities", type=int, default=100_000, help="entities bulk-loaded before measuring")
    parser.add_argument("--sample", type=int, default=300, help="entities created on each face to measure creates")
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument(
        "--postgres", metavar="ADMIN_URL", help="on PostgreSQL (a scratch database is created and dropped)"
    )
    args = parser.parse_args()
    name = "postgresql" if args.postgres else "sqlite"
    figures: dict[str, Any] = {
        "entities": args.entities,
        "backend": name,
        "sample": args.sample,
        "queries": args.queries,
    }
    with backend(args.postgres) as (store, database):
        start = time.perf_counter()
        ngsild_load.load(store, args.entities)
        figures["load_s"] = time.perf_counter() - start
        print(f"{name}: loaded {args.entities:,} entities in {figures['load_s']:.0f} s", flush=True)
        settings = Settings(
            database=database, access_mode="open", mqtt_embedded=False, sources_run=False, rate_limit_anonymous="none"
        )
        with TestClient(create_app(settings, store=store)) as client:
            for i in (0, 9, args.entities - 1):  # the loaded data is what the face writes
                got = client.get(
                    f"{NGSI}/{ngsild_load.entity(i)['id']}"
                    if ngsild_load.native(i)
                    else f"{NGSI}/urn:ngsi-ld:AirQualityObserved:{i + 1}"
                )
                expected = ngsild_load.entity(i) if ngsild_load.native(i) else None
                assert got.status_code == 200 and (expected is None or got.json() == expected), got.text
            figures["ngsild_creates_per_s"], figures["sta_creates_per_s"] = creates(client, args.entities, args.sample)
            for kind, (ngsi, sta) in queries(client, args.queries, args.entities).items():
                figures[f"ngsild_{kind}_per_s"], figures[f"sta_{kind}_per_s"] = ngsi, sta
    print(f"\n{name}, {args.entities:,} entities\n\n| | NGSI-LD /s | SensorThings /s | ratio |\n|---|---|---|---|")
    for kind in ("creates", "type", "q", "near", "count", "by_id"):
        figures[f"{kind}_ratio"] = figures[f"ngsild_{kind}_per_s"] / figures[f"sta_{kind}_per_s"]
        print(
            f"| {kind} | {figures[f'ngsild_{kind}_per_s']:.1f} | {figures[f'sta_{kind}_per_s']:.1f} | {figures[f'{kind}_ratio']:.2f} |"
        )
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"ngsild-{name}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
