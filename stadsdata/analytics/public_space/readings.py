"""The streams of one ObservedProperty that the caller may read, each with its latest value and its
hourly or daily means over a range (from the rollups), read in one transaction through the caller's
access scope; audited as the charts' series are (each mean one record, the latest value one)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from stadsdata.access.audit import audited_read
from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.store.base import LatestValue, SeriesPoint, Store


@dataclass(frozen=True)
class StreamSeries:
    latest: LatestValue  # the stream, its Thing and Location, and its latest observation
    points: list[SeriesPoint]  # means per hour or day over the range asked, in time order

    def place(self) -> dict[str, Any]:
        """The Thing and stream as an answer names them (the point of its Location, if it has one)."""
        geometry = orjson.loads(self.latest.location_json) if self.latest.location_json else None
        if isinstance(geometry, dict) and geometry.get("type") == "Feature":
            geometry = geometry.get("geometry")
        return {"thingId": self.latest.thing_id, "thing": self.latest.thing_name, "datastreamId": self.latest.datastream_id,
                "location": geometry}  # fmt: skip


def read_streams(
    store: Store, access: AccessPolicy, caller: Caller, observed_property: str, start: datetime, end: datetime,
    resolution: str, request: str,
) -> list[StreamSeries]:  # fmt: skip
    """`resolution` is 'hour' or 'day' (UTC days)."""
    with audited_read(store) as (tx, events):
        latest = [r for r in tx.latest_values(access.read_scope(caller, tx), observed_property) if r.observed_property == observed_property]
        found = [StreamSeries(r, tx.series(r.datastream_id, start, end, resolution)) for r in latest]
        seen = Counter({("Datastream", s.latest.datastream_id): len(s.points) + (s.latest.phenomenon_time is not None) for s in found})
        if +seen:
            events += access.audit_stream_reads(caller, tx, +seen, request)
    return found
