"""A Datastream's numeric results over a time range, as a chart needs them: the raw
observations when there are few, hourly or daily aggregates (count, mean, min, max) from the
rollups when there are many — so a one-year chart of one-minute data reads 8 760 rows, not
525 600. Served at `/api/v1/datastreams/{id}/series` (JSON, CSV, GeoJSON).

Access: the Datastream must be readable by the caller (the same read scope as SensorThings);
otherwise it does not exist for them (404). A read of a restricted or non-public dataset is
audited like any other read, counting the points given (an aggregate point is one record)."""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from stadsdata.access.audit import audited_read
from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.errors import BadRequest, NotFound
from stadsdata.model.entities import DATASTREAM, LOCATION, THING
from stadsdata.query.ast import QueryOptions
from stadsdata.store.base import ParentRef, ReadRequest, ScopeFn, SeriesPoint, Store, Transaction

RESOLUTIONS = ("auto", "raw", "hour", "day")
RAW_LIMIT = 5_000  # 'auto' gives raw observations up to this many
HOUR_LIMIT = 10_000  # … hourly aggregates up to this many hours, days beyond
MAX_RAW = 100_000  # 'raw' asked for explicitly: at most this many observations
MAX_RANGE = timedelta(days=366 * 20)
FIRST_YEAR, LAST_YEAR = 1000, 9998


@dataclass(frozen=True)
class Series:
    datastream: dict[str, Any]
    start: datetime
    end: datetime
    resolution: str
    bucket_hours: int  # of an aggregate point: 1 … ('hour'), or 24 × days ('day'); 0 for raw
    points: list[SeriesPoint]
    location: dict[str, Any] | None  # GeoJSON geometry of the Thing's Location, for GeoJSON output
    dataset: dict[str, Any] | None = None  # the dataset the stream belongs to: name, title, access level, owner

    def as_json(self) -> dict[str, Any]:
        return {
            **self.as_json_head(),
            "points": [
                {"time": utc_text(p.time), "count": p.count, "mean": p.mean, "min": p.min, "max": p.max} for p in self.points
            ],
        }

    def as_columns(self) -> dict[str, Any]:
        """The same as `as_json`, with the points as columns and times in seconds since the
        epoch: a quarter of the bytes, what the UI's charts read."""
        p = self.points
        return {
            **self.as_json_head(),
            "columns": {
                "time": [int(x.time.timestamp()) for x in p],
                "count": [x.count for x in p],
                "mean": [x.mean for x in p],
                "min": [x.min for x in p],
                "max": [x.max for x in p],
            },
        }

    def as_json_head(self) -> dict[str, Any]:
        return {"datastream": self.datastream, "dataset": self.dataset, "from": utc_text(self.start), "to": utc_text(self.end),
                "resolution": self.resolution, "bucketHours": self.bucket_hours}  # fmt: skip

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        if self.resolution == "raw":
            writer.writerow(["phenomenonTime", "result"])
            writer.writerows([utc_text(p.time), p.mean] for p in self.points)
        else:
            writer.writerow(["bucketStart", "count", "mean", "min", "max"])
            writer.writerows([utc_text(p.time), p.count, p.mean, p.min, p.max] for p in self.points)
        return out.getvalue()

    def as_geojson(self) -> dict[str, Any]:
        """One Feature per point at the Thing's location (RFC 7946 FeatureCollection)."""
        stream = self.datastream
        features = []
        for p in self.points:
            properties: dict[str, Any] = {"datastream": stream["id"], "time": utc_text(p.time), "mean": p.mean}
            if self.resolution != "raw":
                properties |= {"count": p.count, "min": p.min, "max": p.max}
            features.append({"type": "Feature", "geometry": self.location, "properties": properties})
        return {"type": "FeatureCollection", "features": features}


