"""Geo-queries (clause 4.10): `georel` (near;maxDistance==m / near;minDistance==m, within,
contains, intersects, disjoint, equals, overlaps), `geometry` (Point, MultiPoint, LineString,
MultiLineString, Polygon, MultiPolygon), `coordinates` (JSON) and `geoproperty` (default
`location`). Distances are great-circle metres (WGS 84 mean radius); the other relations are
evaluated with shapely on lon/lat coordinates."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from starlette.datastructures import QueryParams

from stadsdata.api.ngsild.errors import BadRequestData

GEOMETRIES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")
RELATIONS: dict[str, Callable[[BaseGeometry, BaseGeometry], bool]] = {
    "within": lambda entity, query: bool(entity.within(query)),
    "contains": lambda entity, query: bool(entity.contains(query)),
    "intersects": lambda entity, query: bool(entity.intersects(query)),
    "disjoint": lambda entity, query: bool(entity.disjoint(query)),
    "equals": lambda entity, query: bool(entity.equals(query)),
    "overlaps": lambda entity, query: bool(entity.overlaps(query)),
}
EARTH_RADIUS = 6_371_008.8  # metres


@dataclass(frozen=True)
class GeoQuery:
    relation: str
    geometry: BaseGeometry
    max_distance: float | None = None
    min_distance: float | None = None
    geoproperty: str = "location"


def geo_query(params: QueryParams) -> GeoQuery | None:
    georel, geometry, coordinates = params.get("georel"), params.get("geometry"), params.get("coordinates")
    if georel is None and geometry is None and coordinates is None:
        return None
    if georel is None or geometry is None or coordinates is None:
        missing = next(
            n for n, v in (("georel", georel), ("geometry", geometry), ("coordinates", coordinates)) if v is None
        )
        raise BadRequestData("a geo-query needs georel, geometry and coordinates", field=missing)
    if geometry not in GEOMETRIES:
        raise BadRequestData(f"geometry must be one of {', '.join(GEOMETRIES)}", field="geometry")
    try:
        shaped = shape({"type": geometry, "coordinates": orjson.loads(coordinates)})
        valid = shaped.is_valid and not shaped.is_empty
    except Exception:  # noqa: BLE001 - any malformed coordinates
        valid = False
    if not valid:
        raise BadRequestData(f"coordinates are not a valid {geometry}", field="coordinates")
    geoproperty = params.get("geoproperty", "location")
    parts = georel.split(";")
    relation = parts[0]
    if relation == "near":
        if geometry != "Point":
            raise BadRequestData("georel near needs a Point geometry", field="geometry")
        distances: dict[str, float] = {}
        for part in parts[1:]:
            match = re.fullmatch(r"(maxDistance|minDistance)==(\d+(\.\d+)?)", part)
            if not match:
                raise BadRequestData(
                    f"near takes maxDistance==<metres> or minDistance==<metres>, not {part!r}", field="georel"
                )
            distances[match.group(1)] = float(match.group(2))
        if not distances:
            raise BadRequestData("near needs maxDistance or minDistance", field="georel")
        return GeoQuery("near", shaped, distances.get("maxDistance"), distances.get("minDistance"), geoproperty)
    if relation not in RELATIONS or len(parts) > 1:
        raise BadRequestData(
            f"georel must be near;maxDistance==…, near;minDistance==… or one of {', '.join(RELATIONS)}", field="georel"
        )
    return GeoQuery(relation, shaped, geoproperty=geoproperty)


def distance(a: BaseGeometry, b: BaseGeometry) -> float:
    """Great-circle metres between the nearest points of two geometries (a point and anything:
    the representative point of a non-point geometry is used)."""
    p, q = a if a.geom_type == "Point" else a.representative_point(), b
    lon1, lat1, lon2, lat2 = map(math.radians, (p.x, p.y, q.x, q.y))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS * math.asin(min(1.0, math.sqrt(h)))


def geo_matches(query: GeoQuery, entity: dict[str, Any]) -> bool:
    attribute = entity.get(query.geoproperty)
    if isinstance(attribute, list):
        attribute = attribute[0] if attribute else None
    value = attribute.get("value") if isinstance(attribute, dict) else None
    if not isinstance(value, dict):
        return False
    try:
        geometry = shape(value)
    except Exception:  # noqa: BLE001 - a stored geometry shapely cannot read matches nothing
        return False
    if query.relation == "near":
        metres = distance(geometry, query.geometry)
        return (query.max_distance is None or metres <= query.max_distance) and (
            query.min_distance is None or metres >= query.min_distance
        )
    return RELATIONS[query.relation](geometry, query.geometry)
