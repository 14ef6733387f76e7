"""The demo city's background map: Veenhaven's districts, water, parks, streets and railway as one
GeoJSON FeatureCollection (RFC 7946, WGS84 longitude/latitude), which the web UI's maps draw when
their tiles cannot be loaded (no network) or there are none. It is demo data like the sensor sites:
built from the town plan (`townplan.py`), the same every time.

Every feature has `properties.kind` — `boundary` (the municipality's), `built-up`, `district`,
`park`, `ditch`, `water`, `railway`, `square`, `street` — and a `name` where the thing has one (the
municipality, districts, parks, water, squares, named streets). Built-up land has a `class`
(`residential`, `industrial`; the rest is polder), and so do water (`river`, `moat`, `harbour`,
`canal`, `pond`) and streets (`ring`, `main`, `side`; a neighbourhood's unnamed streets: `local`
through it, and `minor`). Named features but the boundary carry `labelPoint` [lon, lat] and, where
the name follows a line, `labelAngle` (degrees counter-clockwise from east)."""

from __future__ import annotations

import math
import random
from functools import cache
from typing import Any

import orjson
import shapely
from shapely import affinity
from shapely.geometry import LineString, MultiLineString, MultiPoint, Point, Polygon, mapping
from shapely.geometry.base import BaseGeometry
from shapely.ops import polygonize, polylabel, substring, unary_union

from stadsdata.demo import city, townplan
from stadsdata.demo.townplan import Line

ATTRIBUTION = {
    "nl": "Achtergrond: Veenhaven, een verzonnen demostad",
    "en": "Background: Veenhaven, a made-up demo city",
}
_METRES_PER_DEGREE_LAT = 110_574.0
_METRES_PER_DEGREE_LON = 111_320.0 * math.cos(math.radians(city.CENTRE[1]))
_STREET_SPACING = {"residential": 170.0, "industrial": 260.0}  # metres between a neighbourhood's own streets


def to_lonlat(geometry: BaseGeometry) -> BaseGeometry:
    """A geometry in the plan's metres as longitude/latitude, rounded to 6 decimals (~0.1 m)."""
    return shapely.transform(geometry, lambda xy: (xy / (_METRES_PER_DEGREE_LON, _METRES_PER_DEGREE_LAT) + city.CENTRE).round(6))


def to_metres(lon: float, lat: float) -> Point:
    """A longitude/latitude as a point of the plan (metres east and north of the centre)."""
    return Point((lon - city.CENTRE[0]) * _METRES_PER_DEGREE_LON, (lat - city.CENTRE[1]) * _METRES_PER_DEGREE_LAT)


def smooth(points: Line, rounds: int = 3, closed: bool = False) -> list[tuple[float, float]]:
    """Chaikin's corner cutting: a hand-drawn polyline as a smooth curve (the ends kept when open)."""
    out = [(float(x), float(y)) for x, y in points]
    for _ in range(rounds):
        pairs = zip(out, out[1:] + out[:1]) if closed else zip(out, out[1:])
        cut: list[tuple[float, float]] = []
        for (x0, y0), (x1, y1) in pairs:
            cut += [(0.75 * x0 + 0.25 * x1, 0.75 * y0 + 0.25 * y1), (0.25 * x0 + 0.75 * x1, 0.25 * y0 + 0.75 * y1)]
        out = cut if closed else [out[0], *cut, out[-1]]
    return out


def _closed(points: Line, rounds: int = 3) -> LineString:
    ring = smooth(points, rounds, closed=True)
    return LineString([*ring, ring[0]])


def waterway_line(name: str) -> LineString:
    way = townplan.WATERWAYS[name]
    return LineString(smooth(way.line) if way.curved else way.line)


def water() -> dict[str, Polygon]:
    """The water by name, as polygons in metres: river, moat, harbour, canal and ponds."""
    bodies = {name: waterway_line(name).buffer(way.width / 2, cap_style="flat") for name, way in townplan.WATERWAYS.items()}
    return bodies | {name: Polygon(smooth(outline, closed=True)) for name, outline in townplan.PONDS.items()}


def parks() -> dict[str, BaseGeometry]:
    wet = unary_union(list(water().values()))
    return {name: Polygon(smooth(outline, closed=True)).difference(wet) for name, outline in townplan.PARKS.items()}


def ring_road() -> LineString:
    return _closed(townplan.RING)


def main_streets() -> dict[str, LineString]:
    return {name: LineString(smooth(line, rounds=2)) for name, line in townplan.MAIN_STREETS.items()}


def side_streets() -> dict[str, LineString]:
    """The streets along the quays, the moat and the railway."""
    out = {}
    for name, street in townplan.SIDE_STREETS.items():
        along = LineString(townplan.RAILWAY) if street.along == "railway" else waterway_line(street.along)
        out[name] = substring(along, street.start, street.end, normalized=True).offset_curve(street.offset)
    return out


