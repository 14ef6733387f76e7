"""Tests for stadsdata.geo.geojson: GeoJSON/WKT parsing, validation and output."""

from __future__ import annotations

import copy
import json
import math
import random
from typing import Any

import pytest
import shapely

from stadsdata.errors import BadRequest
from stadsdata.geo import bbox, envelope_geojson, from_wkt, shape_to_geojson, to_shape

SQUARE = [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]]
HOLE = [[2, 2], [2, 4], [4, 4], [4, 2], [2, 2]]

VALID_GEOMETRIES: list[dict[str, Any]] = [
    {"type": "Point", "coordinates": [4.9, 52.37]},
    {"type": "Point", "coordinates": [121000.5, 487000.25, 2.5]},
    {"type": "MultiPoint", "coordinates": [[0, 0], [1, 1]]},
    {"type": "LineString", "coordinates": [[0, 0], [1, 1], [2, 0]]},
    {"type": "MultiLineString", "coordinates": [[[0, 0], [1, 1]], [[2, 2], [3, 3]]]},
    {"type": "Polygon", "coordinates": SQUARE},
    {"type": "Polygon", "coordinates": [SQUARE[0], HOLE]},
    {"type": "MultiPolygon", "coordinates": [SQUARE, [[[20, 20], [21, 20], [21, 21], [20, 20]]]]},
    {
        "type": "GeometryCollection",
        "geometries": [
            {"type": "Point", "coordinates": [1, 2]},
            {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
        ],
    },
]


def _feature(geometry: Any, **extra: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": {}, **extra}


# --------------------------------------------------------------------------- to_shape valid


@pytest.mark.parametrize("geometry", VALID_GEOMETRIES, ids=lambda g: g["type"])
def test_valid_geometries_round_trip(geometry: dict[str, Any]) -> None:
    shape = to_shape(geometry, field="location")
    assert shape.geom_type == geometry["type"]
    out = shape_to_geojson(shape)
    assert to_shape(out, field="location").equals(shape)
    assert json.loads(json.dumps(geometry)) == json.loads(json.dumps(out))


def test_point_values_and_no_range_check() -> None:
    shape = to_shape({"type": "Point", "coordinates": [155000, 463000]}, field="location")
    assert (shape.x, shape.y) == (155000.0, 463000.0)
    assert not shape.has_z


def test_point_3d() -> None:
    shape = to_shape({"type": "Point", "coordinates": [5, 52, 3.5]}, field="location")
    assert shape.has_z and shape.z == 3.5


def test_polygon_with_hole() -> None:
    shape = to_shape({"type": "Polygon", "coordinates": [SQUARE[0], HOLE]}, field="f")
    assert len(shape.interiors) == 1
    assert shape.area == 100 - 4


def test_feature_yields_its_geometry() -> None:
    feature = _feature({"type": "Point", "coordinates": [1, 2]}, id="x", bbox=[1, 2, 1, 2])
    assert to_shape(feature, field="feature").equals(shapely.Point(1, 2))


def test_feature_collection_is_geometry_collection_skipping_null_geometries() -> None:
    collection = {
        "type": "FeatureCollection",
        "features": [
            _feature({"type": "Point", "coordinates": [1, 2]}),
            _feature(None),
            _feature({"type": "Polygon", "coordinates": SQUARE}),
        ],
    }
    shape = to_shape(collection, field="feature")
    assert shape.geom_type == "GeometryCollection"
    assert [g.geom_type for g in shape.geoms] == ["Point", "Polygon"]


def test_empty_collections_are_allowed() -> None:
    assert to_shape({"type": "FeatureCollection", "features": []}, field="f").is_empty
    assert to_shape({"type": "GeometryCollection", "geometries": []}, field="f").is_empty
    assert to_shape({"type": "MultiPoint", "coordinates": []}, field="f").is_empty


def test_foreign_members_are_ignored() -> None:
    value = {
        "type": "Point",
        "coordinates": [1, 2],
        "crs": {"type": "name", "properties": {"name": "EPSG:4326"}},
        "bbox": [1, 2, 1, 2],
        "title": "here",
    }
    assert to_shape(value, field="f").equals(shapely.Point(1, 2))


# --------------------------------------------------------------------------- to_shape invalid


INVALID: list[tuple[Any, str]] = [
    (None, "expected a JSON object, got null"),
    ([1, 2], "expected a JSON object, got an array"),
    ("POINT(1 2)", "expected a JSON object, got a string"),
    ({"coordinates": [1, 2]}, 'no "type" member'),
    ({"type": 7, "coordinates": [1, 2]}, '"type" must be a string'),
    ({"type": "point", "coordinates": [1, 2]}, "unknown type 'point'"),
    ({"type": "Circle", "coordinates": [1, 2]}, "unknown type 'Circle'"),
    ({"type": "Point"}, 'no "coordinates" member'),
    ({"type": "Point", "coordinates": None}, "expected a position"),
    ({"type": "Point", "coordinates": []}, "2 or 3 numbers, got 0"),
    ({"type": "Point", "coordinates": [1]}, "2 or 3 numbers, got 1"),
    ({"type": "Point", "coordinates": [1, 2, 3, 4]}, "2 or 3 numbers, got 4"),
    ({"type": "Point", "coordinates": ["1", 2]}, "coordinates[0]: expected a number, got a string"),
    ({"type": "Point", "coordinates": [1, True]}, "coordinates[1]: expected a number, got a boolean"),
    ({"type": "Point", "coordinates": [1, math.nan]}, "finite"),
    ({"type": "Point", "coordinates": [math.inf, 1]}, "finite"),
    ({"type": "Point", "coordinates": [10**400, 1]}, "finite"),
    (
        {"type": "Point", "coordinates": [[1, 2], [3, 4]]},
        "coordinates[0]: expected a number, got an array",
    ),
    ({"type": "LineString", "coordinates": [[1, 2]]}, "at least 2 positions, got 1"),
    ({"type": "LineString", "coordinates": [1, 2]}, "coordinates[0]: expected a position"),
    ({"type": "LineString", "coordinates": [[0, 0], [1, 1, 1]]}, "mix 2 and 3 dimensions"),
    ({"type": "Polygon", "coordinates": []}, "at least an exterior ring"),
    ({"type": "Polygon", "coordinates": [[0, 0], [1, 0], [1, 1], [0, 0]]}, "coordinates[0]"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "at least 4 positions"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}, "not closed"),
    (
        {"type": "Polygon", "coordinates": [SQUARE[0], [[2, 2], [2, 4], [4, 4], [4, 2]]]},
        "coordinates[1]: the ring is not closed",
    ),
    (
        {"type": "Polygon", "coordinates": [SQUARE[0], [[2, 2, 0], [2, 4, 0], [4, 4, 0], [2, 2, 0]]]},
        "rings mix 2 and 3 dimensions",
    ),
    ({"type": "MultiPoint", "coordinates": [1, 2]}, "coordinates[0]: expected a position"),
    ({"type": "MultiLineString", "coordinates": [[[0, 0]]]}, "coordinates[0]: expected at least 2"),
    (
        {"type": "MultiLineString", "coordinates": [[[0, 0], [1, 1]], [[0, 0, 0], [1, 1, 1]]]},
        "parts mix 2 and 3 dimensions",
    ),
    ({"type": "MultiPolygon", "coordinates": SQUARE}, "coordinates[0][0]"),
    ({"type": "MultiPolygon", "coordinates": {"a": 1}}, "expected an array of Polygon"),
    ({"type": "GeometryCollection"}, "geometries: expected an array of geometries, got null"),
    (
        {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [1]}]},
        "geometries[0].coordinates",
    ),
    (
        {"type": "GeometryCollection", "geometries": [_feature(None)]},
        "geometries[0].type: expected a geometry object",
    ),
    ({"type": "Feature", "properties": {}}, 'no "geometry" member'),
    (_feature(None), "the Feature has no geometry (null)"),
    (_feature(_feature(None)), "geometry.type: a Feature's geometry must be a geometry object"),
    (_feature({"type": "Point", "coordinates": "1,2"}), "geometry.coordinates: expected a position"),
    ({"type": "FeatureCollection"}, "features: expected an array of Features, got null"),
    ({"type": "FeatureCollection", "features": [{"type": "Point", "coordinates": [1, 2]}]},
     'features[0].type: expected "Feature"'),
    ({"type": "FeatureCollection", "features": [_feature({"type": "Point"})]},
     'features[0].geometry: the Point has no "coordinates" member'),
]


