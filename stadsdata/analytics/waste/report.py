"""A route proposal as the API asks for it: the sites read through the caller's access scope, then
planned on the street graph (`plan.py`). The graph is the caller's to give (`streets_geojson.py`):
the API passes the configured one, or the demo city's."""

from __future__ import annotations

from typing import Any

from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.analytics.waste.graph import StreetGraph
from stadsdata.analytics.waste.plan import RouteRequest, plan_route
from stadsdata.analytics.waste.readings import CAPACITY, FILL_LEVEL, VACANT, read_sites
from stadsdata.store.base import Store


def propose_route(
    store: Store, access: AccessPolicy, caller: Caller, request: str, graph: StreetGraph, ask: RouteRequest, *,
    fill_property: str = FILL_LEVEL, vacant_property: str = VACANT, capacity_property: str = CAPACITY,
) -> dict[str, Any]:  # fmt: skip
    ask.check()  # before reading: bad input costs no audited read
    readings = read_sites(store, access, caller, request, fill_property=fill_property, vacant_property=vacant_property,
                          capacity_property=capacity_property)  # fmt: skip
    answer = plan_route(graph, readings, ask)
    return {**answer, "observedProperties": {"fillLevel": fill_property, "vacant": vacant_property, "capacity": capacity_property}}
