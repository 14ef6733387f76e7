"""Street graphs from GeoJSON (RFC 7946, longitude/latitude in WGS84): the format a city gives its
streets in (`docs/analytics.md`, "Waste collection").

A FeatureCollection whose Features are
- `LineString` or `MultiLineString`: streets the truck may drive (both ways), `properties.name` the
  street's name (optional);
- at most one `Point` with `properties.kind` = `"depot"`: where the truck starts and ends.
Other Features are ignored. Streets are joined where they share a vertex (as OpenStreetMap ways share
nodes); with `split_at_crossings` also where they cross (for drawn lines that were never noded, like
the demo city's). Nothing is downloaded: the file is read as it is."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import orjson
import shapely
from shapely.geometry import LineString, MultiLineString
from shapely.ops import unary_union

from stadsdata.analytics.waste.graph import LonLat, StreetGraph

MAX_FEATURES = 200_000


class StreetsError(ValueError):
    """The streets cannot be read as a street graph: the reason, and the feature it is about."""


def load_streets(path: str | Path, *, split_at_crossings: bool = False) -> StreetGraph:
    """The street graph of a GeoJSON file (StreetsError with the reason)."""
    try:
        collection = orjson.loads(Path(path).read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise StreetsError(f"cannot read {path}: {exc}") from None
    return streets_from_geojson(collection, split_at_crossings=split_at_crossings)


def streets_from_geojson(collection: Any, *, split_at_crossings: bool = False) -> StreetGraph:
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection" or not isinstance(collection.get("features"), list):
        raise StreetsError("the streets must be a GeoJSON FeatureCollection")
    features = collection["features"]
    if len(features) > MAX_FEATURES:
        raise StreetsError(f"at most {MAX_FEATURES} features")
    lines: list[tuple[str, list[LonLat]]] = []
    depot: LonLat | None = None
    for number, feature in enumerate(features):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        properties = (feature.get("properties") or {}) if isinstance(feature, dict) else {}
        if not isinstance(geometry, dict) or not isinstance(properties, dict):
            raise StreetsError(f"feature {number} is not a GeoJSON Feature with a geometry")
        kind, coords = geometry.get("type"), geometry.get("coordinates")
        name = properties.get("name")
        name = name if isinstance(name, str) else ""
        if kind == "LineString":
            lines.append((name, _positions(coords, number)))
        elif kind == "MultiLineString":
            if not isinstance(coords, list):
                raise StreetsError(f"feature {number}: coordinates must be a list of lines")
            lines += [(name, _positions(part, number)) for part in coords]
        elif kind == "Point" and properties.get("kind") == "depot":
            if depot is not None:
                raise StreetsError(f"feature {number}: a second depot")
            depot = _positions([coords], number)[0]
    lines = [(name, line) for name, line in lines if len(line) >= 2]
    if not lines:
        raise StreetsError("the streets hold no LineString")
    if split_at_crossings:
        lines = _noded(lines)
    return StreetGraph.from_lines(lines, depot)


def _positions(coords: Any, number: int) -> list[LonLat]:
    if not isinstance(coords, list):
        raise StreetsError(f"feature {number}: coordinates must be a list of positions")
    out = []
    for position in coords:
        if (not isinstance(position, list) or len(position) < 2
                or not all(isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c) for c in position[:2])):  # fmt: skip
            raise StreetsError(f"feature {number}: a position must be [longitude, latitude]")
        lon, lat = float(position[0]), float(position[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise StreetsError(f"feature {number}: longitude/latitude out of range (GeoJSON is lon, lat in WGS84)")
        out.append((lon, lat))
    return out


def _noded(lines: list[tuple[str, list[LonLat]]]) -> list[tuple[str, list[LonLat]]]:
    """The lines cut where any two cross, each piece keeping the name of the line it lies on."""
    originals = [LineString(line) for _, line in lines]
    pieces = unary_union(MultiLineString(originals))
    tree = shapely.STRtree(originals)
    out = []
    for piece in getattr(pieces, "geoms", [pieces]):
        coords = list(piece.coords)
        probe = LineString(coords[:2]).interpolate(0.5, normalized=True)
        nearest = tree.nearest(probe)
        out.append((lines[int(nearest)][0], [(x, y) for x, y in coords]))
    return out
