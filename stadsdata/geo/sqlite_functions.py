"""Spatial SQL functions for SQLite, backed by shapely/GEOS.

`register(conn)` adds the OGC SensorThings / OData spatial functions to a raw
`sqlite3.Connection`:

=================  =====  ==========================================================
SQL function       args   result
=================  =====  ==========================================================
st_equals          a, b   1/0, topological equality
st_disjoint        a, b   1/0
st_touches         a, b   1/0
st_within          a, b   1/0, a within b
st_overlaps        a, b   1/0
st_crosses         a, b   1/0
st_intersects      a, b   1/0
st_contains        a, b   1/0, a contains b
st_relate          a, b,  1/0, DE-9IM intersection matrix of (a, b) matches the
                   p      9-character pattern p (characters T F * 0 1 2)
geo_intersects     a, b   1/0, same as st_intersects
geo_distance       a, b   planar (Cartesian) distance in the coordinates' units, like
                          PostGIS ST_Distance on geometry
geo_sphere_distance a, x, y great-circle metres from a (a point, else its representative
                          point) to the point (x, y) in degrees (`stadsdata.geo.sphere`)
geo_length         a      planar length of the linear parts, like PostGIS ST_Length on
                          geometry (points and polygons count 0)
=================  =====  ==========================================================

Each geometry argument is TEXT: GeoJSON (a stored column; starts with ``{``, may be a
Feature) or WKT, optionally with an ``SRID=4326;`` prefix (a query literal). Every
function returns NULL when an argument is NULL or cannot be parsed, and never raises
inside SQLite.

Parsed geometries are kept, prepared, in a bounded LRU cache keyed by the text, since a
query literal is compared with every row (texts longer than `MAX_CACHED_CHARS` are parsed
on each call instead, to bound the cache's memory). GEOS prepared geometries are not thread-safe
(libgeos/geos#825) and shapely releases the GIL while GEOS works, so the cache is kept per
thread.
"""

from __future__ import annotations

import functools
import json
import math
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

import shapely
from shapely.errors import ShapelyError

from stadsdata.errors import BadRequest
from stadsdata.geo.geojson import from_wkt, to_shape
from stadsdata.geo.sphere import metres

__all__ = ["CACHE_SIZE", "MAX_CACHED_CHARS", "parse_geometry", "register"]

#: Maximum number of parsed geometries cached per thread.
CACHE_SIZE = 4096
#: Longer texts are parsed on every call instead of cached, which bounds the cache's
#: memory. Query literals (the texts worth caching) come from URLs and are shorter.
MAX_CACHED_CHARS = 16_384

_FIELD = "geometry"
_PATTERN_CHARS = frozenset("TF*012")
_LINEAR_TYPE_IDS = frozenset({1, 2, 5})  # LineString, LinearRing, MultiLineString
_COLLECTION_TYPE_ID = 7  # GeometryCollection
_POINT_TYPE_ID = 0

Predicate = Callable[[shapely.Geometry, shapely.Geometry], Any]

_PREDICATES: dict[str, Predicate] = {
    "st_equals": shapely.equals,
    "st_disjoint": shapely.disjoint,
    "st_touches": shapely.touches,
    "st_within": shapely.within,
    "st_overlaps": shapely.overlaps,
    "st_crosses": shapely.crosses,
    "st_intersects": shapely.intersects,
    "st_contains": shapely.contains,
    "geo_intersects": shapely.intersects,
}

_local = threading.local()


# --------------------------------------------------------------------------- parsing


def _parse(text: str) -> shapely.Geometry | None:
    """Parse GeoJSON or WKT text into a geometry; None when it is not one."""
    try:
        return _geometry_from_text(text.strip())
    except (BadRequest, ValueError, RecursionError, ShapelyError):
        return None


def _parse_prepared(text: str) -> shapely.Geometry | None:
    """`_parse`, with the geometry prepared for repeated predicates (points need not be)."""
    geometry = _parse(text)
    if geometry is not None and shapely.get_type_id(geometry) != _POINT_TYPE_ID:
        shapely.prepare(geometry)
    return geometry


def _geometry_from_text(body: str) -> shapely.Geometry:
    """GeoJSON (when `body` starts with '{') or WKT to a geometry; raises when invalid.

    GeoJSON goes through GEOS's reader first (fast, and stored values were validated by
    `to_shape` when written); what it refuses gets a second chance with `to_shape`, which
    e.g. skips Features with a null geometry inside a FeatureCollection.
    """
    if not body.startswith("{"):
        return from_wkt(body, field=_FIELD)
    try:
        return shapely.from_geojson(body)
    except ShapelyError:
        return to_shape(json.loads(body), field=_FIELD)


