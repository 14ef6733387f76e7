"""The waste route on hand-made street grids whose best routes are known by hand: a 3 × 3 grid of
crossings 100 m apart, containers at crossings, garages beside streets. Each answer is also checked
against a brute-force search over every visiting order of the same distance matrix."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from stadsdata.analytics.waste import plan as plan_module
from stadsdata.analytics.waste.graph import METRES_PER_DEGREE_LAT, METRES_PER_DEGREE_LON_AT_EQUATOR
from stadsdata.analytics.waste.paths import StreetPaths
from stadsdata.analytics.waste.plan import GARAGES_NOT_READ, RouteRequest, plan_route
from stadsdata.analytics.waste.readings import Readings, Site
from stadsdata.analytics.waste.solver import visiting_order
from stadsdata.analytics.waste.streets_geojson import StreetsError, streets_from_geojson
from stadsdata.errors import BadRequest, Conflict

LON0, LAT0 = 4.48, 51.92  # the grid's middle crossing (Rotterdam)
DLON = 100 / (METRES_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(LAT0)))  # 100 m east
DLAT = 100 / METRES_PER_DEGREE_LAT  # 100 m north
NOW = datetime(2026, 5, 1, tzinfo=UTC)
FAST = 0.3  # seconds for the solver: ample for a handful of stops


def at(x: float, y: float) -> tuple[float, float]:
    """The point x, y hundred metres east and north of the grid's south-west crossing (0, 0)."""
    return LON0 + (x - 1) * DLON, LAT0 + (y - 1) * DLAT


def grid_geojson(extra: list[dict[str, Any]] | None = None, depot: tuple[float, float] | None = (0, 0)) -> dict[str, Any]:
    """Streets 'Rij 0..2' (west–east) and 'Kolom 0..2' (south–north) through crossings (0..2, 0..2)."""
    def street(name: str, points: list[tuple[float, float]]) -> dict[str, Any]:
        return {"type": "Feature", "properties": {"name": name}, "geometry": {"type": "LineString", "coordinates": [list(at(*p)) for p in points]}}

    features = [street(f"Rij {j}", [(i, j) for i in range(3)]) for j in range(3)]
    features += [street(f"Kolom {i}", [(i, j) for j in range(3)]) for i in range(3)]
    features += extra or []
    if depot is not None:
        features.append({"type": "Feature", "properties": {"kind": "depot"}, "geometry": {"type": "Point", "coordinates": list(at(*depot))}})
    return {"type": "FeatureCollection", "features": features}


def container(name: str, x: float, y: float, fill: float = 90.0) -> Site:
    return Site(hash(name) % 1000, name, hash(name) % 1000, fill, NOW, at(x, y))


def garage(name: str, x: float, y: float, vacant: float, capacity: float | None = 400) -> Site:
    return Site(hash(name) % 1000, name, 1, vacant, NOW, at(x, y), capacity)


def plan(streets: dict[str, Any], containers: list[Site], garages: list[Site] | None = None, **ask: Any) -> dict[str, Any]:
    return plan_route(streets_from_geojson(streets), Readings(containers, garages or []), RouteRequest(time_limit_s=FAST, **ask))


def brute_force(matrix: np.ndarray) -> float:
    """The shortest closed tour from node 0 through all others, by trying every order."""
    n = len(matrix)
    return min(sum(matrix[a, b] for a, b in zip((0, *order), (*order, 0), strict=True)) for order in itertools.permutations(range(1, n)))


def test_the_best_tour_of_the_grid() -> None:
    # Corners A (2,0), B (2,2), C (0,2) and the middle M (1,1); the depot O at (0,0). Every two of the
    # five are at least 200 m apart, so five legs are at least 1 000 m, and O-A-B-M-C-O is 1 000 m:
    # the best tours are those without a leg across the grid (O-B or A-C, 400 m).
    stops = [container("A", 2, 0), container("B", 2, 2), container("C", 0, 2), container("M", 1, 1)]
    answer = plan(grid_geojson(), stops)
    assert answer["totalLengthM"] == pytest.approx(1000, abs=0.5)
    order = [s["name"] for s in answer["stops"]]
    assert sorted(order) == ["A", "B", "C", "M"]
    legs = {frozenset(pair) for pair in itertools.pairwise(["O", *order, "O"])}
    assert not legs & {frozenset("OB"), frozenset("AC")}  # never across the grid (400 m)
    assert [s["legM"] for s in answer["stops"]] == pytest.approx([200] * 4, abs=0.5)
    line = answer["route"]["geometry"]["coordinates"]
    assert line[0] == line[-1] == pytest.approx(list(at(0, 0)))  # from the depot and back
    assert answer["blockedStreets"] == [] and answer["unreachable"] == [] and answer["notes"] == [GARAGES_NOT_READ]
    graph = streets_from_geojson(grid_geojson())
    attached, spots = graph.attach([at(0, 0), *(s.lonlat for s in stops)])
    matrix = StreetPaths(attached).between([s.node for s in spots])
    assert brute_force(matrix) == pytest.approx(1000, abs=0.5)


