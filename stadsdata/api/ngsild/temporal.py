"""Temporal retrieval of one entity (clause 6.19.3.1, `GET /temporal/entities/{id}`): the
numeric history of each of its Datastream attributes over `timerel` (between / before / after,
`timeAt`, `endTimeAt`; without it: everything), `attrs`, `lastN`; as instances (normalized), or
`options=temporalValues` / `format=temporalValues` ([[value, observedAt], …]).

With `aggrMethods` (totalCount, sum, avg, min, max) and `aggrPeriodDuration` (PT<n>H or P<n>D,
default the whole range in days) the points are the store's hourly rollups folded into periods
(`Transaction.series`): a year of minute data is read as 8 760 rows, not 525 600. Each value is
`[value, period start, period end]`. Other methods (stddev, sumsq, distinctCount) and periods
shorter than an hour are OperationNotSupported. The query of several entities,
`GET /temporal/entities`, is `temporal_query.py`.

Access as for every read: the entity must be visible to the caller; a restricted stream's
history is an audited read of the points given."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.datastructures import QueryParams

from stadsdata.access.audit import audited_read
from stadsdata.access.policy import Caller
from stadsdata.api.ngsild.attributes import observed_at
from stadsdata.api.ngsild.entities import Source, time_text
from stadsdata.api.ngsild.errors import BadRequestData, OperationNotSupported
from stadsdata.api.ngsild.vocabulary import unit_code
from stadsdata.platform import Platform
from stadsdata.store.base import SeriesPoint

METHODS = ("totalCount", "sum", "avg", "min", "max")
UNSUPPORTED = ("distinctCount", "stddev", "sumsq")
EARLIEST = datetime(1000, 1, 1, tzinfo=UTC)
MAX_RAW = 10_000  # instances per attribute without aggregation (the latest ones)


def _window(params: QueryParams) -> tuple[datetime, datetime]:
    timerel = params.get("timerel")
    latest = datetime.now(UTC) + timedelta(days=366)
    if timerel is None:
        return EARLIEST, latest
    if "timeAt" not in params:
        raise BadRequestData("timerel needs timeAt", field="timeAt")
    at = observed_at(params["timeAt"], "timeAt")
    if timerel == "before":
        return EARLIEST, at
    if timerel == "after":
        return at, latest
    if timerel == "between":
        if "endTimeAt" not in params:
            raise BadRequestData("timerel=between needs endTimeAt", field="endTimeAt")
        end = observed_at(params["endTimeAt"], "endTimeAt")
        if end <= at:
            raise BadRequestData("endTimeAt is after timeAt", field="endTimeAt")
        return at, end
    raise BadRequestData("timerel is before, after or between", field="timerel")


def _period(text: str | None, start: datetime, end: datetime) -> tuple[str, int]:
    """('hour' or 'day', how many of them per period)."""
    if text is None:
        return "day", max(1, (end - start).days + 1)
    match = re.fullmatch(r"PT(\d{1,5})H|P(\d{1,5})D", text)
    if match is None:
        raise OperationNotSupported(
            "aggrPeriodDuration is PT<n>H or P<n>D here (whole hours or days)", field="aggrPeriodDuration"
        )
    hours, days = match.groups()
    return ("hour", int(hours)) if hours else ("day", int(days))


@dataclass(frozen=True)
class TemporalOptions:
    """The temporal parameters of a request, checked (the same for one entity and a query)."""

    start: datetime
    end: datetime
    wanted: set[str] | None
    methods: list[str]
    options: set[str]
    last_n: str | None
    resolution: str
    size: int


def temporal_options(params: QueryParams) -> TemporalOptions:
    start, end = _window(params)
    wanted = {a.strip() for a in params["attrs"].split(",")} if "attrs" in params else None
    methods = [m.strip() for m in params.get("aggrMethods", "").split(",") if m.strip()]
    for method in methods:
        if method in UNSUPPORTED:
            raise OperationNotSupported(f"aggrMethods {method} is not supported here", field="aggrMethods")
        if method not in METHODS:
            raise BadRequestData(f"aggrMethods are {', '.join(METHODS + UNSUPPORTED)}", field="aggrMethods")
    options = set(params.get("options", "").split(",")) | {params.get("format", "")}
    last_n = params.get("lastN")
    if last_n is not None and not re.fullmatch(r"[1-9]\d{0,6}", last_n):
        raise BadRequestData("lastN is a positive whole number", field="lastN")
    resolution, size = _period(params.get("aggrPeriodDuration"), start, end) if methods else ("raw", 0)
    return TemporalOptions(start, end, wanted, methods, options, last_n, resolution, size)


def temporal_entity(
    platform: Platform, caller: Caller, source: Source, params: QueryParams, checked: TemporalOptions | None = None
) -> dict[str, Any]:
    given = checked or temporal_options(params)
    start, end, wanted, methods, options = given.start, given.end, given.wanted, given.methods, given.options
    last_n, resolution, size = given.last_n, given.resolution, given.size
    firsts = {s.attribute: s for s in reversed(source.streams)}  # of two streams of one name: the default one
    streams = [s for s in source.streams if firsts[s.attribute] is s and (wanted is None or s.attribute in wanted)]
    access = platform.core.access
    out: dict[str, Any] = {"id": source.entity_id, "type": source.entity_type}
    with audited_read(platform.store) as (tx, events):
        seen: Counter[tuple[str, int]] = Counter()
        for stream in streams:
            points = tx.series(stream.id, start, end, resolution, size)
            if resolution == "raw":
                points = points[-min(int(last_n or MAX_RAW), MAX_RAW) :]
            seen[("Datastream", stream.id)] += len(points)
            out[stream.attribute] = _attribute(
                stream.unit, points, methods, resolution, size, "temporalValues" in options
            )
        if +seen:
            events += access.audit_stream_reads(caller, tx, +seen, f"ngsi-ld:temporal:{source.entity_id}")
    return out


def _attribute(
    unit: Any, points: list[SeriesPoint], methods: list[str], resolution: str, size: int, simple: bool
) -> Any:
    code = unit_code(unit)
    extra = {"unitCode": code} if code else {}
    if resolution != "raw":
        step = timedelta(hours=size) if resolution == "hour" else timedelta(days=size)
        values: dict[str, list[list[Any]]] = {m: [] for m in methods}
        for p in points:
            period = [time_text(p.time), time_text(p.time + step)]
            figures = {"totalCount": p.count, "sum": p.mean * p.count, "avg": p.mean, "min": p.min, "max": p.max}
            for method in methods:
                values[method].append([figures[method], *period])
        return {"type": "Property", **values, **extra}
    if simple:
        return {"type": "Property", "values": [[p.mean, time_text(p.time)] for p in points], **extra}
    return [{"type": "Property", "value": p.mean, "observedAt": time_text(p.time), **extra} for p in points]
