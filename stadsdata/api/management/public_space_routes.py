"""Endpoints of the green and public space reports (`analytics/public_space/`): the mow-when-needed
list, groundwater levels against thresholds with their trend, and street lights that failed or burn
by day — each over the streams the caller may read."""

# No `from __future__ import annotations`: FastAPI reads the annotations.
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from stadsdata.access.policy import AccessPolicy
from stadsdata.analytics.public_space import reports
from stadsdata.api.management.endpoints import Endpoints

Days = Annotated[int, Query(ge=1, le=reports.MAX_DAYS, description="the range: this many days up to now")]
Property = Annotated[str, Query(min_length=1, max_length=200, description="the streams' ObservedProperty (its name)")]


def add_public_space_routes(router: APIRouter, tools: Endpoints, Who: Any, access: AccessPolicy) -> None:  # noqa: N803 - a type
    @router.get("/public-space/mowing", tags=["analytics"], summary="Mow when needed: grass fields at or nearing the mowing height")
    def get_mowing(
        request: Request, who: Who, mowingHeight: Annotated[float, Query(gt=0, lt=1000, description="cm")] = 10.0,
        observedProperty: Property = reports.GRASS, days: Days = 21,
    ) -> dict[str, Any]:  # fmt: skip
        return reports.mowing_report(tools.store, access, who, _request(request), mowing_height=mowingHeight,
                                     observed_property=observedProperty, days=days)  # fmt: skip

    @router.get("/public-space/groundwater", tags=["analytics"], summary="Groundwater levels against thresholds, with their trend")
    def get_groundwater(
        request: Request, who: Who,
        low: Annotated[float | None, Query(description="the low threshold, in the wells' unit (e.g. m NAP)")] = None,
        high: Annotated[float | None, Query(description="the high threshold")] = None,
        observedProperty: Property = reports.GROUNDWATER, days: Days = 30,
    ) -> dict[str, Any]:  # fmt: skip
        return reports.groundwater_report(tools.store, access, who, _request(request), low=low, high=high,
                                          observed_property=observedProperty, days=days)  # fmt: skip

    @router.get("/public-space/street-lights", tags=["analytics"], summary="Street lights that failed or burn by day")
    def get_street_lights(
        request: Request, who: Who, observedProperty: Property = reports.LIGHT,
        days: Annotated[int, Query(ge=1, le=92, description="the range: this many days up to now")] = 7,
    ) -> dict[str, Any]:  # fmt: skip
        return reports.street_light_report(tools.store, access, who, _request(request), observed_property=observedProperty, days=days)


def _request(request: Request) -> str:
    return "GET " + request.url.path + (f"?{request.url.query}" if request.url.query else "")