def test_the_route_runs_along_the_streets() -> None:
    answer = plan(grid_geojson(), [container("B", 2, 2)])
    line = np.array(answer["route"]["geometry"]["coordinates"])
    assert answer["totalLengthM"] == pytest.approx(800, abs=0.5)
    steps = np.abs(np.diff(line, axis=0))
    assert np.all((steps[:, 0] < 1e-9) | (steps[:, 1] < 1e-9))  # each step east-west or north-south: along a street
    legs = np.hypot(steps[:, 0] / DLON * 100, steps[:, 1] / DLAT * 100).sum()
    assert legs == pytest.approx(800, abs=0.5)


def test_a_full_garage_forces_a_detour_of_known_length() -> None:
    # A at (2,0): 200 m out and back along Rij 0. The garage by Rij 0 between (1,0) and (2,0) is full:
    # the truck goes round by Rij 1: 400 m each way.
    streets, stops = grid_geojson(), [container("A", 2, 0)]
    full = garage("Garage Oost", 1.5, -0.2, vacant=10, capacity=400)  # 97.5 % occupied
    answer = plan(streets, stops, [full])
    assert answer["totalLengthM"] == pytest.approx(800, abs=0.5)
    assert [b["street"] for b in answer["blockedStreets"]] == ["Rij 0"]
    blocked = answer["blockedStreets"][0]
    assert blocked["lengthM"] == pytest.approx(100, abs=0.5)  # from crossing (1,0) to crossing (2,0)
    assert blocked["garage"]["occupancyPercent"] == 97.5 and blocked["garage"]["full"] is True
    assert answer["notes"] == []
    # the same garage with room to spare closes nothing: the short way
    assert plan(streets, stops, [garage("Garage Oost", 1.5, -0.2, vacant=100)])["totalLengthM"] == pytest.approx(400, abs=0.5)
    # full by the vacant-places rule (occupancy 90 % is below 95 %), with capacity unknown too
    assert plan(streets, stops, [garage("G", 1.5, -0.2, vacant=40)], garage_min_vacant=50)["totalLengthM"] == pytest.approx(800, abs=0.5)
    assert plan(streets, stops, [garage("G", 1.5, -0.2, vacant=40, capacity=None)], garage_min_vacant=50)["blockedStreets"]


def test_unreachable_containers_are_named_with_the_reason() -> None:
    island = {"type": "Feature", "properties": {"name": "Eiland"}, "geometry": {"type": "LineString", "coordinates": [list(at(8, 0)), list(at(8, 1))]}}
    dead_end = {"type": "Feature", "properties": {"name": "Doodlopend"}, "geometry": {"type": "LineString", "coordinates": [list(at(2, 0)), list(at(3, 0))]}}
    streets = grid_geojson([island, dead_end])
    stops = [container("A", 2, 0), container("Eiland", 8, 1), container("Einde", 3, 0), container("Ver", 9, 9), container("Leeg", 1, 1, fill=50)]
    answer = plan(streets, stops, [garage("Garage Einde", 2.5, 0.1, vacant=0)])
    assert [(u["name"], u["reason"]) for u in answer["unreachable"]] == [("Ver", "far-from-street"), ("Eiland", "not-connected"), ("Einde", "blocked")]
    assert [s["name"] for s in answer["stops"]] == ["A"] and answer["totalLengthM"] == pytest.approx(400, abs=0.5)
    assert [b["street"] for b in answer["blockedStreets"]] == ["Doodlopend"]
    # a stray bit of street nearer than the network the depot is on does not cut a container off
    near_island = grid_geojson([{**island, "geometry": {"type": "LineString", "coordinates": [list(at(1.5, 2.2)), list(at(1.5, 3))]}}])
    answer = plan(near_island, [container("B", 1.5, 2.15)])
    assert answer["unreachable"] == [] and answer["stops"][0]["streetDistanceM"] == pytest.approx(15, abs=0.01)
    with pytest.raises(Conflict) as refused:
        plan(streets, stops, [garage("Garage Einde", 2.5, 0.1, vacant=0)], allow_unreachable=False)
    assert refused.value.field == "allowUnreachable" and len(refused.value.extra["unreachable"]) == 3


def test_trips_within_the_truck_capacity() -> None:
    # A (2,0), B (2,2), C (0,2): with 2 a trip the best is {A, B} (800 m) and {C} (400 m), or {A} and {B, C}.
    stops = [container("A", 2, 0), container("B", 2, 2), container("C", 0, 2)]
    two = plan(grid_geojson(), stops, capacity=2)
    assert two["totalLengthM"] == pytest.approx(1200, abs=0.5)
    assert sorted(t["stops"] for t in two["trips"]) == [1, 2] and sum(t["lengthM"] for t in two["trips"]) == pytest.approx(1200, abs=0.5)
    one = plan(grid_geojson(), stops, capacity=1)
    assert one["totalLengthM"] == pytest.approx(1600, abs=0.5) and len(one["trips"]) == 3
    assert plan(grid_geojson(), stops)["totalLengthM"] == pytest.approx(800, abs=0.5)  # one trip round the grid