@pytest.mark.parametrize(("value", "message"), INVALID)
def test_invalid_geojson_is_bad_request_naming_the_problem(value: Any, message: str) -> None:
    with pytest.raises(BadRequest) as info:
        to_shape(value, field="location")
    assert message in info.value.detail
    assert info.value.field == "location"
    assert info.value.status == 400


def test_deeply_nested_geometry_collections_are_rejected() -> None:
    value: dict[str, Any] = {"type": "Point", "coordinates": [0, 0]}
    for _ in range(50):
        value = {"type": "GeometryCollection", "geometries": [value]}
    with pytest.raises(BadRequest, match="nested too deeply"):
        to_shape(value, field="location")


def test_moderately_nested_geometry_collections_are_accepted() -> None:
    value: dict[str, Any] = {"type": "Point", "coordinates": [0, 0]}
    for _ in range(3):
        value = {"type": "GeometryCollection", "geometries": [value]}
    assert to_shape(value, field="location").geom_type == "GeometryCollection"


# --------------------------------------------------------------------------- fuzzing

_ATOMS: list[Any] = [
    None, True, False, 0, 1, -1, 2.5, 1e308, -1e308, 10**400, math.nan, math.inf, "",
    "Point", "Polygon", "Feature", "FeatureCollection", "GeometryCollection", "type",
    "coordinates", "geometries", "geometry", "features", "MultiPolygon", "LineString",
]
_KEYS = ["type", "coordinates", "geometries", "geometry", "features", "properties", "bbox"]