def _thread_parser() -> Callable[[str], shapely.Geometry | None]:
    """This thread's cached parser, created on first use."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = functools.lru_cache(maxsize=CACHE_SIZE)(_parse_prepared)
        _local.parser = parser
    return parser


def parse_geometry(value: Any) -> shapely.Geometry | None:
    """The geometry for an SQL argument, or None.

    None for NULL, non-text values and text that is neither valid GeoJSON nor WKT.
    Texts up to `MAX_CACHED_CHARS` long are parsed once per thread and prepared; the
    returned geometry is then shared through the cache, so treat it as read-only.
    """
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if not isinstance(value, str):
        return None
    if len(value) > MAX_CACHED_CHARS:
        return _parse(value)  # large stored geometries: one use per row, don't hoard them
    return _thread_parser()(value)


# --------------------------------------------------------------------------- functions


def _predicate_function(predicate: Predicate) -> Callable[[Any, Any], int | None]:
    """Wrap a binary shapely predicate as an SQL function returning 1, 0 or NULL."""

    def sql_function(a: Any, b: Any) -> int | None:
        try:
            first, second = parse_geometry(a), parse_geometry(b)
            if first is None or second is None:
                return None
            return 1 if predicate(first, second) else 0
        except Exception:  # noqa: BLE001 - never raise inside SQLite
            return None

    return sql_function


def st_relate(a: Any, b: Any, pattern: Any) -> int | None:
    """1 when the DE-9IM matrix of (a, b) matches `pattern`, 0 when not, else NULL."""
    try:
        if not _valid_pattern(pattern):
            return None
        first, second = parse_geometry(a), parse_geometry(b)
        if first is None or second is None:
            return None
        return 1 if shapely.relate_pattern(first, second, pattern.upper()) else 0
    except Exception:  # noqa: BLE001 - never raise inside SQLite
        return None


def _valid_pattern(pattern: Any) -> bool:
    """True for a 9-character DE-9IM pattern of T, F, *, 0, 1, 2 (case-insensitive)."""
    return (
        isinstance(pattern, str)
        and len(pattern) == 9
        and set(pattern.upper()) <= _PATTERN_CHARS
    )


def geo_distance(a: Any, b: Any) -> float | None:
    """Planar distance between two geometries; NULL when either is missing or empty."""
    try:
        first, second = parse_geometry(a), parse_geometry(b)
        if first is None or second is None or first.is_empty or second.is_empty:
            return None
        return _finite_or_none(float(shapely.distance(first, second)))
    except Exception:  # noqa: BLE001 - never raise inside SQLite
        return None


def geo_sphere_distance(a: Any, lon: Any, lat: Any) -> float | None:
    """Great-circle metres from a geometry (a point, else its representative point) to (lon, lat)."""
    try:
        geometry = parse_geometry(a)
        if geometry is None or geometry.is_empty or lon is None or lat is None:
            return None
        point = geometry if shapely.get_type_id(geometry) == _POINT_TYPE_ID else shapely.point_on_surface(geometry)
        return metres(float(shapely.get_x(point)), float(shapely.get_y(point)), float(lon), float(lat))
    except Exception:  # noqa: BLE001 - never raise inside SQLite
        return None


def geo_length(a: Any) -> float | None:
    """Planar length of the linear parts of a geometry (0 for points and polygons)."""
    try:
        geometry = parse_geometry(a)
        if geometry is None:
            return None
        return _finite_or_none(_linear_length(geometry))
    except Exception:  # noqa: BLE001 - never raise inside SQLite
        return None


def _linear_length(geometry: shapely.Geometry) -> float:
    """Sum of the lengths of all (Multi)LineStrings in `geometry`, as PostGIS ST_Length."""
    type_id = shapely.get_type_id(geometry)
    if type_id in _LINEAR_TYPE_IDS:
        return float(shapely.length(geometry))
    if type_id == _COLLECTION_TYPE_ID:
        return sum(_linear_length(part) for part in shapely.get_parts(geometry))
    return 0.0


def _finite_or_none(value: float) -> float | None:
    """`value`, or None when it is NaN or infinite."""
    return value if math.isfinite(value) else None


# --------------------------------------------------------------------------- registration


def register(conn: sqlite3.Connection) -> None:
    """Register all spatial SQL functions on `conn` as deterministic functions."""
    for name, predicate in _PREDICATES.items():
        conn.create_function(name, 2, _predicate_function(predicate), deterministic=True)
    conn.create_function("st_relate", 3, st_relate, deterministic=True)
    conn.create_function("geo_distance", 2, geo_distance, deterministic=True)
    conn.create_function("geo_length", 1, geo_length, deterministic=True)
    conn.create_function("geo_sphere_distance", 3, geo_sphere_distance, deterministic=True)
