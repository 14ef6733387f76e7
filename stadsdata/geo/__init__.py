"""Geometry support: GeoJSON/WKT conversion (`geojson`) and spatial SQL functions for
SQLite (`sqlite_functions`)."""

from stadsdata.geo.geojson import (
    bbox,
    envelope_geojson,
    from_wkt,
    shape_to_geojson,
    to_shape,
)

__all__ = ["bbox", "envelope_geojson", "from_wkt", "shape_to_geojson", "to_shape"]