def _random_value(rng: random.Random, depth: int) -> Any:
    """A random JSON-decoded value, biased toward GeoJSON-looking shapes."""
    roll = rng.random()
    if depth <= 0 or roll < 0.35:
        return rng.choice(_ATOMS)
    if roll < 0.7:
        return [_random_value(rng, depth - 1) for _ in range(rng.randint(0, 5))]
    value = {rng.choice(_KEYS): _random_value(rng, depth - 1) for _ in range(rng.randint(0, 4))}
    if rng.random() < 0.7:
        value["type"] = rng.choice(_ATOMS[13:])
    return value


def _mutate(rng: random.Random, value: Any) -> Any:
    """Replace one random node inside a copy of `value` with a random value."""
    value = copy.deepcopy(value)
    containers: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, (list, dict)):
            containers.append(node)
            for child in node.values() if isinstance(node, dict) else node:
                walk(child)

    walk(value)
    target = rng.choice(containers)
    if isinstance(target, dict):
        key = rng.choice([*target.keys(), *_KEYS])
        target[key] = _random_value(rng, 3)
    elif target:
        target[rng.randrange(len(target))] = _random_value(rng, 3)
    else:
        target.append(_random_value(rng, 3))
    return value


def _check_only_bad_request(value: Any) -> None:
    try:
        shape = to_shape(value, field="location")
    except BadRequest as exc:
        assert exc.field == "location"
        assert exc.detail
    else:
        assert isinstance(shape, shapely.Geometry)
        shape_to_geojson(shape)
        bbox(shape)


def test_fuzz_random_values_raise_only_bad_request() -> None:
    rng = random.Random(20240518)
    for _ in range(3000):
        _check_only_bad_request(_random_value(rng, 6))


def test_fuzz_mutated_valid_geojson_raises_only_bad_request() -> None:
    rng = random.Random(4326)
    seeds = [*VALID_GEOMETRIES, _feature(VALID_GEOMETRIES[5])]
    for _ in range(3000):
        _check_only_bad_request(_mutate(rng, rng.choice(seeds)))


def test_fuzz_deep_json_nesting_raises_only_bad_request() -> None:
    deep: Any = [0, 0]
    for _ in range(5000):
        deep = [deep]
    for kind in ("Point", "LineString", "Polygon", "MultiPolygon", "GeometryCollection"):
        _check_only_bad_request({"type": kind, "coordinates": deep, "geometries": deep})


# --------------------------------------------------------------------------- bbox


def test_bbox() -> None:
    assert bbox(to_shape({"type": "Polygon", "coordinates": SQUARE}, field="f")) == (
        0.0,
        0.0,
        10.0,
        10.0,
    )
    assert bbox(shapely.Point(3, 4)) == (3.0, 4.0, 3.0, 4.0)


def test_bbox_of_empty_or_none_is_none() -> None:
    assert bbox(shapely.GeometryCollection()) is None
    assert bbox(shapely.Point()) is None
    assert bbox(None) is None


# --------------------------------------------------------------------------- shape_to_geojson


def test_shape_to_geojson_uses_lists_not_tuples() -> None:
    out = shape_to_geojson(shapely.Polygon(SQUARE[0], [HOLE]))
    assert out["type"] == "Polygon"
    assert isinstance(out["coordinates"], list)
    assert all(isinstance(ring, list) for ring in out["coordinates"])
    assert all(isinstance(pos, list) for ring in out["coordinates"] for pos in ring)
    assert out["coordinates"][0][0] == [0.0, 0.0]


