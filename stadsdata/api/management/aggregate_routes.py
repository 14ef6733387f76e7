"""Endpoint of the aggregates (`analytics/aggregates/`): statistics of Datastreams' numeric results
per calendar interval in a time zone, over a selection of streams the caller may read."""

# No `from __future__ import annotations`: FastAPI reads the annotations.
import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query, Request, Response

from stadsdata.access.policy import AccessPolicy
from stadsdata.analytics.aggregates.compute import Ask, aggregate
from stadsdata.analytics.aggregates.functions import parse_functions
from stadsdata.analytics.aggregates.intervals import parse_interval
from stadsdata.analytics.aggregates.selection import Selection, parse_bbox
from stadsdata.api.management.endpoints import Endpoints
from stadsdata.api.management.params import WeekFrom, WeekTo
from stadsdata.errors import BadRequest
from stadsdata.service.series import parse_time


def add_aggregate_routes(
    router: APIRouter, tools: Endpoints, Who: Any, access: AccessPolicy, areas: Callable[[], list[Any]]  # noqa: N803 - a type
) -> None:
    server_areas = areas  # the setting's areas, or the demo city's districts (`app.named_areas`)

    @router.get(
        "/aggregates", tags=["analytics"],
        summary="Statistics (count, sum, min, max, mean, stddev, first, last, percentiles) of Datastreams per calendar interval",
    )  # fmt: skip
    def get_aggregates(
        request: Request, who: Who,
        datastreams: Annotated[str | None, Query(description="Datastream ids, comma-separated")] = None,
        observedProperty: Annotated[str | None, Query(min_length=1, max_length=200, description="the ObservedProperty's name")] = None,
        dataset: Annotated[str | None, Query(min_length=1, max_length=200, description="the dataset's name")] = None,
        bbox: Annotated[str | None, Query(description="west,south,east,north (CRS84): streams whose observed area intersects it")] = None,
        area: Annotated[str | None, Query(min_length=1, max_length=200, description="a named area of the server: streams whose Thing lies in it")] = None,
        from_: WeekFrom = None,
        to: WeekTo = None,
        interval: Annotated[str, Query(description="minute, hour, day, week, month or year, optionally with a multiple: 15minute")] = "day",
        functions: Annotated[str, Query(description="comma-separated: count, sum, min, max, mean, stddev, first, last, p0 … p100")] = "mean",
        timezone: Annotated[str, Query(description="IANA time zone of the calendar")] = "Europe/Amsterdam",
        combine: Annotated[bool, Query(description="one series over all the streams together, not one per stream")] = False,
        source: Annotated[
            Literal["auto", "rollups", "observations"],
            Query(description="auto: the hourly rollups where they answer exactly, else the raw observations; or either of them"),
        ] = "auto",
        format: Annotated[Literal["json", "csv"], Query(description="json or csv")] = "json",
    ) -> Response:
        end = parse_time(to, "to", datetime.now(UTC))
        start = parse_time(from_, "from", end - timedelta(days=7))
        selection = Selection(_ids(datastreams), observedProperty, dataset, parse_bbox(bbox) if bbox else None, _area(server_areas(), area))
        ask = Ask(selection, start, end, parse_interval(interval), parse_functions(functions), timezone, combine, source)
        where = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        answer = aggregate(tools.store, access, who, ask, f"GET {where}", tools.settings.aggregate_max_buckets)
        if format == "csv":
            return Response(_csv(answer), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": 'attachment; filename="aggregates.csv"'})  # fmt: skip
        return Response(orjson.dumps(answer), media_type="application/json")


def _area(areas: list[Any], name: str | None) -> str | None:
    """The named area's geometry as WKT; 400 naming `area` when the server has no such area."""
    if name is None:
        return None
    found = next((a for a in areas if a.name == name), None)
    if found is None:
        known = ", ".join(sorted(a.name for a in areas)[:20]) or "none"
        raise BadRequest(f"there is no area {name!r} (the server's areas: {known})", field="area")
    return str(found.geometry.wkt)


def _ids(text: str | None) -> tuple[int, ...]:
    if not text:
        return ()
    try:
        ids = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise BadRequest("datastreams must be ids separated by commas, like 1,2,3", field="datastreams") from None
    if any(i < 1 for i in ids):
        raise BadRequest("datastreams: ids are 1 or more", field="datastreams")
    return ids


def _csv(answer: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    functions = answer["functions"]
    writer.writerow(["datastream", "start", "end", *functions])
    series = [("all", answer["buckets"])] if answer["combined"] else [(d["id"], d["buckets"]) for d in answer["datastreams"]]
    for key, rows in series:
        writer.writerows([key, row["start"], row["end"], *(row[f] for f in functions)] for row in rows)
    return out.getvalue()
