"""The visiting order of the stops: OR-Tools' routing library (a travelling-salesman problem, or with
a truck capacity a capacitated vehicle-routing problem) over the matrix of shortest street distances.

Node 0 is the depot, 1 … n the stops. Without a capacity the truck makes one trip through all stops;
with a capacity of k containers it makes trips of at most k stops each, back to the depot in
between (modelled as ⌈n/k⌉ + 1 vehicles, at most n, one after the other; an unused one costs nothing).
The solver starts from the cheapest-arc tour and improves it by guided local search for at most
`time_limit_s` seconds — on small problems (tens of stops) that finds the optimum well within a
second; on large ones it is a good route, not a proven best one."""

from __future__ import annotations

import math

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

SCALE = 10  # the solver works in whole decimetres


class NoRoute(ValueError):
    """The solver found no route within its time limit."""


def visiting_order(matrix: np.ndarray, capacity: int | None = None, time_limit_s: float = 1.0) -> list[list[int]]:
    """The trips, each the stops (1 … n) in the order visited; trips in the order driven.
    `matrix` (n+1, n+1): metres, all finite."""
    n = len(matrix) - 1
    if n == 0:
        return []
    if n == 1:
        return [[1]]
    trips = 1 if capacity is None or capacity >= n else min(n, math.ceil(n / capacity) + 1)
    manager = pywrapcp.RoutingIndexManager(n + 1, trips, 0)
    routing = pywrapcp.RoutingModel(manager)
    cost = np.rint(np.asarray(matrix, dtype=float) * SCALE).astype(np.int64).tolist()

    def distance(from_index: int, to_index: int) -> int:
        return cost[manager.IndexToNode(from_index)][manager.IndexToNode(to_index)]

    arc = routing.RegisterTransitCallback(distance)
    routing.SetArcCostEvaluatorOfAllVehicles(arc)
    if trips > 1:
        demand = routing.RegisterUnaryTransitCallback(lambda index: 0 if manager.IndexToNode(index) == 0 else 1)
        routing.AddDimensionWithVehicleCapacity(demand, 0, [int(capacity or n)] * trips, True, "load")
    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    parameters.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    parameters.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    solution = routing.SolveWithParameters(parameters)
    if solution is None:
        raise NoRoute("the routing solver found no route within its time limit")
    out = []
    for vehicle in range(trips):
        index, stops = solution.Value(routing.NextVar(routing.Start(vehicle))), []
        while not routing.IsEnd(index):
            stops.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        if stops:
            out.append(stops)
    return out
