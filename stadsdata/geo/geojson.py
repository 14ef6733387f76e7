"""GeoJSON (RFC 7946) and WKT conversion to and from shapely geometries.

`to_shape` is the single gate for client-supplied GeoJSON (Location.location,
FeatureOfInterest.feature, ...): it validates the structure strictly and raises only
`BadRequest` for anything it does not accept, whatever JSON-decoded value it is given.
Coordinates are not range-checked: besides WGS84 lon/lat, projected coordinates
(e.g. RD New, EPSG:28992) occur in practice.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import shapely
from shapely.errors import ShapelyError
from shapely.geometry import mapping

from stadsdata.errors import BadRequest

__all__ = ["bbox", "envelope_geojson", "from_wkt", "shape_to_geojson", "to_shape"]

#: Maximum nesting of GeometryCollections inside each other.
MAX_COLLECTION_DEPTH = 8

Position = tuple[float, ...]

_GEOMETRY_TYPES = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
)
_SRID_PREFIX = re.compile(r"^\s*SRID\s*=\s*(?P<srid>[^;]*);", re.IGNORECASE)
_ACCEPTED_SRIDS = frozenset({"4326"})


# --------------------------------------------------------------------------- GeoJSON in


def to_shape(value: Any, *, field: str) -> shapely.Geometry:
    """Convert a GeoJSON geometry, Feature or FeatureCollection to a shapely geometry.

    A Feature yields its geometry; a FeatureCollection yields a GeometryCollection of its
    features' geometries (features with a null geometry are skipped). Foreign members,
    "bbox" and "crs" are ignored.

    Raises:
        BadRequest: naming what is wrong, with `field` set to `field`.
    """
    try:
        return _GeoJSONReader(field).read(value)
    except BadRequest:
        raise
    except (ShapelyError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        # Defensive: validation should have caught everything shapely could object to.
        raise BadRequest(f"invalid GeoJSON: {exc}", field=field) from exc


class _GeoJSONReader:
    """Validates one GeoJSON value and builds the shapely geometry for it."""

    def __init__(self, field: str) -> None:
        self.field = field

    def fail(self, where: str, message: str) -> BadRequest:
        """Build the error for a problem found at JSON path `where`."""
        prefix = f"GeoJSON {where}: " if where else "GeoJSON: "
        return BadRequest(prefix + message, field=self.field)

    def read(self, value: Any) -> shapely.Geometry:
        """Read a geometry object, Feature or FeatureCollection."""
        kind = self.type_of(value, "")
        if kind == "Feature":
            geometry = self.feature_geometry(value, "")
            if geometry is None:
                raise self.fail("geometry", "the Feature has no geometry (null)")
            return geometry
        if kind == "FeatureCollection":
            return self.feature_collection(value, "")
        return self.geometry(value, "", depth=0)

    def type_of(self, value: Any, where: str) -> str:
        """Return the "type" member of a GeoJSON object, checking it is a known one."""
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a JSON object, got {_json_type(value)}")
        kind = value.get("type")
        if kind is None:
            raise self.fail(where, 'the object has no "type" member')
        if not isinstance(kind, str):
            raise self.fail(where, f'"type" must be a string, got {_json_type(kind)}')
        if kind not in _GEOMETRY_TYPES and kind not in ("Feature", "FeatureCollection"):
            raise self.fail(
                _join(where, "type"),
                f"unknown type {kind[:40]!r}; expected one of "
                f"{', '.join(_GEOMETRY_TYPES)}, Feature or FeatureCollection",
            )
        return kind

    def feature_geometry(self, value: dict[str, Any], where: str) -> shapely.Geometry | None:
        """The geometry of a Feature, or None when it is null."""
        if "geometry" not in value:
            raise self.fail(where, 'the Feature has no "geometry" member')
        geometry = value["geometry"]
        if geometry is None:
            return None
        here = _join(where, "geometry")
        if self.type_of(geometry, here) not in _GEOMETRY_TYPES:
            raise self.fail(_join(here, "type"), "a Feature's geometry must be a geometry object")
        return self.geometry(geometry, here, depth=0)

    def feature_collection(self, value: dict[str, Any], where: str) -> shapely.Geometry:
        """A GeometryCollection of all non-null geometries of a FeatureCollection."""
        features = value.get("features")
        here = _join(where, "features")
        if not isinstance(features, list):
            raise self.fail(here, f"expected an array of Features, got {_json_type(features)}")
        parts = []
        for index, feature in enumerate(features):
            at = f"{here}[{index}]"
            if self.type_of(feature, at) != "Feature":
                raise self.fail(_join(at, "type"), 'expected "Feature"')
            geometry = self.feature_geometry(feature, at)
            if geometry is not None:
                parts.append(geometry)
        return shapely.GeometryCollection(parts)

    def geometry(self, value: dict[str, Any], where: str, *, depth: int) -> shapely.Geometry:
        """Build a geometry object whose type has already been checked by `type_of`."""
        kind = value["type"]
        if kind == "GeometryCollection":
            return self.geometry_collection(value, where, depth=depth)
        if kind not in _GEOMETRY_TYPES:
            raise self.fail(_join(where, "type"), f"{kind} is not a geometry type")
        if "coordinates" not in value:
            raise self.fail(where, f'the {kind} has no "coordinates" member')
        builder = _BUILDERS[kind]
        return builder(self, value["coordinates"], _join(where, "coordinates"))

    def geometry_collection(
        self, value: dict[str, Any], where: str, *, depth: int
    ) -> shapely.Geometry:
        """Build a GeometryCollection, recursing into its member geometries."""
        if depth >= MAX_COLLECTION_DEPTH:
            raise self.fail(where, "GeometryCollections are nested too deeply")
        members = value.get("geometries")
        here = _join(where, "geometries")
        if not isinstance(members, list):
            raise self.fail(here, f"expected an array of geometries, got {_json_type(members)}")
        parts = []
        for index, member in enumerate(members):
            at = f"{here}[{index}]"
            if self.type_of(member, at) not in _GEOMETRY_TYPES:
                raise self.fail(_join(at, "type"), "expected a geometry object")
            parts.append(self.geometry(member, at, depth=depth + 1))
        return shapely.GeometryCollection(parts)

    # -- coordinates ---------------------------------------------------------------

    def array(self, value: Any, where: str, what: str) -> list[Any]:
        """Check that `value` is a JSON array of `what`."""
        if not isinstance(value, list):
            raise self.fail(where, f"expected an array of {what}, got {_json_type(value)}")
        return value

    def position(self, value: Any, where: str) -> Position:
        """A position: an array of 2 or 3 finite numbers."""
        if not isinstance(value, list):
            raise self.fail(where, f"expected a position [x, y], got {_json_type(value)}")
        if len(value) not in (2, 3):
            raise self.fail(where, f"a position must have 2 or 3 numbers, got {len(value)}")
        return tuple(self.number(item, f"{where}[{i}]") for i, item in enumerate(value))

    def number(self, value: Any, where: str) -> float:
        """A finite JSON number as float."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(where, f"expected a number, got {_json_type(value)}")
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise self.fail(where, "coordinates must be finite numbers")
        return number

    def positions(self, value: Any, where: str, *, minimum: int) -> list[Position]:
        """An array of at least `minimum` positions, all with the same dimension."""
        items = self.array(value, where, "positions")
        result = [self.position(item, f"{where}[{i}]") for i, item in enumerate(items)]
        if len(result) < minimum:
            raise self.fail(where, f"expected at least {minimum} positions, got {len(result)}")
        if len({len(p) for p in result}) > 1:
            raise self.fail(where, "positions mix 2 and 3 dimensions")
        return result

    def ring(self, value: Any, where: str) -> list[Position]:
        """A closed linear ring: at least 4 positions, the last equal to the first."""
        ring = self.positions(value, where, minimum=4)
        if ring[0] != ring[-1]:
            raise self.fail(where, "the ring is not closed (first and last positions differ)")
        return ring

    def rings(self, value: Any, where: str) -> list[list[Position]]:
        """The rings of a Polygon: an exterior ring followed by holes."""
        items = self.array(value, where, "linear rings")
        if not items:
            raise self.fail(where, "a Polygon needs at least an exterior ring")
        rings = [self.ring(item, f"{where}[{i}]") for i, item in enumerate(items)]
        if len({len(r[0]) for r in rings}) > 1:
            raise self.fail(where, "rings mix 2 and 3 dimensions")
        return rings

    # -- builders per type ---------------------------------------------------------

    def point(self, value: Any, where: str) -> shapely.Geometry:
        """Point: a single position."""
        return shapely.Point(self.position(value, where))

    def multi_point(self, value: Any, where: str) -> shapely.Geometry:
        """MultiPoint: an array of positions (possibly empty)."""
        return shapely.MultiPoint(self.positions(value, where, minimum=0))

    def line_string(self, value: Any, where: str) -> shapely.Geometry:
        """LineString: two or more positions."""
        return shapely.LineString(self.positions(value, where, minimum=2))

    def multi_line_string(self, value: Any, where: str) -> shapely.Geometry:
        """MultiLineString: an array of LineString coordinate arrays (possibly empty)."""
        items = self.array(value, where, "LineString coordinates")
        lines = [self.line_string(item, f"{where}[{i}]") for i, item in enumerate(items)]
        self.same_dimension(lines, where)
        return shapely.MultiLineString(lines)

    def polygon(self, value: Any, where: str) -> shapely.Geometry:
        """Polygon: an array of closed rings, the first the exterior."""
        rings = self.rings(value, where)
        return shapely.Polygon(rings[0], rings[1:])

    def multi_polygon(self, value: Any, where: str) -> shapely.Geometry:
        """MultiPolygon: an array of Polygon coordinate arrays (possibly empty)."""
        items = self.array(value, where, "Polygon coordinates")
        polygons = [self.polygon(item, f"{where}[{i}]") for i, item in enumerate(items)]
        self.same_dimension(polygons, where)
        return shapely.MultiPolygon(polygons)

    def same_dimension(self, parts: list[shapely.Geometry], where: str) -> None:
        """Reject multi-part coordinates whose parts mix 2D and 3D."""
        if len({bool(shapely.has_z(part)) for part in parts}) > 1:
            raise self.fail(where, "parts mix 2 and 3 dimensions")


