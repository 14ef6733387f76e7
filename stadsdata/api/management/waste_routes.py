"""Endpoint of the waste route (`analytics/waste/`): `POST /api/v1/waste/routes` proposes a route
for the waste truck over the containers at or above a fill level, around the streets that full
garages block — from what the caller may read (a garage operator's data shared under an agreement
counts only for a caller under that agreement). Nothing is stored: the answer is the proposal.

The street graph: the request's own `streets` (GeoJSON), else the file of setting `waste_streets`
(read at start: a bad file stops the start with its reason), else the demo city's streets where the
demo city runs; with none of these the request must bring its streets (400 naming `streets`)."""

# No `from __future__ import annotations`: FastAPI reads the annotations.
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from stadsdata.access.policy import AccessPolicy
from stadsdata.analytics.waste.graph import StreetGraph
from stadsdata.analytics.waste.plan import RouteRequest
from stadsdata.analytics.waste.readings import CAPACITY, FILL_LEVEL, VACANT
from stadsdata.analytics.waste.report import propose_route
from stadsdata.analytics.waste.streets_geojson import load_streets, streets_from_geojson
from stadsdata.api.management.endpoints import Endpoints
from stadsdata.errors import BadRequest
from stadsdata.settings import Settings
from stadsdata.store.base import Store

Property = Annotated[str, Field(min_length=1, max_length=200)]


class WasteRouteAsk(BaseModel):
    """What a route proposal is asked for with (all optional; `docs/analytics.md`)."""

    model_config = ConfigDict(extra="forbid")
    fillThreshold: float = Field(80.0, ge=0, le=100, description="%: containers whose latest fill level is at or above it are emptied")
    depot: list[float] | None = Field(None, min_length=2, max_length=2, description="[longitude, latitude]; default: the street graph's depot")
    capacity: int | None = Field(None, ge=1, le=10_000, description="containers per trip (back to the depot in between); default: one trip")
    garageOccupancy: float = Field(95.0, ge=0, le=100, description="%: a garage at or above it is full and closes the street at its entrance")
    garageMinVacant: float | None = Field(None, ge=0, description="a garage with fewer vacant places is full too (default: rule off)")
    maxStreetDistance: float = Field(250.0, gt=0, le=5000, description="metres: a container farther from any street is unreachable")
    allowUnreachable: bool = Field(True, description="false: a container the truck cannot reach makes the request fail (409)")
    fillProperty: Property = Field(FILL_LEVEL, description="the containers' ObservedProperty (its name)")
    vacantProperty: Property = Field(VACANT, description="the garages' vacant places ObservedProperty")
    capacityProperty: Property = Field(CAPACITY, description="the garages' capacity ObservedProperty (else the Thing's `capacity` property)")
    streets: dict[str, Any] | None = Field(None, description="a GeoJSON FeatureCollection of the streets (and a depot Point) to use "
                                           "instead of the server's; streets are joined where they share a vertex")  # fmt: skip


def add_waste_routes(router: APIRouter, tools: Endpoints, Who: Any, access: AccessPolicy) -> None:  # noqa: N803 - a type
    server_streets = _server_streets(tools.settings, tools.store)

    @router.post("/waste/routes", tags=["analytics"], summary="A waste collection route around the streets full garages block")
    def post_waste_route(request: Request, who: Who, body: WasteRouteAsk | None = None) -> dict[str, Any]:
        ask = body or WasteRouteAsk()
        graph = _graph(ask.streets) if ask.streets is not None else server_streets()
        plan = RouteRequest(
            fill_threshold=ask.fillThreshold, depot=tuple(ask.depot) if ask.depot else None, capacity=ask.capacity,
            garage_occupancy=ask.garageOccupancy, garage_min_vacant=ask.garageMinVacant, max_street_distance_m=ask.maxStreetDistance,
            allow_unreachable=ask.allowUnreachable, time_limit_s=tools.settings.waste_solver_s,
        )  # fmt: skip
        return propose_route(tools.store, access, who, f"POST {request.url.path}", graph, plan, fill_property=ask.fillProperty,
                             vacant_property=ask.vacantProperty, capacity_property=ask.capacityProperty)  # fmt: skip


def _graph(streets: dict[str, Any]) -> StreetGraph:
    try:
        return streets_from_geojson(streets)
    except ValueError as exc:  # StreetsError, or a graph without a street of two distinct points
        raise BadRequest(f"streets: {exc}", field="streets") from None


def _server_streets(settings: Settings, store: Store) -> Callable[[], StreetGraph]:
    """The server's street graph, when a request brings none."""
    if settings.waste_streets:
        graph = load_streets(settings.waste_streets)  # a bad file stops the start with its reason
        return lambda: graph

    def demo_or_none() -> StreetGraph:
        from stadsdata.demo.seed import holds_demo_city
        from stadsdata.demo.street_graph import street_graph

        if settings.demo or holds_demo_city(store):
            return street_graph()
        raise BadRequest("this server has no street graph (setting waste_streets): send `streets` with the request", field="streets")

    return demo_or_none
