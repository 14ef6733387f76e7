"""The route proposal: which containers to empty (latest fill level at or above the threshold),
which streets are closed (next to a full garage, `blocking.py`), the shortest street distances
between the depot and the containers without the closed streets (`paths.py`), and the order to
visit them in (`solver.py`, OR-Tools) — as JSON with the route as a GeoJSON line along the streets.

Only what the caller may read is used (`readings.py`): a container the caller cannot read is not
on the route; garages the caller cannot read close no street, and the answer says so in `notes`."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from stadsdata.analytics.waste.blocking import GarageState, blocked_street, garage_state, street_json
from stadsdata.analytics.waste.graph import Attachment, LonLat, StreetGraph
from stadsdata.analytics.waste.paths import StreetPaths
from stadsdata.analytics.waste.readings import Readings, Site
from stadsdata.analytics.waste.solver import NoRoute, visiting_order
from stadsdata.errors import BadRequest, Conflict

GARAGES_NOT_READ = "garage occupancy not readable: not taken into account"
MAX_STOPS = 500  # containers in one proposal (the distance matrix and the solver grow with its square)


@dataclass(frozen=True)
class RouteRequest:
    """The parameters of a route proposal (the API's names in `docs/analytics.md`)."""

    fill_threshold: float = 80.0  # %: containers at or above it are emptied
    depot: LonLat | None = None  # None: the street graph's own depot
    capacity: int | None = None  # containers per trip; None: one trip
    garage_occupancy: float = 95.0  # %: a garage at or above it is full
    garage_min_vacant: float | None = None  # a garage with fewer vacant places is full (None: rule off)
    max_street_distance_m: float = 250.0  # farther from any street: a point is not on the street graph
    allow_unreachable: bool = True  # False: a container the truck cannot reach is a 409, not a note
    time_limit_s: float = 1.0  # the routing solver's

    def check(self) -> None:
        """BadRequest naming the field of a value out of range."""
        for value, field in ((self.fill_threshold, "fillThreshold"), (self.garage_occupancy, "garageOccupancy")):
            if not (math.isfinite(value) and 0 <= value <= 100):
                raise BadRequest(f"{field} must be a percentage, 0 to 100", field=field)
        if self.capacity is not None and not 1 <= self.capacity <= 10_000:
            raise BadRequest("capacity must be 1 to 10000 containers a trip", field="capacity")
        if self.garage_min_vacant is not None and not (math.isfinite(self.garage_min_vacant) and self.garage_min_vacant >= 0):
            raise BadRequest("garageMinVacant must be 0 or more places", field="garageMinVacant")
        if not (math.isfinite(self.max_street_distance_m) and 0 < self.max_street_distance_m <= 5000):
            raise BadRequest("maxStreetDistance must be above 0 and at most 5000 (metres)", field="maxStreetDistance")
        if self.depot is not None and not (len(self.depot) == 2 and all(math.isfinite(c) for c in self.depot)
                                           and -180 <= self.depot[0] <= 180 and -90 <= self.depot[1] <= 90):  # fmt: skip
            raise BadRequest("depot must be [longitude, latitude] in WGS84", field="depot")


def plan_route(graph: StreetGraph, readings: Readings, ask: RouteRequest) -> dict[str, Any]:
    ask.check()
    depot = ask.depot or graph.depot
    if depot is None:
        raise BadRequest("no depot: give depot [longitude, latitude] (the street graph names none)", field="depot")
    notes = [GARAGES_NOT_READ] if not readings.garages else []
    wanted = [c for c in readings.containers if c.value >= ask.fill_threshold]
    unreachable = [_unreachable(c, "no-location", "its Thing has no point Location") for c in wanted if c.lonlat is None]
    placed = [c for c in wanted if c.lonlat is not None]
    states = [garage_state(g, ask.garage_occupancy, ask.garage_min_vacant) for g in readings.garages]
    full = [s for s in states if s.full and s.garage.lonlat is not None]
    notes += [f"{s.garage.name} has no point Location: not taken into account" for s in states if s.garage.lonlat is None]

    points = [depot, *(c.lonlat for c in placed), *(s.garage.lonlat for s in full)]
    attached, at = graph.attach(points, within=ask.max_street_distance_m)
    if at[0].distance_m > ask.max_street_distance_m:
        raise BadRequest(f"the depot is {at[0].distance_m:.0f} m from the nearest street (at most {ask.max_street_distance_m:g})", field="depot")
    stops_at = at[1 : 1 + len(placed)]
    closed, blocked = _closed_streets(attached, full, at[1 + len(placed) :], ask, notes)
    depot_edges = set(attached.edges_at(at[0].node).tolist())
    if depot_edges and depot_edges <= closed:
        raise Conflict("the depot lies on a street closed for a full garage", field="depot", extra={"blockedStreets": blocked})

    candidates = [i for i, c in enumerate(placed) if stops_at[i].distance_m <= ask.max_street_distance_m]
    unreachable += [_unreachable(c, "far-from-street", f"{stops_at[i].distance_m:.0f} m from the nearest street")
                    for i, c in enumerate(placed) if stops_at[i].distance_m > ask.max_street_distance_m]  # fmt: skip
    streets = StreetPaths(attached, closed)
    reach = streets.reach(at[0].node)
    open_reach = StreetPaths(attached).reach(at[0].node) if closed else reach
    keep: list[int] = []  # of `candidates`, the containers reachable from the depot
    for i in candidates:
        node = stops_at[i].node
        if np.isfinite(reach[node]):
            keep.append(i)
        elif np.isfinite(open_reach[node]):
            unreachable.append(_unreachable(placed[i], "blocked", "only by a street closed for a full garage"))
        else:
            unreachable.append(_unreachable(placed[i], "not-connected", "no street connects it with the depot"))
    if unreachable and not ask.allow_unreachable:
        names = "; ".join(f"{u['name']} ({u['reason']})" for u in unreachable)
        raise Conflict(f"the truck cannot reach every container: {names}", field="allowUnreachable", extra={"unreachable": unreachable})
    if len(keep) > MAX_STOPS:
        raise BadRequest(f"{len(keep)} containers to empty, at most {MAX_STOPS} in one proposal: raise fillThreshold", field="fillThreshold")

    nodes = [at[0].node, *(stops_at[i].node for i in keep)]  # the solver's 0 … n
    matrix = streets.between(nodes)
    try:
        trips = visiting_order(matrix, ask.capacity, ask.time_limit_s)
    except NoRoute as exc:
        raise Conflict(str(exc), field="capacity") from None
    stops = [(placed[i], stops_at[i]) for i in keep]
    return _answer(attached, streets, nodes, matrix, depot, stops, trips, blocked, unreachable, notes, readings, ask)


def _closed_streets(
    graph: StreetGraph, full: list[GarageState], spots: list[Attachment], ask: RouteRequest, notes: list[str]
) -> tuple[set[int], list[dict[str, Any]]]:
    """The edges closed for the full garages, and the blocked streets as the answer lists them."""
    closed: set[int] = set()
    blocked: list[dict[str, Any]] = []
    for state, spot in zip(full, spots, strict=True):
        if spot.distance_m > ask.max_street_distance_m:
            notes.append(f"{state.garage.name} is {spot.distance_m:.0f} m from the nearest street: it closes none")
            continue
        edges = blocked_street(graph, spot.node)
        closed.update(edges)
        blocked.append(street_json(graph, edges, state))
    return closed, blocked


def _answer(
    graph: StreetGraph, streets: StreetPaths, nodes: list[int], matrix: np.ndarray, depot: LonLat,
    sites: list[tuple[Site, Attachment]], trips: list[list[int]], blocked: list[dict[str, Any]],
    unreachable: list[dict[str, Any]], notes: list[str], readings: Readings, ask: RouteRequest,
) -> dict[str, Any]:  # fmt: skip
    legs = [(a, b) for trip in trips for a, b in itertools.pairwise([0, *trip, 0])]  # the solver's indices; 0: the depot
    paths = iter(streets.paths([(nodes[a], nodes[b]) for a, b in legs]))
    stops: list[dict[str, Any]] = []
    line: list[int] = []
    trip_json = []
    total = 0.0
    for number, trip in enumerate(trips, start=1):
        length = 0.0
        for a, b in itertools.pairwise([0, *trip, 0]):
            leg = next(paths)
            line += leg if not line else leg[1:]
            length += float(matrix[a, b])
            if b != 0:
                site, spot = sites[b - 1]
                stops.append({"order": len(stops) + 1, "trip": number, **site.as_json(), "fillLevel": site.value,
                              "streetDistanceM": round(spot.distance_m, 1), "legM": round(float(matrix[a, b]), 1)})  # fmt: skip
        trip_json.append({"trip": number, "stops": len(trip), "lengthM": round(length, 1)})
        total += length
    coordinates = [[round(float(c), 7) for c in graph.lonlat[node]] for node in line]
    route = None
    if len(coordinates) >= 2:
        route = {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coordinates},
                 "properties": {"lengthM": round(total, 1), "trips": len(trips)}}  # fmt: skip
    return {
        "depot": {"type": "Point", "coordinates": [round(c, 7) for c in depot]},
        "fillThreshold": ask.fill_threshold, "capacity": ask.capacity,
        "garageRule": {"occupancyPercent": ask.garage_occupancy, "minVacant": ask.garage_min_vacant},
        "containersRead": len(readings.containers), "garagesRead": len(readings.garages),
        "totalLengthM": round(total, 1), "stops": stops, "trips": trip_json, "route": route,
        "blockedStreets": blocked, "unreachable": unreachable, "notes": notes,
    }  # fmt: skip


def _unreachable(container: Site, reason: str, detail: str) -> dict[str, Any]:
    return {**container.as_json(), "fillLevel": container.value, "reason": reason, "detail": detail}
