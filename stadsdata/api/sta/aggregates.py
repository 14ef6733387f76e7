"""The aggregates as a SensorThings extension (not part of the OGC standard): `GET
/v1.1/Datastreams(<id>)/Aggregates?interval=day&functions=mean,max&from=…&to=…&timezone=…&source=…`
answers the statistics of one Datastream per calendar interval, as `/api/v1/aggregates` does for a
selection (`analytics/aggregates/`): the same parameters (without the selection ones), the same
access scope (a Datastream the caller may not read is a 404, like any hidden entity), the same audit
and limits. Documented in `docs/sensorthings.md`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from stadsdata.access.policy import AccessPolicy
from stadsdata.analytics.aggregates.compute import Ask, aggregate
from stadsdata.analytics.aggregates.functions import parse_functions
from stadsdata.analytics.aggregates.intervals import parse_interval
from stadsdata.analytics.aggregates.selection import Selection
from stadsdata.api.sta.requests import StaRequest, StaResponse
from stadsdata.errors import BadRequest, MethodNotAllowed
from stadsdata.service.series import parse_time
from stadsdata.store.base import Store

PATH = re.compile(r"^Datastreams\((\d+)\)/Aggregates$")
PARAMETERS = {"interval", "functions", "timezone", "from", "to", "source"}
SOURCES = ("auto", "rollups", "observations")


def is_aggregates(path: str) -> bool:
    """Whether the request's path (below the version) asks for this extension."""
    return PATH.match(path.strip("/")) is not None


def answer_aggregates(store: Store, access: AccessPolicy, req: StaRequest, max_buckets: int) -> StaResponse:
    """The aggregates of the one Datastream of the path, for the caller of the request."""
    match = PATH.match(req.path.strip("/"))
    assert match is not None  # is_aggregates was asked first
    if req.method.upper() != "GET":
        raise MethodNotAllowed("Aggregates are read with GET")
    caller = req.authenticated()
    params = req.params
    unknown = sorted(set(params) - PARAMETERS)
    if unknown:
        raise BadRequest(f"unknown parameter {unknown[0]}; Aggregates take {', '.join(sorted(PARAMETERS))}", field=unknown[0])
    source = params.get("source", "auto")
    if source not in SOURCES:
        raise BadRequest("source must be auto, rollups or observations", field="source")
    end = parse_time(params.get("to"), "to", datetime.now(UTC))
    start = parse_time(params.get("from"), "from", end - timedelta(days=7))
    ask = Ask(
        Selection((int(match.group(1)),), None, None, None), start, end,
        parse_interval(params.get("interval", "day")), parse_functions(params.get("functions", "mean")),
        params.get("timezone", "Europe/Amsterdam"), False, source,
    )  # fmt: skip
    request = f"GET /v{req.version}/{req.path}" + (f"?{req.query_string}" if req.query_string else "")
    answer = aggregate(store, access, caller, ask, request, max_buckets)
    streams = answer.pop("datastreams")
    stream = streams[0] if streams else {"buckets": []}
    answer["Datastream@iot.navigationLink"] = f"{req.service_root}/Datastreams({match.group(1)})"
    answer["buckets"] = stream["buckets"]
    return StaResponse(200, answer)
