"""The NGSI-LD query language (clause 4.9) and geo-queries (clause 4.10): parsed and evaluated,
checked against a brute-force evaluation in plain Python over a grid of entities."""

from __future__ import annotations

import itertools
import math

import pytest
from shapely.geometry import Point
from starlette.datastructures import QueryParams

from stadsdata.api.ngsild.errors import BadRequestData
from stadsdata.api.ngsild.geo import distance, geo_matches, geo_query
from stadsdata.api.ngsild.query import Comparison, Logical, Range, matches, parse_q


def entity(no2: float, name: str, when: str = "2026-05-01T10:00:00Z") -> dict:
    return {
        "id": f"urn:ngsi-ld:AirQualityObserved:{name}",
        "type": "AirQualityObserved",
        "no2": {"type": "Property", "value": no2, "observedAt": when, "unitCode": "GQ"},
        "name": {"type": "Property", "value": name},
        "address": {"type": "Property", "value": {"city": "Zwolle", "street": "Markt"}},
    }


ENTITIES = [entity(v, n) for v, n in itertools.product([5, 20, 30.5, 41], ["Markt", "Station", "Zuid"])]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("no2>20", lambda v, n: v > 20),
        ("no2>=20", lambda v, n: v >= 20),
        ("no2<20", lambda v, n: v < 20),
        ("no2<=20", lambda v, n: v <= 20),
        ("no2==30.5", lambda v, n: v == 30.5),
        ("no2!=30.5", lambda v, n: v != 30.5),
        ('no2>20;name=="Markt"', lambda v, n: v > 20 and n == "Markt"),
        ('no2<10|name=="Zuid"', lambda v, n: v < 10 or n == "Zuid"),
        ('(no2<10|no2>40);name!="Station"', lambda v, n: (v < 10 or v > 40) and n != "Station"),
        ('no2>20;name=="Markt"|name=="Zuid"', lambda v, n: (v > 20 and n == "Markt") or n == "Zuid"),  # ; before |
        ("no2==10..35", lambda v, n: 10 <= v <= 35),
        ("no2!=10..35", lambda v, n: not 10 <= v <= 35),
        ("no2==5,41", lambda v, n: v in (5, 41)),
        ('name~="^S"', lambda v, n: n.startswith("S")),
        ('name!~="^S"', lambda v, n: not n.startswith("S")),
        ("no2", lambda v, n: True),
        ("pm10", lambda v, n: False),
        ('address[city]=="Zwolle"', lambda v, n: True),
        ('address[city]=="Kampen"', lambda v, n: False),
        ("no2.observedAt>=2026-05-01T10:00:00Z", lambda v, n: True),
        ("no2.observedAt<2026-05-01T10:00:00Z", lambda v, n: False),
        ('no2=="high"', lambda v, n: False),  # a text against a number: false, not an error
    ],
)
def test_q_matches_what_plain_python_says(q: str, expected) -> None:
    node = parse_q(q)
    for e in ENTITIES:
        assert matches(node, e) is expected(e["no2"]["value"], e["name"]["value"]), (q, e["id"])


def test_the_parse_tree_has_the_precedence_of_the_spec() -> None:
    node = parse_q("a==1;b==2|c==3")
    assert isinstance(node, Logical) and node.op == "|"
    assert isinstance(node.terms[0], Logical) and node.terms[0].op == ";"
    ranged = parse_q("a==1..5")
    assert isinstance(ranged, Comparison) and ranged.value == Range(1, 5)


@pytest.mark.parametrize(
    ("q", "position"),
    [("no2>", 4), ("(no2>1", 6), ("no2>>1", 4), ("", 0), ('no2=="x', 5), ("no2>1 junk", 6), ("no2>1;", 6), ('a~="("', 3),
     ("no2>1..3", 4), ("[x]==1", 0)],
)  # fmt: skip
def test_bad_q_is_bad_request_data_naming_q_and_the_position(q: str, position: int) -> None:
    with pytest.raises(BadRequestData) as raised:
        parse_q(q)
    assert raised.value.field == "q"
    assert raised.value.position == position, raised.value.detail


def located(lon: float, lat: float) -> dict:
    return {
        "id": "x",
        "type": "T",
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [lon, lat]}},
    }


def haversine(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.atan2(math.sqrt(a), math.sqrt(1 - a))


def test_near_keeps_exactly_the_points_within_the_distance() -> None:
    centre = (6.09, 52.51)
    grid = [(6.09 + dx / 1000, 52.51 + dy / 1000) for dx in range(-10, 11, 2) for dy in range(-10, 11, 2)]
    query = geo_query(QueryParams("georel=near;maxDistance==500&geometry=Point&coordinates=[6.09,52.51]"))
    assert query is not None
    kept = {p for p in grid if geo_matches(query, located(*p))}
    assert kept == {p for p in grid if haversine(*centre, *p) <= 500}
    assert 0 < len(kept) < len(grid)
    far = geo_query(QueryParams("georel=near;minDistance==500&geometry=Point&coordinates=[6.09,52.51]"))
    assert {p for p in grid if geo_matches(far, located(*p))} == set(grid) - kept | {
        p for p in grid if haversine(*centre, *p) == 500
    }
    assert distance(Point(0, 0), Point(1, 0)) == pytest.approx(111_195, rel=1e-4)  # one degree on the equator


def test_within_and_intersects_a_polygon() -> None:
    square = "[[[6.0,52.0],[6.1,52.0],[6.1,52.1],[6.0,52.1],[6.0,52.0]]]"
    within = geo_query(QueryParams(f"georel=within&geometry=Polygon&coordinates={square}"))
    assert geo_matches(within, located(6.05, 52.05)) and not geo_matches(within, located(6.2, 52.05))
    crossing = geo_query(QueryParams(f"georel=intersects&geometry=Polygon&coordinates={square}"))
    assert geo_matches(crossing, located(6.1, 52.05))  # on the edge
    assert not geo_matches(within, {"id": "y", "type": "T"})  # no location: no match


@pytest.mark.parametrize(
    ("query", "field"),
    [("georel=near;maxDistance==5&geometry=Point", "coordinates"), ("georel=nearby&geometry=Point&coordinates=[1,2]", "georel"),
     ("georel=near;maxDistance==x&geometry=Point&coordinates=[1,2]", "georel"), ("georel=within&geometry=Circle&coordinates=[1,2]", "geometry"),
     ("georel=within&geometry=Polygon&coordinates=[1,2]", "coordinates"), ("georel=within&geometry=Point&coordinates=[1,", "coordinates"),
     ("georel=near;maxDistance==5&geometry=Polygon&coordinates=[[[0,0],[1,0],[1,1],[0,0]]]", "geometry")],
)  # fmt: skip
def test_bad_geo_queries_name_the_parameter(query: str, field: str) -> None:
    with pytest.raises(BadRequestData) as raised:
        geo_query(QueryParams(query))
    assert raised.value.field == field
