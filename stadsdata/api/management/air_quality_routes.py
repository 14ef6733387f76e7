"""Endpoints of the air-quality exceedance report (`analytics/air_quality/`, `docs/analytics.md`,
"Air quality"): `GET /air-quality/exceedances`, per sensor (Datastream) and per area, the NO2, PM10 and
PM2.5 streams the caller may read against one standard's limit values; `GET /air-quality/standards`,
the limit values themselves. The areas: the server's (setting `catalog_areas`, or the demo city's
districts where it runs)."""

# No `from __future__ import annotations`: FastAPI reads the annotations.
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from stadsdata.access.policy import AccessPolicy
from stadsdata.analytics.air_quality import report
from stadsdata.analytics.air_quality.standards import POLLUTANTS, STANDARDS
from stadsdata.api.management.endpoints import Endpoints
from stadsdata.catalog.downloads.selection import parse_box

Standard = Annotated[str, Query(max_length=50, description=f"the limit values: {', '.join(STANDARDS)}")]
Pollutant = Annotated[
    list[str] | None, Query(description=f"{', '.join(POLLUTANTS)} (repeat the parameter or separate by commas); default: all")
]
Year = Annotated[int | None, Query(description="a calendar year (in `timeZone`); default: this year")]
Day = Annotated[date | None, Query(description="a period of whole days instead of a year: its first day (from) and last day (to)")]


def add_air_quality_routes(
    router: APIRouter, tools: Endpoints, Who: Any, access: AccessPolicy, areas: Callable[[], list[Any]]  # noqa: N803 - a type
) -> None:
    server_areas = areas  # the setting's areas, or the demo city's districts (`app.named_areas`)

    @router.get("/air-quality/exceedances", tags=["analytics"],
                summary="Exceedances of the air-quality limit values per sensor and area, with data coverage")  # fmt: skip
    def get_exceedances(
        request: Request, who: Who, standard: Standard = "eu-2008", pollutant: Pollutant = None, year: Year = None,
        from_: Annotated[date | None, Query(alias="from", description="the period's first day (with `to`, instead of `year`)")] = None,
        to: Annotated[date | None, Query(description="the period's last day (inclusive)")] = None,
        timeZone: Annotated[str, Query(max_length=64, description="the days' and year's time zone (IANA)")] = report.DEFAULT_ZONE,  # noqa: N803
        bbox: Annotated[str | None, Query(description="only sensors whose Thing lies in minLon,minLat,maxLon,maxLat (WGS84)")] = None,
        area: Annotated[str | None, Query(min_length=1, max_length=200, description="only the sensors in this area")] = None,
    ) -> dict[str, Any]:  # fmt: skip
        pollutants = [p.strip() for value in pollutant or [] for p in value.split(",") if p.strip()]
        return report.exceedance_report(
            tools.store, access, who, _request(request), standard=standard, pollutants=pollutants, year=year, start_date=from_,
            end_date=to, time_zone=timeZone, bbox=parse_box(bbox), areas=server_areas(), area=area,
        )  # fmt: skip

    @router.get("/air-quality/standards", tags=["analytics"], summary="The limit values the exceedance report knows")
    def get_standards() -> dict[str, Any]:
        return {"standards": [s.as_json() | {"limits": [limit.as_json() for limit in s.limits]} for s in STANDARDS.values()]}


def _request(request: Request) -> str:
    return "GET " + request.url.path + (f"?{request.url.query}" if request.url.query else "")
