"""Endpoints of the data the web UI draws, open to every client: a Datastream's series for charts
(`service/series.py`) and the latest value of every stream on a map (`service/latest_values.py`)."""

# No `from __future__ import annotations`: FastAPI reads the annotations.
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query, Request, Response

from stadsdata.access.policy import AccessPolicy
from stadsdata.api.management import models
from stadsdata.api.management.endpoints import Endpoints
from stadsdata.api.management.params import WeekFrom, WeekTo
from stadsdata.service.latest_values import latest_values
from stadsdata.service.series import RESOLUTIONS, Series, parse_time, read_series


def add_data_routes(router: APIRouter, tools: Endpoints, Who: Any, access: AccessPolicy) -> None:  # noqa: N803 - a type
    add_series_routes(router, tools, Who, access)
    add_latest_values_routes(router, tools, Who, access)


def add_series_routes(router: APIRouter, tools: Endpoints, Who: Any, access: AccessPolicy) -> None:  # noqa: N803
    @router.get(
        "/datastreams/{datastream_id}/series", tags=["data"],
        summary="A Datastream's numeric results for a chart: raw, or hourly/daily count, mean, min and max",
    )  # fmt: skip
    def get_series(
        request: Request,
        datastream_id: models.Id,
        who: Who,
        from_: WeekFrom = None,
        to: WeekTo = None,
        resolution: Annotated[str, Query(description=f"one of {', '.join(RESOLUTIONS)}")] = "auto",
        maxPoints: Annotated[
            int | None, Query(ge=10, le=100_000, description="'auto': at most about this many points (e.g. twice the chart's width in pixels)")
        ] = None,
        format: Annotated[
            Literal["json", "columns", "csv", "geojson"],
            Query(description="json (points), columns (arrays, times in epoch seconds), csv or geojson"),
        ] = "json",
    ) -> Response:
        end = parse_time(to, "to", datetime.now(UTC))
        start = parse_time(from_, "from", end - timedelta(days=7))
        series = read_series(tools.store, access, who, datastream_id, start, end, resolution, f"GET {_path_and_query(request)}", maxPoints)
        return _series_response(series, datastream_id, format)


def _series_response(series: Series, datastream_id: int, format: str) -> Response:
    """A series in the format asked for: a CSV download, GeoJSON, columns or points."""
    if format == "csv":
        name = f"datastream-{datastream_id}-{series.resolution}.csv"
        return Response(series.as_csv(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip
    if format == "geojson":
        return Response(orjson.dumps(series.as_geojson()), media_type="application/geo+json")
    body = series.as_columns() if format == "columns" else series.as_json()
    return Response(orjson.dumps(body), media_type="application/json")


def add_latest_values_routes(router: APIRouter, tools: Endpoints, Who: Any, access: AccessPolicy) -> None:  # noqa: N803
    @router.get(
        "/latest-values", tags=["data"],
        summary="GeoJSON: every Thing at its Location with the latest value of each Datastream the caller may read",
    )  # fmt: skip
    def get_latest_values(
        request: Request, who: Who,
        observedProperty: Annotated[str | None, Query(description="only Datastreams of this ObservedProperty (its name)")] = None,
    ) -> Response:  # fmt: skip
        body = latest_values(tools.store, access, who, f"GET {_path_and_query(request)}", observedProperty)
        return Response(orjson.dumps(body), media_type="application/geo+json")


def _path_and_query(request: Request) -> str:
    """The path and query of the request, as the audit log records a read."""
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")