def test_shape_to_geojson_geometry_collection() -> None:
    shape = shapely.GeometryCollection([shapely.Point(1, 2), shapely.LineString([(0, 0), (1, 1)])])
    assert shape_to_geojson(shape) == {
        "type": "GeometryCollection",
        "geometries": [
            {"type": "Point", "coordinates": [1.0, 2.0]},
            {"type": "LineString", "coordinates": [[0.0, 0.0], [1.0, 1.0]]},
        ],
    }


# --------------------------------------------------------------------------- from_wkt


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("POINT(4.9 52.37)", shapely.Point(4.9, 52.37)),
        ("  POINT (1 2)  ", shapely.Point(1, 2)),
        ("SRID=4326;POINT(1 2)", shapely.Point(1, 2)),
        ("srid = 4326 ; POINT(1 2)", shapely.Point(1, 2)),
        ("LINESTRING(0 0, 1 1)", shapely.LineString([(0, 0), (1, 1)])),
        ("POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))", shapely.Polygon(SQUARE[0])),
        ("POINT Z (1 2 3)", shapely.Point(1, 2, 3)),
    ],
)
def test_from_wkt(text: str, expected: shapely.Geometry) -> None:
    assert from_wkt(text, field="$filter").equals(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty WKT"),
        ("   ", "empty WKT"),
        ("SRID=4326;", "empty WKT"),
        ("POINT(1", "invalid WKT 'POINT(1'"),
        ("POINT(a b)", "invalid WKT"),
        ("CIRCLE(1 2, 3)", "invalid WKT"),
        ("{\"type\": \"Point\"}", "invalid WKT"),
        ("SRID=28992;POINT(155000 463000)", "unsupported SRID '28992'"),
        ("SRID=abc;POINT(1 2)", "unsupported SRID"),
        ("POINT(nan 1)", "finite"),
        ("POINT(" + "1" * 400 + " 1)", "finite"),
        (None, "expected WKT text"),
        (42, "expected WKT text"),
    ],
)
def test_from_wkt_invalid(text: Any, message: str) -> None:
    with pytest.raises(BadRequest) as info:
        from_wkt(text, field="$filter")
    assert message in info.value.detail
    assert info.value.field == "$filter"


def test_from_wkt_error_message_is_abbreviated() -> None:
    with pytest.raises(BadRequest) as info:
        from_wkt("POLYGON((" + "1 2, " * 100, field="$filter")
    assert len(info.value.detail) < 200


# --------------------------------------------------------------------------- envelope_geojson


def test_envelope_is_counter_clockwise_polygon() -> None:
    shapes = [shapely.Point(4.8, 52.3), shapely.LineString([(4.9, 52.4), (5.0, 52.35)])]
    assert envelope_geojson(shapes) == {
        "type": "Polygon",
        "coordinates": [[[4.8, 52.3], [5.0, 52.3], [5.0, 52.4], [4.8, 52.4], [4.8, 52.3]]],
    }
    ring = shapely.LinearRing(envelope_geojson(shapes)["coordinates"][0])
    assert ring.is_ccw


def test_envelope_of_one_repeated_point_is_point() -> None:
    shapes = [shapely.Point(1, 2), shapely.Point(1, 2)]
    assert envelope_geojson(shapes) == {"type": "Point", "coordinates": [1.0, 2.0]}


def test_envelope_degenerate_in_one_axis_is_line_string() -> None:
    shapes = [shapely.Point(1, 2), shapely.Point(1, 5)]
    assert envelope_geojson(shapes) == {"type": "LineString", "coordinates": [[1.0, 2.0], [1.0, 5.0]]}


def test_envelope_skips_none_and_empty() -> None:
    shapes = [None, shapely.Point(), shapely.Point(0, 0), shapely.Point(2, 3)]
    assert envelope_geojson(shapes) == {
        "type": "Polygon",
        "coordinates": [[[0.0, 0.0], [2.0, 0.0], [2.0, 3.0], [0.0, 3.0], [0.0, 0.0]]],
    }


def test_envelope_of_nothing_is_none() -> None:
    assert envelope_geojson([]) is None
    assert envelope_geojson([None, shapely.GeometryCollection()]) is None


def test_envelope_accepts_a_generator() -> None:
    result = envelope_geojson(shapely.Point(i, i) for i in range(3))
    assert result is not None and result["type"] == "Polygon"
