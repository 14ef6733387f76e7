"""The demo city's street graph for the waste route (`analytics/waste/`): the streets of Veenhaven's
background map (`basemap.py`, from the town plan `townplan.py`) — the ring road, the main streets,
the side streets along the water and the railway, and the neighbourhoods' own streets — as the
GeoJSON a real city would give (`analytics/waste/streets_geojson.py`), with the waste company's
depot on the industrial estate De Vaart. The streets were drawn, not noded: they are joined where
they cross. The sensor sites (`city.sites()`) are scattered over the town; the few beyond the last
street by more than the route's limit are reported as unreachable, as they would be in a real city."""

from __future__ import annotations

from functools import cache
from typing import Any

import orjson
from shapely.geometry import Point

from stadsdata.analytics.waste.graph import StreetGraph
from stadsdata.analytics.waste.streets_geojson import streets_from_geojson
from stadsdata.demo.basemap import background_geojson, to_lonlat

DEPOT_IN_PLAN = (2900.0, 420.0)  # metres east and north of the centre: De Vaart, north of the Oostervaart
STREET_CLASSES = ("ring", "main", "side", "local", "minor")


@cache
def streets_geojson() -> dict[str, Any]:
    """The FeatureCollection: a LineString or MultiLineString per street feature of the background
    map (`name` where it has one, `class`), and the depot as a Point of `kind` 'depot'."""
    background = orjson.loads(background_geojson())
    features = [{"type": "Feature", "geometry": f["geometry"], "properties": {"name": f["properties"].get("name", ""),
                                                                               "class": f["properties"]["class"]}}
                for f in background["features"]
                if f["properties"].get("kind") == "street" and f["properties"].get("class") in STREET_CLASSES]  # fmt: skip
    depot = to_lonlat(Point(DEPOT_IN_PLAN))
    features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [depot.x, depot.y]},
                     "properties": {"kind": "depot", "name": "Depot Afvalbedrijf Groen"}})  # fmt: skip
    return {"type": "FeatureCollection", "name": "Veenhaven streets", "features": features}


@cache
def street_graph() -> StreetGraph:
    """The graph (built once per process, on first use)."""
    return streets_from_geojson(streets_geojson(), split_at_crossings=True)
