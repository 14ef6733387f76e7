"""An aggregate request, answered: the buckets of the interval in the zone, the streams of the
selection in the caller's scope, then the statistics per stream (or over all of them together,
`combine`) and bucket — from the hourly rollups when that is exact (an interval of an hour or more
whose bucket edges and range ends are all whole UTC hours, and only count, sum, min, max, mean and
stddev asked), else from the raw observations. The answer says which (`source`). Reads are audited
as the charts' series are: each non-empty bucket given of a stream is one record."""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from stadsdata.access.audit import audited_read
from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.analytics.aggregates.functions import FROM_ROLLUPS, Bucket, needs_values
from stadsdata.analytics.aggregates.intervals import Interval, buckets, on_the_hour, zone
from stadsdata.analytics.aggregates.selection import Selection, select_streams
from stadsdata.errors import BadRequest
from stadsdata.service.series import check_range, utc_text
from stadsdata.store.base import Store, Transaction

MAX_RANGE = timedelta(days=366 * 20)


@dataclass(frozen=True)
class Ask:
    selection: Selection
    start: datetime
    end: datetime
    interval: Interval
    functions: list[str]
    timezone: str = "Europe/Amsterdam"
    combine: bool = False
    source: str = "auto"  # or 'rollups' (400 where they cannot answer exactly) or 'observations' (always the raw rows)


def aggregate(store: Store, access: AccessPolicy, caller: Caller, ask: Ask, request: str, max_buckets: int) -> dict[str, Any]:
    check_range(ask.start, ask.end, MAX_RANGE, "an aggregate spans at most 20 years")
    tz = zone(ask.timezone)
    edges = buckets(ask.start, ask.end, ask.interval, tz, max_buckets)
    from_rollups = _from_rollups(ask, edges)
    with audited_read(store) as (tx, events):
        streams = select_streams(tx, access.read_scope(caller, tx), ask.selection)
        if len(streams) * (len(edges) - 1) > max_buckets and not ask.combine:
            raise BadRequest(f"more than {max_buckets} buckets over {len(streams)} streams: ask for fewer streams, a longer interval "
                             "or a shorter range (setting aggregate_max_buckets)", field="interval")  # fmt: skip
        ids = [s["id"] for s in streams]
        folded: dict[int, list[Bucket]] = {key: [Bucket() for _ in edges[:-1]] for key in ([0] if ask.combine else ids)}
        (_fold_rollups if from_rollups else _fold_rows)(tx, ask, ids, edges, folded)
        if ask.combine:
            seen = Counter({("Datastream", key): 1 for key in ids})
        else:
            seen = Counter({("Datastream", key): sum(b.count > 0 for b in folded[key]) for key in ids})
        if +seen:
            events += access.audit_stream_reads(caller, tx, +seen, request)
    return _answer(ask, tz.key, edges, streams, folded, "rollups" if from_rollups else "observations")


def _from_rollups(ask: Ask, edges: list[datetime]) -> bool:
    """Whether the hourly rollups answer exactly, and are to be read (`source`)."""
    exact = ask.interval.unit != "minute" and on_the_hour([*edges, ask.start, ask.end]) and set(ask.functions) <= FROM_ROLLUPS
    if ask.source == "rollups" and not exact:
        raise BadRequest("the hourly rollups answer only count, sum, min, max, mean and stddev, over intervals of an hour or more "
                         "whose edges and range ends are whole UTC hours", field="source")  # fmt: skip
    return exact and ask.source != "observations"


def _fold_rollups(tx: Transaction, ask: Ask, ids: list[int], edges: list[datetime], folded: dict[int, list[Bucket]]) -> None:
    for stream, at, count, total, low, high, squares in tx.rollup_buckets(ids, edges, max(ask.start, edges[0]), min(ask.end, edges[-1])):
        folded[0 if ask.combine else stream][at].add_hour(count, total, low, high, squares)


def _fold_rows(tx: Transaction, ask: Ask, ids: list[int], edges: list[datetime], folded: dict[int, list[Bucket]]) -> None:
    keep = needs_values(ask.functions)
    rows = tx.numeric_results(ids, ask.start, ask.end)
    if ask.combine and keep:  # values in time order over all streams: first, last, percentiles of the whole
        rows = iter(sorted(rows, key=lambda r: r[1]))
    for stream, moment, value in rows:
        at = _bucket(edges, moment)
        if at is not None:
            folded[0 if ask.combine else stream][at].add_value(value, keep)


def _bucket(edges: list[datetime], moment: datetime) -> int | None:
    at = bisect.bisect_right(edges, moment) - 1
    return at if 0 <= at < len(edges) - 1 else None


def _answer(ask: Ask, tz: str, edges: list[datetime], streams: list[dict[str, Any]], folded: dict[int, list[Bucket]], source: str) -> dict[str, Any]:
    def rows(key: int) -> list[dict[str, Any]]:
        return [{"start": utc_text(max(edges[i], ask.start)), "end": utc_text(min(edges[i + 1], ask.end)), **b.result(ask.functions)}
                for i, b in enumerate(folded[key])]  # fmt: skip

    head = {"from": utc_text(ask.start), "to": utc_text(ask.end), "interval": str(ask.interval), "timezone": tz, "functions": ask.functions,
            "source": source}  # fmt: skip
    described = [{k: s.get(k) for k in ("id", "name", "unitOfMeasurement")} for s in streams]
    if ask.combine:
        return {**head, "combined": True, "datastreams": described, "buckets": rows(0)}
    return {**head, "combined": False, "datastreams": [{**d, "buckets": rows(d["id"])} for d in described]}