_BUILDERS: dict[str, Callable[[_GeoJSONReader, Any, str], shapely.Geometry]] = {
    "Point": _GeoJSONReader.point,
    "MultiPoint": _GeoJSONReader.multi_point,
    "LineString": _GeoJSONReader.line_string,
    "MultiLineString": _GeoJSONReader.multi_line_string,
    "Polygon": _GeoJSONReader.polygon,
    "MultiPolygon": _GeoJSONReader.multi_polygon,
}


def _join(where: str, member: str) -> str:
    """Append an object member to a JSON path used in messages."""
    return f"{where}.{member}" if where else member


def _json_type(value: Any) -> str:
    """The JSON name of a decoded value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# --------------------------------------------------------------------------- WKT in


def from_wkt(text: str, *, field: str) -> shapely.Geometry:
    """Parse WKT, optionally prefixed with ``SRID=4326;`` (EWKT style).

    Raises:
        BadRequest: for text that is not valid WKT, another SRID, or non-finite coordinates.
    """
    if not isinstance(text, str):
        raise BadRequest(f"expected WKT text, got {_json_type(text)}", field=field)
    body = _strip_srid(text, field=field).strip()
    if not body:
        raise BadRequest("empty WKT geometry", field=field)
    try:
        with np.errstate(all="ignore"):  # huge numbers: rejected below, not warned about
            geometry = shapely.from_wkt(body)
    except (ShapelyError, ValueError, TypeError) as exc:
        raise BadRequest(f"invalid WKT {_abbreviate(body)!r}: {exc}", field=field) from exc
    if geometry is None:
        raise BadRequest(f"invalid WKT {_abbreviate(body)!r}", field=field)
    if not _finite(geometry):
        raise BadRequest("WKT coordinates must be finite numbers", field=field)
    return geometry


def _strip_srid(text: str, *, field: str) -> str:
    """Remove an ``SRID=n;`` prefix, accepting only the SRIDs we can interpret."""
    match = _SRID_PREFIX.match(text)
    if match is None:
        return text
    srid = match.group("srid").strip()
    if srid not in _ACCEPTED_SRIDS:
        raise BadRequest(
            f"unsupported SRID {_abbreviate(srid)!r} in WKT; only SRID=4326 is accepted",
            field=field,
        )
    return text[match.end() :]


def _finite(geometry: shapely.Geometry) -> bool:
    """True when all coordinates (including Z) of `geometry` are finite."""
    coords = shapely.get_coordinates(geometry, include_z=bool(shapely.has_z(geometry)))
    return bool(np.isfinite(coords).all()) if coords.size else True


def _abbreviate(text: str, limit: int = 60) -> str:
    """Shorten `text` for an error message."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------- out


