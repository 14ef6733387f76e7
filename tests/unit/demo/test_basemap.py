"""The demo city's background map (`demo/basemap.py`): valid GeoJSON in WGS84 whose features say
what they are, districts that tile the municipality, and the demo's sensor sites on land inside
the districts — none in the water."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from shapely.geometry import Point, Polygon, shape
from shapely.ops import unary_union

from stadsdata.demo import basemap, city, townplan

KINDS = {"boundary", "built-up", "district", "park", "ditch", "water", "railway", "square", "street"}
NAMED = {"boundary", "district", "park", "water", "square"}
NAMED_STREETS = {"ring", "main", "side"}  # not a neighbourhood's own streets (local, minor)


@pytest.fixture(scope="module")
def collection() -> dict[str, Any]:
    return orjson.loads(basemap.background_geojson())


def of_kind(collection: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [f for f in collection["features"] if f["properties"]["kind"] == kind]


def test_a_feature_collection_of_valid_geometries_in_longitude_latitude(collection: dict[str, Any]) -> None:
    assert collection["type"] == "FeatureCollection" and collection["features"]
    lon, lat = city.CENTRE
    for feature in collection["features"]:
        assert feature["type"] == "Feature" and set(feature) == {"type", "geometry", "properties"}
        geometry = shape(feature["geometry"])
        assert geometry.is_valid and not geometry.is_empty, feature["properties"]
        west, south, east, north = geometry.bounds  # within some 10 km of the centre: degrees, not metres
        assert lon - 0.15 < west <= east < lon + 0.15 and lat - 0.1 < south <= north < lat + 0.1


def test_every_feature_says_what_it_is_and_named_things_have_names_and_a_place_for_them(collection: dict[str, Any]) -> None:
    for feature in collection["features"]:
        properties = feature["properties"]
        assert properties["kind"] in KINDS
        if properties["kind"] in NAMED or (properties["kind"] == "street" and properties["class"] in NAMED_STREETS):
            assert isinstance(properties["name"], str) and properties["name"], properties
            if properties["kind"] != "boundary":  # the municipality's name is not written on its border
                where, label = shape(feature["geometry"]), Point(properties["labelPoint"])
                assert where.contains(label) if where.area else where.distance(label) < 1e-5, properties["name"]
        if properties["kind"] in ("street", "water", "built-up"):
            assert properties["class"]
    streets = of_kind(collection, "street")
    assert {f["properties"]["class"] for f in streets} == NAMED_STREETS | {"local", "minor"}
    assert {f["properties"]["name"] for f in of_kind(collection, "district")} == set(townplan.DISTRICTS)
    assert {f["properties"]["class"] for f in of_kind(collection, "water")} >= {"river", "harbour", "canal"}


def test_the_districts_tile_the_municipality_without_overlapping(collection: dict[str, Any]) -> None:
    districts = [shape(f["geometry"]) for f in of_kind(collection, "district")]
    municipality = Polygon(shape(of_kind(collection, "boundary")[0]["geometry"]).coords)
    union = unary_union(districts)
    assert sum(d.area for d in districts) == pytest.approx(union.area, rel=1e-6)  # borders shared, no overlaps
    assert union.symmetric_difference(municipality).area < 1e-4 * municipality.area  # but for rounding to 0.1 m


def test_every_sensor_site_stands_in_a_district_on_land(collection: dict[str, Any]) -> None:
    districts = unary_union([shape(f["geometry"]) for f in of_kind(collection, "district")])
    water = unary_union([shape(f["geometry"]) for f in of_kind(collection, "water")])
    sites = city.sites()
    assert sites
    for site in sites:
        where = Point(site.lon, site.lat)
        assert districts.contains(where), site.key
        assert not water.contains(where), site.key
    # and not on the quay's edge either: at least 50 m from any water (in the plan's metres)
    wet = unary_union(list(basemap.water().values()))
    nearest = min(wet.distance(basemap.to_metres(site.lon, site.lat)) for site in sites)
    assert nearest > 50


def test_the_background_is_the_same_every_time() -> None:
    assert basemap.features() == basemap.features()


def test_plan_coordinates_and_longitude_latitude_convert_both_ways() -> None:
    site = city.sites()[0]
    back = basemap.to_lonlat(basemap.to_metres(site.lon, site.lat))
    assert back.x == pytest.approx(site.lon, abs=1e-6) and back.y == pytest.approx(site.lat, abs=1e-6)
