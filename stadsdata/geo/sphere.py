"""Great-circle distances on a sphere of the WGS 84 mean radius (the haversine formula), in metres:
what NGSI-LD `near;maxDistance==…` measures. One formula for Python and both databases (SQLite
calls this module, PostgreSQL spells it in SQL: store/postgres/functions.py)."""

from __future__ import annotations

import math

EARTH_RADIUS = 6_371_008.8  # metres


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Metres between two points given in degrees (lon, lat)."""
    p1, q1, p2, q2 = map(math.radians, (lon1, lat1, lon2, lat2))
    h = math.sin((q2 - q1) / 2) ** 2 + math.cos(q1) * math.cos(q2) * math.sin((p2 - p1) / 2) ** 2
    return 2 * EARTH_RADIUS * math.asin(min(1.0, math.sqrt(h)))


def box(lon: float, lat: float, distance: float) -> tuple[float, float, float, float]:
    """A (minx, miny, maxx, maxy) box in degrees holding every point within `distance` metres of
    (lon, lat), with a margin (a pre-filter: the exact test follows); the whole globe's longitudes
    near a pole or for long distances."""
    spread = math.degrees(distance / EARTH_RADIUS) * 1.01 + 1e-9
    miny, maxy = max(-90.0, lat - spread), min(90.0, lat + spread)
    widest = max(abs(miny), abs(maxy))
    if widest >= 89.0 or spread >= 45.0:
        return -180.0, miny, 180.0, maxy
    wide = spread / math.cos(math.radians(widest))
    if lon - wide < -180.0 or lon + wide > 180.0:  # across the antimeridian
        return -180.0, miny, 180.0, maxy
    return lon - wide, miny, lon + wide, maxy