def bbox(shape: shapely.Geometry | None) -> tuple[float, float, float, float] | None:
    """(minx, miny, maxx, maxy) of `shape`, or None when it is None or empty."""
    if shape is None or shape.is_empty:
        return None
    minx, miny, maxx, maxy = (float(v) for v in shape.bounds)
    if any(math.isnan(v) for v in (minx, miny, maxx, maxy)):
        return None
    return minx, miny, maxx, maxy


def shape_to_geojson(shape: shapely.Geometry) -> dict[str, Any]:
    """The GeoJSON geometry object of `shape`, using lists (never tuples) throughout."""
    return _listify(mapping(shape))


def _listify(value: Any) -> Any:
    """Recursively turn tuples into lists (and copy dicts) so the result is plain JSON."""
    if isinstance(value, dict):
        return {key: _listify(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_listify(item) for item in value]
    return value


def envelope_geojson(shapes: Iterable[shapely.Geometry | None]) -> dict[str, Any] | None:
    """The GeoJSON envelope covering all `shapes` (None and empty ones are skipped).

    Like PostGIS ST_Envelope: a Polygon (counter-clockwise exterior ring) in general, a
    Point when all shapes are the same single point, and a LineString when the envelope
    has zero width or zero height. None when there is nothing to cover.
    """
    boxes = [box for box in (bbox(shape) for shape in shapes) if box is not None]
    if not boxes:
        return None
    minx = min(b[0] for b in boxes)
    miny = min(b[1] for b in boxes)
    maxx = max(b[2] for b in boxes)
    maxy = max(b[3] for b in boxes)
    if minx == maxx and miny == maxy:
        return {"type": "Point", "coordinates": [minx, miny]}
    if minx == maxx or miny == maxy:
        return {"type": "LineString", "coordinates": [[minx, miny], [maxx, maxy]]}
    ring = [[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]
    return {"type": "Polygon", "coordinates": [ring]}
