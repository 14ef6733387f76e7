"""The demo city's street graph (`stadsdata/demo/street_graph.py`): built from the town plan's streets,
joined where they cross, one network with the depot on it, the garages and (but two) the containers
of `city.sites()` beside it; a route over every container runs along the streets from the depot and
back, and its length is the sum of its legs."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from stadsdata.analytics.waste.plan import RouteRequest, plan_route
from stadsdata.analytics.waste.readings import Readings, Site
from stadsdata.demo.city import sites
from stadsdata.demo.street_graph import street_graph, streets_geojson

MOMENT = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)


def test_the_streets_are_one_network_beside_the_sites() -> None:
    graph = street_graph()
    labels = graph.components()
    assert np.bincount(labels).max() / graph.node_count() > 0.95  # nearly every crossing on one network
    named = {f["properties"]["name"] for f in streets_geojson()["features"] if f["properties"].get("name")}
    assert {"Ringweg", "Kerkstraat", "Oosterlaan", "Havenkade"} <= named  # the town plan's ring, main and side streets
    depot_edge, _, depot_distance = graph.nearest_edge(graph.depot)
    assert depot_distance < 150
    garages = [s for s in sites() if s.kind == "garage"]
    containers = [s for s in sites() if s.kind == "waste"]
    assert all(graph.nearest_edge((g.lon, g.lat))[2] < 100 for g in garages)
    near = [c for c in containers if graph.nearest_edge((c.lon, c.lat))[2] <= 250]
    assert len(containers) == 25 and len(near) == 24  # one stands 395 m from the nearest street


def test_a_route_over_every_container_of_the_demo_city() -> None:
    containers = [Site(i, s.name, i, 100.0, MOMENT, (s.lon, s.lat)) for i, s in enumerate(sites()) if s.kind == "waste"]
    garages = [Site(i, s.name, i, float(s.streams[0].value(s.seed, MOMENT)), MOMENT, (s.lon, s.lat), s.properties["capacity"])
               for i, s in enumerate(sites()) if s.kind == "garage"]  # fmt: skip
    answer = plan_route(street_graph(), Readings(containers, garages), RouteRequest(fill_threshold=0, garage_occupancy=0, time_limit_s=0.5))
    assert len(answer["stops"]) + len(answer["unreachable"]) == 25 and len(answer["stops"]) >= 20
    assert len(answer["blockedStreets"]) == 6  # every garage full at 0 %: each closes the street at its entrance
    graph = street_graph()
    line = np.array(answer["route"]["geometry"]["coordinates"])
    assert line[0] == pytest.approx(line[-1])  # from the depot's place on its street, and back there
    depot_to_street = np.hypot(*(graph.to_metres(line[0]) - graph.to_metres(np.array(answer["depot"]["coordinates"]))))
    assert depot_to_street == pytest.approx(graph.nearest_edge(graph.depot)[2], abs=0.05)
    assert np.hypot(*np.diff(graph.to_metres(line), axis=0).T).sum() == pytest.approx(answer["totalLengthM"], rel=1e-3)  # the line is the route
    for stop in answer["stops"]:  # every stop lies on the line, at its distance from the street
        foot = np.hypot(*(graph.to_metres(line) - graph.to_metres(np.array(stop["location"]["coordinates"]))).T).min()
        assert foot == pytest.approx(stop["streetDistanceM"], abs=0.1)