def utc_text(moment: datetime) -> str:
    """RFC 3339 in UTC with 'Z', as the series, quality and aggregate answers give times."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(value: str | None, field: str, default: datetime) -> datetime:
    if value is None or value == "":
        return default
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{field} must be an ISO 8601 date-time, like 2026-05-01T00:00:00Z", field=field) from None
    if moment.tzinfo is None:
        raise BadRequest(f"{field} needs a time zone (Z or ±hh:mm)", field=field)
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:  # also keeps `to` minus the default span in range
        raise BadRequest(f"{field} must lie in the years {FIRST_YEAR} to {LAST_YEAR}", field=field)
    return moment.astimezone(UTC)


def read_series(
    store: Store, access: AccessPolicy, caller: Caller, datastream_id: int, start: datetime, end: datetime, resolution: str,
    request: str, max_points: int | None = None,
) -> Series:  # fmt: skip
    """With `max_points` (e.g. twice the chart's width in pixels) 'auto' picks buckets of as
    many whole hours (or days) as keep the series within that many points."""
    if resolution not in RESOLUTIONS:
        raise BadRequest(f"resolution must be one of {', '.join(RESOLUTIONS)}", field="resolution")
    check_range(start, end, MAX_RANGE, "a series spans at most 20 years")
    with audited_read(store) as (tx, events):
        scope = access.read_scope(caller, tx)
        stream = readable_datastream(tx, scope, datastream_id)
        bucket = 1
        if resolution == "auto":
            resolution, bucket = _resolution(tx.series_count(datastream_id, start, end), start, end, max_points)
        elif resolution == "raw" and tx.series_count(datastream_id, start, end) > MAX_RAW:
            raise BadRequest(f"more than {MAX_RAW} observations in this range: ask for resolution=hour or day", field="resolution")
        points = tx.series(datastream_id, start, end, resolution, bucket)
        location = _location(tx, stream, scope)
        dataset = _dataset(tx, caller, datastream_id)
        events += access.audit_stream_reads(caller, tx, Counter({("Datastream", datastream_id): len(points)}), request)
    summary = {k: stream.get(k) for k in ("id", "name", "unitOfMeasurement", "observationType")}
    hours = 0 if resolution == "raw" else bucket * (24 if resolution == "day" else 1)
    return Series(summary, start, end, resolution, hours, points, location, dataset)


def check_range(start: datetime, end: datetime, longest: timedelta, too_long: str) -> None:
    """400 unless [start, end) is a range (`to` after `from`) of at most `longest`."""
    if end <= start:
        raise BadRequest("'to' must be after 'from'", field="to")
    if end - start > longest:
        raise BadRequest(too_long, field="from")


def readable_datastream(tx: Transaction, scope: ScopeFn, datastream_id: int) -> dict[str, Any]:
    """The Datastream's record, where the scope lets the caller read it; otherwise it does not
    exist for the caller (404)."""
    found = tx.read(ReadRequest(DATASTREAM, QueryOptions(), id=datastream_id, top=1, scope=scope)).records
    if not found:
        raise NotFound(f"Datastream {datastream_id} does not exist")
    return found[0]


def _resolution(count: int, start: datetime, end: datetime, max_points: int | None = None) -> tuple[str, int]:
    """(resolution, buckets of how many hours or days) for 'auto'."""
    limit = min(RAW_LIMIT, max_points) if max_points else RAW_LIMIT
    if count <= limit:
        return "raw", 1
    hours = math.ceil((end - start) / timedelta(hours=1))
    if max_points:
        step = max(1, math.ceil(hours / max_points))
        return ("day", math.ceil(step / 24)) if step >= 24 else ("hour", step)
    return ("hour", 1) if hours <= HOUR_LIMIT else ("day", 1)


def _location(tx: Any, stream: dict[str, Any], scope: Any) -> dict[str, Any] | None:
    """The geometry of the first Location of the stream's Thing (for GeoJSON output)."""
    thing_id = (stream.get("@links") or {}).get("Thing")
    if thing_id is None:
        return None
    parent = ParentRef(THING, thing_id, "Locations")
    locations = tx.read(ReadRequest(LOCATION, QueryOptions(), parent=parent, top=1, scope=scope)).records
    return locations[0].get("location") if locations else None


def _dataset(tx: Any, caller: Caller, datastream_id: int) -> dict[str, Any] | None:
    """The stream's dataset as the sensor page shows it. A resident owner's name is shown to
    that resident only (residents are named to no other party)."""
    dataset_id = tx.access.stream_datasets("Datastream", [datastream_id]).get(datastream_id)
    if dataset_id is None:
        return None
    rows = tx.access.rows("datasets", {"id": dataset_id}, limit=1)
    if not rows:
        return None
    row = rows[0]
    owner = None
    if row["owner_party_id"] is not None:
        party = tx.access.rows("parties", {"id": row["owner_party_id"]}, limit=1)
        if party and (party[0]["kind"] != "resident" or caller.party_id == party[0]["id"]):
            owner = party[0]["name"]
    return {"name": row["name"], "title": row["title"], "accessLevel": row["access_level"], "owner": owner}