def test_no_container_full_is_an_empty_route() -> None:
    answer = plan(grid_geojson(), [container("A", 2, 0, fill=10)])
    assert (answer["stops"], answer["route"], answer["totalLengthM"]) == ([], None, 0)


def test_the_solver_matches_brute_force_on_random_matrices() -> None:
    rng = np.random.default_rng(17)
    for _ in range(5):
        points = rng.uniform(0, 1000, size=(7, 2))
        matrix = np.abs(points[:, None, :] - points[None, :, :]).sum(axis=2)  # city-block distances
        order = visiting_order(matrix, None, FAST)[0]
        tour = (0, *order, 0)
        assert sum(matrix[a, b] for a, b in itertools.pairwise(tour)) == pytest.approx(brute_force(matrix), abs=0.2)


@pytest.mark.parametrize(("ask", "field"), [
    ({"fill_threshold": 120}, "fillThreshold"), ({"fill_threshold": math.nan}, "fillThreshold"),
    ({"garage_occupancy": -1}, "garageOccupancy"), ({"capacity": 0}, "capacity"), ({"garage_min_vacant": -3}, "garageMinVacant"),
    ({"max_street_distance_m": 0}, "maxStreetDistance"), ({"depot": (200.0, 10.0)}, "depot"), ({"depot": (9.0, 9.0)}, "depot"),
])  # fmt: skip
def test_bad_input_names_the_field(ask: dict[str, Any], field: str) -> None:
    with pytest.raises(BadRequest) as refused:
        plan(grid_geojson(), [container("A", 2, 0)], **ask)
    assert refused.value.field == field


def test_without_a_depot() -> None:
    with pytest.raises(BadRequest) as refused:
        plan(grid_geojson(depot=None), [container("A", 2, 0)])
    assert refused.value.field == "depot"
    assert plan(grid_geojson(depot=None), [container("A", 2, 0)], depot=at(0, 0))["totalLengthM"] == pytest.approx(400, abs=0.5)


def test_a_depot_on_a_closed_street() -> None:
    with pytest.raises(Conflict) as refused:
        plan(grid_geojson(depot=(0.5, 0)), [container("A", 2, 0)], [garage("G", 0.5, -0.1, vacant=0)])
    assert refused.value.field == "depot"


@pytest.mark.parametrize("streets", [
    [], {"type": "Feature"}, {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}}]},
    {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[1, 2], ["a", 3]]}}]},
    {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[1, 2], [400, 3]]}}]},
])  # fmt: skip
def test_bad_streets_are_refused_with_the_reason(streets: Any) -> None:
    with pytest.raises(StreetsError):
        streets_from_geojson(streets)


def test_drawn_streets_are_joined_where_they_cross() -> None:
    cross = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Lang"}, "geometry": {"type": "LineString", "coordinates": [list(at(0, 1)), list(at(2, 1))]}},
        {"type": "Feature", "properties": {"name": "Dwars"}, "geometry": {"type": "LineString", "coordinates": [list(at(1, 0)), list(at(1, 2))]}},
    ]}  # fmt: skip
    apart = streets_from_geojson(cross)
    joined = streets_from_geojson(cross, split_at_crossings=True)
    assert (apart.node_count(), joined.node_count()) == (4, 5)
    assert sorted(joined.names) == ["Dwars", "Dwars", "Lang", "Lang"]
    assert joined.lengths() == pytest.approx([100] * 4, abs=0.01)


def test_a_point_is_attached_to_the_nearest_street_piece() -> None:
    graph = streets_from_geojson(grid_geojson())
    attached, (spot,) = graph.attach([at(1.3, 2.2)])
    assert spot.distance_m == pytest.approx(20, abs=0.01)
    assert attached.lonlat[spot.node] == pytest.approx(at(1.3, 2))
    assert attached.node_count() == graph.node_count() + 1 and attached.lengths().sum() == pytest.approx(graph.lengths().sum())


def test_too_many_containers_for_one_proposal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plan_module, "MAX_STOPS", 2)
    with pytest.raises(BadRequest) as refused:
        plan(grid_geojson(), [container("A", 2, 0), container("B", 2, 2), container("C", 0, 2)])
    assert refused.value.field == "fillThreshold"


def test_paths_in_chunks_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = streets_from_geojson(grid_geojson())
    whole = StreetPaths(graph).between(list(range(graph.node_count())))
    monkeypatch.setattr("stadsdata.analytics.waste.paths.CHUNK", 2)
    assert StreetPaths(graph).between(list(range(graph.node_count()))) == pytest.approx(whole)
    assert whole.max() == pytest.approx(400, abs=0.01)  # corner to corner