def _old_town() -> BaseGeometry:
    """The old town: what the river and the moat enclose."""
    centre = Point(townplan.MARKET)
    enclosed = polygonize(unary_union([waterway_line("Veene"), waterway_line("Stadsgracht")]).geoms)
    return next(piece for piece in enclosed if piece.contains(centre))


def districts() -> dict[str, BaseGeometry]:
    """The districts by name, in metres: the municipality cut along the ring, the water, the railway
    and the main streets outside the old town; a piece belongs to the district whose point lies in
    it, or else to the nearest."""
    municipality = Polygon(townplan.BOUNDARY)
    old_town = _old_town()
    lines = [municipality.exterior, ring_road(), LineString(townplan.RAILWAY), *map(waterway_line, townplan.WATERWAYS)]
    lines += [street.difference(old_town.buffer(-20)) for street in main_streets().values()]  # crossing its edge
    pieces = [p for p in polygonize(unary_union(lines).geoms) if municipality.contains(p.representative_point())]
    points = {name: MultiPoint(at) for name, at in townplan.DISTRICTS.items()}
    owned: dict[str, list[BaseGeometry]] = {name: [] for name in points}
    for piece in pieces:
        inside = [name for name, at in points.items() if piece.intersects(at)]
        owned[inside[0] if inside else min(points, key=lambda name: points[name].distance(piece))].append(piece)
    return {name: unary_union(parts) for name, parts in owned.items() if parts}


def built_up() -> dict[str, tuple[str, BaseGeometry]]:
    """name -> (residential or industrial, area in metres): the town inside the ring and the suburbs beyond."""
    municipality = Polygon(townplan.BOUNDARY)
    areas = {"Stad": ("residential", Polygon(ring_road().coords))}
    for name, (outline, use) in townplan.BUILT_UP.items():
        areas[name] = (use, Polygon(smooth(outline, rounds=2, closed=True)).intersection(municipality))
    return areas


def _hatch(area: BaseGeometry, spacing: float, angle: float, rng: random.Random, jitter: float) -> list[LineString]:
    """Parallel lines across an area, `spacing` metres apart (± a fraction `jitter`), turned by
    `angle` degrees — not yet cut to the area."""
    if area.is_empty:
        return []
    centre = area.centroid
    reach = math.hypot(area.bounds[2] - area.bounds[0], area.bounds[3] - area.bounds[1]) / 2
    lines, offset = [], -reach
    while offset < reach:
        line = LineString([(centre.x - reach, centre.y + offset), (centre.x + reach, centre.y + offset)])
        lines.append(affinity.rotate(line, angle, origin=centre))
        offset += spacing * (1 + rng.uniform(-jitter, jitter))
    return lines


def _only_lines(geometry: BaseGeometry) -> MultiLineString:
    """The lines of a geometry longer than a metre (an intersection may leave points, or stubs, where a
    line touches an edge)."""
    parts = getattr(geometry, "geoms", [geometry])
    return MultiLineString([line for part in parts for line in getattr(part, "geoms", [part])
                            if isinstance(line, LineString) and line.length > 1])


def local_streets(name: str, area: BaseGeometry, spacing: float) -> tuple[MultiLineString, MultiLineString]:
    """A neighbourhood's own streets, as two sets of crossing lines at its own angle, `spacing` metres
    apart: every other one a street through the neighbourhood (drawn from zoom 13), the rest minor."""
    rng = random.Random(f"veenhaven-streets-{name}")
    angle = rng.uniform(-35, 35)
    along, across = _hatch(area, spacing, angle, rng, 0.35), _hatch(area, spacing * 1.5, angle + 90, rng, 0.35)
    through, minor = along[::2] + across[::2], along[1::2] + across[1::2]
    return _only_lines(MultiLineString(through).intersection(area)), _only_lines(MultiLineString(minor).intersection(area))


def old_town_streets(area: BaseGeometry, market: Point) -> MultiLineString:
    """The old town's streets: rings that follow the moat, and streets out from the market square
    that begin at one of the rings (the main streets go on to the square)."""
    rng = random.Random("veenhaven-old-town")
    insets = (110, 230, 360, 500)
    rings = [area.buffer(-inset).boundary for inset in insets]
    spokes = []
    for k in range(13):
        angle = math.radians(k * 360 / 13 + rng.uniform(-9, 9))
        spoke = LineString([market.coords[0], (market.x + 3000 * math.cos(angle), market.y + 3000 * math.sin(angle))])
        spokes.append(spoke.difference(area.buffer(-rng.choice(insets[1:]))))
    return _only_lines(unary_union([*rings, *spokes]).intersection(area))


def ditches(name: str, area: BaseGeometry) -> MultiLineString:
    """The ditches between a polder's long narrow fields."""
    rng = random.Random(f"veenhaven-ditches-{name}")
    fields = area.buffer(-30)
    return _only_lines(MultiLineString(_hatch(fields, 110, rng.uniform(-60, 60), rng, 0.2)).intersection(fields))


