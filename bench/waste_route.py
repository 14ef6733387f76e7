#!/usr/bin/env python
"""The waste route (issue 17, `stadsdata/analytics/waste/`) on a synthetic city: not a pytest test.

    python bench/waste_route.py [--side 150] [--containers 200] [--solver-s 2] [--seed 17]

A square grid of side × side crossings 80 m apart (150: 22 500 crossings, 44 700 street pieces)
with some pieces left out at random (10 %, as a city's street network is not a full grid), the
depot at a corner, containers at random points beside the streets. Reported, in one run:

  graph          building the graph from its GeoJSON (joined at shared vertices)
  attach         attaching the depot and the containers to their nearest street piece
  matrix         the distances between them: Dijkstra from every one (in chunks of 64 sources)
  proposal       the whole `plan_route` (attach, matrix, OR-Tools for --solver-s seconds, the paths)
  quality        the route's length against the nearest-neighbour tour over the same matrix (the
                 baseline a planner without a solver would drive): below 1 is better

Prints a Markdown table; nothing is written.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stadsdata.analytics.waste.graph import METRES_PER_DEGREE_LAT, METRES_PER_DEGREE_LON_AT_EQUATOR  # noqa: E402
from stadsdata.analytics.waste.paths import StreetPaths  # noqa: E402
from stadsdata.analytics.waste.plan import RouteRequest, plan_route  # noqa: E402
from stadsdata.analytics.waste.readings import Readings, Site  # noqa: E402
from stadsdata.analytics.waste.streets_geojson import streets_from_geojson  # noqa: E402

LON0, LAT0, STEP = 4.40, 51.88, 80.0


def city(side: int, rng: np.random.Generator) -> dict:
    dlon = STEP / (METRES_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(LAT0)))
    dlat = STEP / METRES_PER_DEGREE_LAT
    features = []
    for i in range(side):
        for j in range(side):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < side and j + dj < side and (rng.random() > 0.1 or i + j == 0):
                    line = [[LON0 + i * dlon, LAT0 + j * dlat], [LON0 + (i + di) * dlon, LAT0 + (j + dj) * dlat]]
                    features.append({"type": "Feature", "properties": {"name": f"straat {j if di else i}"},
                                     "geometry": {"type": "LineString", "coordinates": line}})  # fmt: skip
    features.append({"type": "Feature", "properties": {"kind": "depot"}, "geometry": {"type": "Point", "coordinates": [LON0, LAT0]}})
    return {"type": "FeatureCollection", "features": features}


def nearest_neighbour(matrix: np.ndarray) -> float:
    left, at, total = set(range(1, len(matrix))), 0, 0.0
    while left:
        nxt = min(left, key=lambda k: matrix[at, k])
        total += matrix[at, nxt]
        left.remove(nxt)
        at = nxt
    return total + matrix[at, 0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--side", type=int, default=150)
    parser.add_argument("--containers", type=int, default=200)
    parser.add_argument("--solver-s", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    collection = city(args.side, rng)
    t = time.perf_counter()
    graph = streets_from_geojson(collection)
    times = {"graph": time.perf_counter() - t}
    span_lon = (args.side - 1) * STEP / (METRES_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(LAT0)))
    span_lat = (args.side - 1) * STEP / METRES_PER_DEGREE_LAT
    moment = datetime.now(UTC)
    containers = [Site(k, f"container {k}", k, 95.0, moment, (LON0 + rng.random() * span_lon, LAT0 + rng.random() * span_lat))
                  for k in range(args.containers)]  # fmt: skip
    t = time.perf_counter()
    attached, spots = graph.attach([graph.depot, *(c.lonlat for c in containers)], within=250)
    times["attach"] = time.perf_counter() - t
    t = time.perf_counter()
    streets = StreetPaths(attached)
    reach = streets.reach(spots[0].node)
    nodes = [s.node for s in spots if np.isfinite(reach[s.node])]
    matrix = streets.between(nodes)
    times["matrix"] = time.perf_counter() - t
    t = time.perf_counter()
    answer = plan_route(graph, Readings(containers, []), RouteRequest(time_limit_s=args.solver_s))
    times["proposal"] = time.perf_counter() - t
    baseline = nearest_neighbour(matrix)
    print(f"| {args.side}² crossings ({graph.node_count()} nodes, {len(graph.u)} pieces), {len(nodes) - 1} reachable containers | |")
    print("|---|---|")
    for name, seconds in times.items():
        print(f"| {name} | {seconds * 1000:.0f} ms |")
    print(f"| route (OR-Tools, {args.solver_s:g} s) | {answer['totalLengthM'] / 1000:.1f} km |")
    print(f"| nearest-neighbour tour (baseline) | {baseline / 1000:.1f} km |")
    print(f"| quality: route / baseline | {answer['totalLengthM'] / baseline:.3f} |")


if __name__ == "__main__":
    main()
