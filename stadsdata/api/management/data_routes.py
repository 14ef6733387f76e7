"""Endpoints the web UI is built from, open to every client: a Datastream's series for charts
(`service/series.py`) and the dashboards (`management/dashboards.py`)."""

# No `from __future__ import annotations`: FastAPI reads the annotations.
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query, Request, Response
from starlette.responses import JSONResponse

from stadsdata.api.management import models
from stadsdata.api.management.endpoints import Endpoints
from stadsdata.api.sta.service import StaService
from stadsdata.errors import BadRequest
from stadsdata.management import dashboards
from stadsdata.service.latest_values import latest_values
from stadsdata.service.series import RESOLUTIONS, parse_time, read_series

Slug = Annotated[str, "a dashboard's slug"]


def add_data_routes(router: APIRouter, tools: Endpoints, Who: Any, sta: StaService) -> None:  # noqa: N803 - a type
    run, listing = tools.run, tools.listing

    @router.get(
        "/datastreams/{datastream_id}/series", tags=["data"],
        summary="A Datastream's numeric results for a chart: raw, or hourly/daily count, mean, min and max",
    )  # fmt: skip
    def get_series(
        request: Request,
        datastream_id: models.Id,
        who: Who,
        from_: Annotated[str | None, Query(alias="from", description="ISO 8601 with a zone; default: `to` minus 7 days")] = None,
        to: Annotated[str | None, Query(description="ISO 8601 with a zone; default: now")] = None,
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
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        series = read_series(tools.store, sta.access, who, datastream_id, start, end, resolution, f"GET {path}", maxPoints)
        if format == "csv":
            name = f"datastream-{datastream_id}-{series.resolution}.csv"
            return Response(series.as_csv(), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip
        if format == "geojson":
            return Response(orjson.dumps(series.as_geojson()), media_type="application/geo+json")
        body = series.as_columns() if format == "columns" else series.as_json()
        return Response(orjson.dumps(body), media_type="application/json")

    @router.get(
        "/latest-values", tags=["data"],
        summary="GeoJSON: every Thing at its Location with the latest value of each Datastream the caller may read",
    )  # fmt: skip
    def get_latest_values(
        request: Request, who: Who,
        observedProperty: Annotated[str | None, Query(description="only Datastreams of this ObservedProperty (its name)")] = None,
    ) -> Response:  # fmt: skip
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        body = latest_values(tools.store, sta.access, who, f"GET {path}", observedProperty)
        return Response(orjson.dumps(body), media_type="application/geo+json")

    @router.get("/dashboards", tags=["dashboards"], summary="The dashboards of the web UI")
    def list_dashboards(request: Request, who: Who, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                        cursor: Annotated[int | None, Query(ge=0)] = None) -> JSONResponse:  # fmt: skip
        return listing(request, "dashboards", run(who, lambda a: dashboards.list_dashboards(a, limit=limit, cursor=cursor)))

    @router.get("/dashboards/{slug}", tags=["dashboards"])
    def get_dashboard(slug: Slug, who: Who) -> dict[str, Any]:
        return run(who, lambda a: dashboards.get_dashboard(a, slug))

    @router.put("/dashboards/{slug}", tags=["dashboards"], summary="Create or replace a dashboard (admins)")
    def put_dashboard(slug: Annotated[str, "slug"], body: models.Dashboard, who: Who, response: Response) -> dict[str, Any]:
        if not slug or len(slug) > 100 or not all(c.isalnum() or c in "-_" for c in slug):
            raise BadRequest("a slug is 1 to 100 letters, digits, '-' or '_'", field="slug")
        out, new = run(who, lambda a: dashboards.put_dashboard(a, slug, body.model_dump(exclude_none=True)), write=True)
        response.status_code = 201 if new else 200
        return out

    @router.delete("/dashboards/{slug}", tags=["dashboards"], status_code=204)
    def delete_dashboard(slug: Slug, who: Who) -> Response:
        run(who, lambda a: dashboards.delete_dashboard(a, slug), write=True)
        return Response(status_code=204)
