"""Where new charge points are most needed: the areas (neighbourhoods, districts) ranked by a score
of three parts, each between 0 and 1 (`docs/analytics.md`, "EV charging"):

- occupancy: the share of the observed time the area's charge points were connected (charging or
  idle), over their known time;
- unserved demand: the share of the observed time no charge point of the area was free (all of
  them connected, reserved or out of service) — a driver arriving then found no free point;
- distance: from the area's centre to the nearest charge point that is free now (anywhere), in
  units of `distance_scale_m` metres, at most 1.

score = w_occupancy · occupancy + w_unserved · unserved + w_distance · distance (the weights are
scaled to sum to 1). An area without a charge point counts as fully occupied and unserved (no one
can charge there); its distance says how far the nearest free one is."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry


class NamedArea(Protocol):
    name: str
    geometry: BaseGeometry  # WGS84 longitude/latitude


@dataclass(frozen=True)
class Weights:
    occupancy: float = 0.4
    unserved: float = 0.4
    distance: float = 0.2
    distance_scale_m: float = 1000.0

    def normalised(self) -> Weights:
        total = self.occupancy + self.unserved + self.distance
        return Weights(self.occupancy / total, self.unserved / total, self.distance / total, self.distance_scale_m)


@dataclass(frozen=True)
class AreaFacts:
    name: str
    charge_points: int
    occupancy: float | None  # None: no charge point (counts as 1)
    unserved: float | None  # share of time with no free point (None: no charge point, counts as 1)
    centre: tuple[float, float]
    nearest_free_m: float | None  # None: no charge point is free now


def centre(area: NamedArea) -> tuple[float, float]:
    """The area's centroid, or a point inside it when the centroid lies outside (a crescent)."""
    point = area.geometry.centroid
    if not area.geometry.covers(point):
        point = area.geometry.representative_point()
    return float(point.x), float(point.y)


def nearest_m(at: tuple[float, float], points: list[tuple[float, float]]) -> float | None:
    return min((metres(at, p) for p in points), default=None)


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lon, lat) points (haversine, R = 6 371 008.8 m)."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def contains(area: NamedArea, lonlat: tuple[float, float] | None) -> bool:
    return lonlat is not None and area.geometry.covers(Point(lonlat))


def score(facts: AreaFacts, weights: Weights) -> dict[str, Any]:
    w = weights.normalised()
    occupancy = 1.0 if facts.occupancy is None else facts.occupancy
    unserved = 1.0 if facts.unserved is None else facts.unserved
    distance = 1.0 if facts.nearest_free_m is None else min(facts.nearest_free_m / w.distance_scale_m, 1.0)
    parts = {"occupancy": occupancy, "unservedDemand": unserved, "distance": distance}
    total = w.occupancy * occupancy + w.unserved * unserved + w.distance * distance
    return {
        "area": facts.name, "score": round(total, 4), "parts": {k: round(v, 4) for k, v in parts.items()},
        "chargePoints": facts.charge_points, "occupancy": _round(facts.occupancy), "noFreePointShare": _round(facts.unserved),
        "centre": {"type": "Point", "coordinates": list(facts.centre)},
        "nearestFreePointM": None if facts.nearest_free_m is None else round(facts.nearest_free_m, 1),
    }  # fmt: skip


def rank(facts: list[AreaFacts], weights: Weights) -> list[dict[str, Any]]:
    """The areas, highest score first (ties: by name), numbered from 1."""
    scored = sorted((score(f, weights) for f in facts), key=lambda s: (-s["score"], s["area"]))
    return [{"rank": n, **s} for n, s in enumerate(scored, 1)]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
