"""Tests for stadsdata.geo.sqlite_functions: spatial SQL functions on an in-memory SQLite."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from stadsdata.geo.sqlite_functions import MAX_CACHED_CHARS, parse_geometry, register

SQUARE = "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))"
RIGHT_NEIGHBOUR = "POLYGON((10 0, 20 0, 20 10, 10 10, 10 0))"
SHIFTED_SQUARE = "POLYGON((5 5, 15 5, 15 15, 5 15, 5 5))"
INSIDE = "POINT(5 5)"
OUTSIDE = "POINT(50 50)"
DIAGONAL = "LINESTRING(0 0, 10 10)"
ANTI_DIAGONAL = "LINESTRING(0 10, 10 0)"
FEATURE = json.dumps(
    {
        "type": "Feature",
        "properties": {"name": "sensor"},
        "geometry": {"type": "Point", "coordinates": [5, 5]},
    }
)


@pytest.fixture
def conn() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    register(connection)
    yield connection
    connection.close()


def q(conn: sqlite3.Connection, sql: str, *params: Any) -> Any:
    """The single value of a one-row, one-column query."""
    return conn.execute(f"SELECT {sql}", params).fetchone()[0]


def geojson(wkt_type: str, coordinates: Any) -> str:
    return json.dumps({"type": wkt_type, "coordinates": coordinates})


# --------------------------------------------------------------------------- predicates


@pytest.mark.parametrize(
    ("function", "a", "b", "expected"),
    [
        # point in polygon
        ("st_within", INSIDE, SQUARE, 1),
        ("st_within", OUTSIDE, SQUARE, 0),
        ("st_within", SQUARE, INSIDE, 0),
        ("st_contains", SQUARE, INSIDE, 1),
        ("st_contains", INSIDE, SQUARE, 0),
        ("st_intersects", INSIDE, SQUARE, 1),
        ("st_intersects", OUTSIDE, SQUARE, 0),
        ("geo_intersects", INSIDE, SQUARE, 1),
        ("geo_intersects", OUTSIDE, SQUARE, 0),
        ("st_disjoint", OUTSIDE, SQUARE, 1),
        ("st_disjoint", INSIDE, SQUARE, 0),
        # touching polygons share an edge but no interior
        ("st_touches", SQUARE, RIGHT_NEIGHBOUR, 1),
        ("st_intersects", SQUARE, RIGHT_NEIGHBOUR, 1),
        ("st_overlaps", SQUARE, RIGHT_NEIGHBOUR, 0),
        ("st_touches", SQUARE, SHIFTED_SQUARE, 0),
        ("st_touches", "POINT(0 5)", SQUARE, 1),
        # overlapping polygons
        ("st_overlaps", SQUARE, SHIFTED_SQUARE, 1),
        ("st_overlaps", SQUARE, SQUARE, 0),
        ("st_within", SHIFTED_SQUARE, SQUARE, 0),
        # crossing lines
        ("st_crosses", DIAGONAL, ANTI_DIAGONAL, 1),
        ("st_crosses", DIAGONAL, "LINESTRING(20 0, 20 10)", 0),
        ("st_crosses", DIAGONAL, SQUARE, 0),
        ("st_crosses", "LINESTRING(-5 5, 5 5)", SQUARE, 1),
        # topological equality ignores vertex order and direction
        ("st_equals", DIAGONAL, "LINESTRING(10 10, 5 5, 0 0)", 1),
        ("st_equals", SQUARE, "POLYGON((10 10, 0 10, 0 0, 10 0, 10 10))", 1),
        ("st_equals", SQUARE, SHIFTED_SQUARE, 0),
    ],
)
def test_predicates(
    conn: sqlite3.Connection, function: str, a: str, b: str, expected: int
) -> None:
    assert q(conn, f"{function}(?, ?)", a, b) == expected


def test_predicates_on_stored_geojson_and_wkt_literal(conn: sqlite3.Connection) -> None:
    point = geojson("Point", [5, 5])
    polygon = geojson("Polygon", [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]])
    assert q(conn, "st_within(?, ?)", point, SQUARE) == 1
    assert q(conn, "st_contains(?, ?)", polygon, INSIDE) == 1
    assert q(conn, "st_equals(?, ?)", polygon, SQUARE) == 1
    assert q(conn, "st_within(?, ?)", "  " + point, SQUARE) == 1


def test_geojson_feature_stored_as_text(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE locations (id INTEGER PRIMARY KEY, location TEXT)")
    rows = [
        (1, FEATURE),
        (2, geojson("Point", [50, 50])),
        (3, geojson("LineString", [[-5, 5], [5, 5]])),
        (4, None),
        (5, "not a geometry"),
    ]
    conn.executemany("INSERT INTO locations VALUES (?, ?)", rows)
    within = conn.execute(
        "SELECT id FROM locations WHERE st_within(location, ?) ORDER BY id", (SQUARE,)
    ).fetchall()
    assert within == [(1,)]
    intersecting = conn.execute(
        "SELECT id FROM locations WHERE geo_intersects(location, ?) ORDER BY id",
        (f"SRID=4326;{SQUARE}",),
    ).fetchall()
    assert intersecting == [(1,), (3,)]
    unknown = conn.execute(
        "SELECT id FROM locations WHERE st_within(location, ?) IS NULL ORDER BY id", (SQUARE,)
    ).fetchall()
    assert unknown == [(4,), (5,)]


def test_feature_collection_text(conn: sqlite3.Connection) -> None:
    collection = json.dumps(
        {"type": "FeatureCollection", "features": [json.loads(FEATURE), json.loads(FEATURE)]}
    )
    assert q(conn, "st_within(?, ?)", collection, SQUARE) == 1


def test_feature_collection_with_null_geometry_feature(conn: sqlite3.Connection) -> None:
    null_feature = {"type": "Feature", "geometry": None, "properties": {}}
    collection = json.dumps(
        {"type": "FeatureCollection", "features": [json.loads(FEATURE), null_feature]}
    )
    assert q(conn, "st_within(?, ?)", collection, SQUARE) == 1


def test_feature_with_deeply_nested_properties(conn: sqlite3.Connection) -> None:
    deep = "[" * 10000 + "]" * 10000
    feature = (
        '{"type": "Feature", "properties": {"x": ' + deep + "}, "
        '"geometry": {"type": "Point", "coordinates": [5, 5]}}'
    )
    assert q(conn, "st_within(?, ?)", feature, SQUARE) == 1


# --------------------------------------------------------------------------- st_relate


@pytest.mark.parametrize(
    ("a", "b", "pattern", "expected"),
    [
        (INSIDE, SQUARE, "T*F**F***", 1),  # within
        (OUTSIDE, SQUARE, "T*F**F***", 0),
        (SQUARE, INSIDE, "T*****FF*", 1),  # contains
        (SQUARE, RIGHT_NEIGHBOUR, "F***1****", 1),  # touch along an edge (1-dimensional)
        (SQUARE, RIGHT_NEIGHBOUR, "F***0****", 0),
        (DIAGONAL, ANTI_DIAGONAL, "0********", 1),  # interiors meet in a point
        (DIAGONAL, ANTI_DIAGONAL, "t********", 1),  # pattern is case-insensitive
        (SQUARE, SHIFTED_SQUARE, "212101212", 1),  # exact matrix of two overlapping squares
    ],
)
def test_st_relate(conn: sqlite3.Connection, a: str, b: str, pattern: str, expected: int) -> None:
    assert q(conn, "st_relate(?, ?, ?)", a, b, pattern) == expected


@pytest.mark.parametrize("pattern", [None, "", "T*F**F**", "T*F**F****", "X********", 7])
def test_st_relate_bad_pattern_is_null(conn: sqlite3.Connection, pattern: Any) -> None:
    assert q(conn, "st_relate(?, ?, ?)", INSIDE, SQUARE, pattern) is None


# --------------------------------------------------------------------------- distance, length


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("POINT(0 0)", "POINT(3 4)", 5.0),
        (INSIDE, SQUARE, 0.0),
        ("POINT(13 14)", SQUARE, 5.0),
        (DIAGONAL, "POINT(10 0)", 50**0.5),
        (geojson("Point", [155000, 463000]), "POINT(155300 463400)", 500.0),
    ],
)
def test_geo_distance(conn: sqlite3.Connection, a: str, b: str, expected: float) -> None:
    assert q(conn, "geo_distance(?, ?)", a, b) == pytest.approx(expected)


def test_geo_distance_usable_in_comparison(conn: sqlite3.Connection) -> None:
    assert q(conn, "geo_distance(?, ?) < 6", "POINT(0 0)", "POINT(3 4)") == 1


@pytest.mark.parametrize(
    ("a", "expected"),
    [
        ("LINESTRING(0 0, 3 4)", 5.0),
        ("LINESTRING(0 0, 3 4, 3 14)", 15.0),
        ("MULTILINESTRING((0 0, 3 4), (0 0, 0 1))", 6.0),
        (geojson("LineString", [[0, 0], [0, 2]]), 2.0),
        ("GEOMETRYCOLLECTION(POINT(1 1), LINESTRING(0 0, 0 2), POLYGON((0 0, 1 0, 1 1, 0 0)))", 2.0),
        ("POINT(1 2)", 0.0),
        (SQUARE, 0.0),  # like PostGIS ST_Length: areal geometries have length 0
        ("LINESTRING EMPTY", 0.0),
    ],
)
def test_geo_length(conn: sqlite3.Connection, a: str, expected: float) -> None:
    assert q(conn, "geo_length(?)", a) == pytest.approx(expected)


def test_geo_length_of_feature(conn: sqlite3.Connection) -> None:
    feature = json.dumps(
        {
            "type": "Feature",
            "properties": {},
            "geometry": {"type": "LineString", "coordinates": [[0, 0], [6, 8]]},
        }
    )
    assert q(conn, "geo_length(?)", feature) == pytest.approx(10.0)


# --------------------------------------------------------------------------- NULL handling

BAD_VALUES = [
    None,
    "",
    "   ",
    "not wkt",
    "POINT(1",
    "POINT(nan 1)",
    "SRID=28992;POINT(1 2)",
    "{",
    "{not json}",
    '{"type": "Point"}',
    '{"type": "Point", "coordinates": [1, "2"]}',
    '{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}',
    '{"type": "Feature", "geometry": null, "properties": {}}',
    "[" * 100000 + "]" * 100000,
    "{" + '"a":' * 5000,
    42,
    4.2,
    b"\xff\xfe",
]


@pytest.mark.parametrize("bad", BAD_VALUES, ids=repr)
def test_null_or_unparsable_argument_gives_null(conn: sqlite3.Connection, bad: Any) -> None:
    for function in (
        "st_equals", "st_disjoint", "st_touches", "st_within", "st_overlaps",
        "st_crosses", "st_intersects", "st_contains", "geo_intersects", "geo_distance",
    ):
        assert q(conn, f"{function}(?, ?)", bad, SQUARE) is None, function
        assert q(conn, f"{function}(?, ?)", SQUARE, bad) is None, function
    assert q(conn, "st_relate(?, ?, 'T********')", bad, SQUARE) is None
    assert q(conn, "st_relate(?, ?, 'T********')", SQUARE, bad) is None
    assert q(conn, "geo_length(?)", bad) is None


def test_wkt_as_blob_is_accepted(conn: sqlite3.Connection) -> None:
    assert q(conn, "st_within(?, ?)", INSIDE.encode(), SQUARE) == 1


def test_distance_to_empty_geometry_is_null(conn: sqlite3.Connection) -> None:
    assert q(conn, "geo_distance(?, ?)", "POINT EMPTY", SQUARE) is None


def test_invalid_polygon_does_not_raise(conn: sqlite3.Connection) -> None:
    bowtie = "POLYGON((0 0, 10 10, 10 0, 0 10, 0 0))"
    for function in ("st_equals", "st_within", "st_overlaps", "st_touches", "st_intersects"):
        assert q(conn, f"{function}(?, ?)", bowtie, SQUARE) in (0, 1, None)
    assert q(conn, "st_relate(?, ?, '*********')", bowtie, SQUARE) in (1, None)


# --------------------------------------------------------------------------- registration, cache


def test_functions_are_deterministic(conn: sqlite3.Connection) -> None:
    # SQLite only allows deterministic functions in indexes on expressions.
    conn.execute("CREATE TABLE t (geom TEXT)")
    conn.execute("CREATE INDEX t_len ON t (geo_length(geom))")
    conn.execute("CREATE INDEX t_in ON t (st_within(geom, 'POLYGON((0 0, 1 0, 1 1, 0 0))'))")


def test_parse_geometry_caches_per_text() -> None:
    first = parse_geometry(SQUARE)
    assert first is not None
    assert parse_geometry(SQUARE) is first
    assert parse_geometry("POINT(1 2)") is not first
    assert parse_geometry(None) is None
    assert parse_geometry("nonsense") is None


def test_long_texts_are_parsed_but_not_cached() -> None:
    ring = ", ".join(f"{i} 0" for i in range(MAX_CACHED_CHARS // 4)) + ", 0 1, 0 0"
    big = f"POLYGON(({ring}))"
    assert len(big) > MAX_CACHED_CHARS
    first = parse_geometry(big)
    assert first is not None and first.geom_type == "Polygon"
    assert parse_geometry(big) is not first


def test_parse_geometry_cache_is_per_thread() -> None:
    mine = parse_geometry(SQUARE)
    theirs: list[Any] = []
    thread = threading.Thread(target=lambda: theirs.append(parse_geometry(SQUARE)))
    thread.start()
    thread.join()
    assert theirs[0] is not None and theirs[0] is not mine
    assert theirs[0].equals(mine)


def test_concurrent_queries_on_separate_connections() -> None:
    big = "POLYGON((" + ", ".join(f"{i} {i % 7}" for i in range(500)) + ", 0 0))"
    errors: list[BaseException] = []

    def work() -> None:
        try:
            connection = sqlite3.connect(":memory:")
            register(connection)
            for i in range(200):
                q(connection, "st_intersects(?, ?)", big, f"POINT({i} 1)")
            connection.close()
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
