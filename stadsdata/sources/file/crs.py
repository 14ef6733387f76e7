"""Coordinates of the city's own files in the reference system they are in (in the Netherlands
often RD New, EPSG:28992) made WGS 84 longitude/latitude (EPSG:4326, GeoJSON's), with pyproj."""

from __future__ import annotations

from functools import cache
from typing import Any

import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import mapping, shape

WGS84 = "EPSG:4326"


class UnknownCrs(ValueError):
    """A reference system pyproj does not know."""


@cache
def _transformer(crs: str) -> Transformer:
    try:
        source = CRS.from_user_input(crs)
    except CRSError as exc:
        raise UnknownCrs(f"{crs!r} is not a coordinate reference system pyproj knows (e.g. EPSG:28992): {exc}") from None
    return Transformer.from_crs(source, WGS84, always_xy=True)


def check(crs: str) -> None:
    _transformer(crs)


def to_wgs84(geometry: dict[str, Any], crs: str | None) -> dict[str, Any]:
    """A GeoJSON geometry in `crs` (None or EPSG:4326: as it is) in WGS 84 lon/lat."""
    if crs is None or CRS.from_user_input(crs) == CRS.from_user_input(WGS84):
        return geometry
    moved = shapely.transform(shape(geometry), lambda x, y: _transformer(crs).transform(x, y), interleaved=False)
    return _lists(mapping(moved))


def _lists(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_lists(v) for v in value]
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    return round(value, 7) if isinstance(value, float) else value
