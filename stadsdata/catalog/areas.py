"""The named areas the catalog's area facet counts by (a city's districts or neighbourhoods):
read from a GeoJSON FeatureCollection (setting `catalog_areas`; e.g. the CBS wijk- en buurtkaart
cut to the municipality, each Feature with a `name` property), or the demo city's districts.

An entry lies in an area when one of its streams' locations does, or — for streams without a
location — when its coverage box meets the area. Only entries whose data the caller may read
have locations and coverage, so the facet counts nothing the caller may not see."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson
import shapely
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from stadsdata.catalog.entries import CatalogEntry


@dataclass(frozen=True)
class Area:
    name: str
    geometry: BaseGeometry  # WGS84 longitude/latitude


def load_areas(path: str | Path) -> list[Area]:
    """The areas of a GeoJSON FeatureCollection file; ValueError saying what is wrong."""
    try:
        document = orjson.loads(Path(path).read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ValueError(f"catalog_areas: cannot read {path}: {exc}") from None
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        raise ValueError(f"catalog_areas: {path} is not a GeoJSON FeatureCollection")
    areas = []
    for number, feature in enumerate(features):
        name = ((feature or {}).get("properties") or {}).get("name")
        try:
            geometry = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, shapely.errors.ShapelyError):
            raise ValueError(f"catalog_areas: feature {number} of {path} has no valid geometry") from None
        if not isinstance(name, str) or not name:
            raise ValueError(f"catalog_areas: feature {number} of {path} has no `name` property")
        areas.append(Area(name, geometry))
    return areas


def areas_of(entry: CatalogEntry, areas: list[Area]) -> list[str]:
    """The names of the areas the entry lies in (see the module's docstring)."""
    if not areas or not entry.streams:
        return []
    points = [shape(s.location) for s in entry.streams if isinstance(s.location, dict) and s.location.get("type")]
    boxes = [box(*s.bbox) for s in entry.streams if s.bbox is not None and not s.location]
    return [a.name for a in areas if any(a.geometry.intersects(g) for g in points + boxes)]