def _along(line: LineString, fraction: float) -> dict[str, Any]:
    """Where to write a name along a line: a point and the line's direction there, turned to read left to right."""
    at = line.interpolate(fraction, normalized=True)
    ahead = line.interpolate(min(1.0, fraction + 0.02), normalized=True)
    behind = line.interpolate(max(0.0, fraction - 0.02), normalized=True)
    angle = math.degrees(math.atan2(ahead.y - behind.y, ahead.x - behind.x))
    angle = angle - 180 if angle > 90 else angle + 180 if angle < -90 else angle
    return {"label": at, "labelAngle": round(angle, 1)}


def _inside(area: BaseGeometry) -> dict[str, Any]:
    """Where to write an area's name: the point of its largest part farthest from its edges."""
    biggest = max(getattr(area, "geoms", [area]), key=lambda part: part.area)
    return {"label": polylabel(biggest, tolerance=10)}


def _feature(geometry: BaseGeometry, kind: str, **properties: Any) -> dict[str, Any]:
    label = properties.pop("label", None)
    if label is not None:
        properties["labelPoint"] = list(to_lonlat(label).coords[0])
    return {"type": "Feature", "geometry": mapping(to_lonlat(geometry)), "properties": {"kind": kind, **properties}}


def _land(areas: dict[str, BaseGeometry], green: dict[str, BaseGeometry], wet: dict[str, Polygon],
          town: dict[str, tuple[str, BaseGeometry]], roads: BaseGeometry) -> list[dict[str, Any]]:  # fmt: skip
    """The municipality, its built-up land, districts, parks and the polder's ditches."""
    out = [_feature(LineString([*townplan.BOUNDARY, townplan.BOUNDARY[0]]), "boundary", name=city.CITY)]
    out += [_feature(area, "built-up", **{"class": use}) for use, area in town.values()]
    out += [_feature(area, "district", name=name, label=Point(townplan.DISTRICTS[name][0])) for name, area in areas.items()]
    ponds = unary_union(list(wet.values())).buffer(160)  # a park's name is written clear of its pond
    out += [_feature(area, "park", name=name, **_inside(area.difference(ponds))) for name, area in green.items()]
    polder = Polygon(townplan.BOUNDARY).difference(unary_union([area for _, area in town.values()]))
    fields = polder.difference(unary_union([*wet.values(), *green.values()]).buffer(15)).difference(roads)
    out += [_feature(ditches(name, area.intersection(fields)), "ditch") for name, area in areas.items()]
    return out


def _water(wet: dict[str, Polygon]) -> list[dict[str, Any]]:
    out = []
    for name, area in wet.items():
        way = townplan.WATERWAYS.get(name)
        placed = _along(waterway_line(name), way.label_at) if way and way.curved else _inside(area)
        out.append(_feature(area, "water", name=name, **{"class": way.sort if way else "pond"}, **placed))
    return out


def _streets(areas: dict[str, BaseGeometry], town: dict[str, tuple[str, BaseGeometry]], keep_clear: BaseGeometry,
             side: dict[str, LineString], main: dict[str, LineString], ring: LineString) -> list[dict[str, Any]]:  # fmt: skip
    """The railway, the market square and the streets, from a neighbourhood's own to the ring road."""
    out = [_feature(LineString(townplan.RAILWAY), "railway")]
    out += [_feature(Polygon(corners), "square", name=name, **_inside(Polygon(corners))) for name, corners in townplan.SQUARES.items()]
    old_town = areas["Binnenstad"]
    out.append(_feature(old_town_streets(old_town.difference(keep_clear), Point(townplan.MARKET)), "street", **{"class": "local"}))
    for district, area in areas.items():
        for part_name, (use, part) in town.items():
            room = area.difference(old_town).intersection(part).difference(keep_clear)
            through, minor = local_streets(f"{district}-{part_name}", room, _STREET_SPACING[use])
            out += [_feature(through, "street", **{"class": "local"}), _feature(minor, "street", **{"class": "minor"})]
    out += [_feature(line, "street", name=name, **{"class": "side"}, **_along(line, 0.5)) for name, line in side.items()]
    out += [_feature(line, "street", name=name, **{"class": "main"}, **_along(line, 0.5)) for name, line in main.items()]
    out.append(_feature(ring, "street", name=townplan.RING_NAME, **{"class": "ring"}, **_along(ring, 0.06)))
    return out


def features() -> list[dict[str, Any]]:
    """The background's features, the bottom layer first (empty ones left out)."""
    wet, green, areas, town = water(), parks(), districts(), built_up()
    ring, main, side = ring_road(), main_streets(), side_streets()
    roads = unary_union([ring, *main.values(), *side.values(), LineString(townplan.RAILWAY)]).buffer(20)
    keep_clear = unary_union([*wet.values(), *green.values()]).buffer(15)  # a neighbourhood's streets stop short of them
    out = [*_land(areas, green, wet, town, roads), *_water(wet), *_streets(areas, town, keep_clear, side, main, ring)]
    return [feature for feature in out if feature["geometry"].get("coordinates")]


@cache
def background_geojson() -> bytes:
    """The FeatureCollection as JSON (built once per process)."""
    return orjson.dumps({"type": "FeatureCollection", "name": city.CITY, "features": features()})
