"""What the route is planned from, read in one transaction through the caller's access scope: the
latest fill level of every container and the latest vacant spaces (and capacity) of every garage
the caller may read — nothing else. Reading a latest value is an audited read of one record, as on
the map (`service/latest_values.py`); what the caller may not read is not there for the route."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from stadsdata.access.audit import audited_read
from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.store.base import LatestValue, Store

FILL_LEVEL, VACANT, CAPACITY = "Fill level", "Vacant parking spaces", "Parking capacity"  # the demo city's names


@dataclass(frozen=True)
class Site:
    """A container or a garage: its Thing, where it stands and its latest value."""

    thing_id: int
    name: str
    datastream_id: int
    value: float
    measured_at: datetime | None
    lonlat: tuple[float, float] | None  # None: its Thing has no point Location
    capacity: float | None = None  # a garage's places (its Thing's `capacity` or its capacity stream)

    def as_json(self) -> dict[str, Any]:
        return {"thingId": self.thing_id, "name": self.name, "datastreamId": self.datastream_id,
                "location": None if self.lonlat is None else {"type": "Point", "coordinates": list(self.lonlat)},
                "measuredAt": None if self.measured_at is None else self.measured_at.isoformat().replace("+00:00", "Z")}  # fmt: skip


@dataclass(frozen=True)
class Readings:
    containers: list[Site]  # value: fill level (%)
    garages: list[Site]  # value: vacant places


def read_sites(
    store: Store, access: AccessPolicy, caller: Caller, request: str, *, fill_property: str = FILL_LEVEL,
    vacant_property: str = VACANT, capacity_property: str = CAPACITY,
) -> Readings:  # fmt: skip
    with audited_read(store) as (tx, events):
        scope = access.read_scope(caller, tx)
        fills = _latest(tx.latest_values(scope, fill_property), fill_property)
        vacant = _latest(tx.latest_values(scope, vacant_property), vacant_property)
        capacity = _latest(tx.latest_values(scope, capacity_property), capacity_property) if vacant else []
        seen = Counter({("Datastream", r.datastream_id): 1 for r in (*fills, *vacant, *capacity)})
        if seen:
            events += access.audit_stream_reads(caller, tx, seen, request)
    places = {r.thing_id: _number(r.result) for r in capacity}
    containers = [_site(r) for r in fills if _number(r.result) is not None]
    garages = [_site(r, _thing_capacity(r) or places.get(r.thing_id)) for r in vacant if _number(r.result) is not None]
    return Readings(containers, garages)


def _latest(rows: list[LatestValue], observed_property: str) -> list[LatestValue]:
    return [r for r in rows if r.observed_property == observed_property and r.phenomenon_time is not None]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _site(row: LatestValue, capacity: float | None = None) -> Site:
    return Site(row.thing_id, row.thing_name, row.datastream_id, float(row.result), row.phenomenon_time, _point(row.location_json), capacity)


def _point(location_json: str | None) -> tuple[float, float] | None:
    geometry = orjson.loads(location_json) if location_json else None
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
    if isinstance(geometry, dict) and geometry.get("type") == "Point":
        coords = geometry.get("coordinates")
        if isinstance(coords, list) and len(coords) >= 2 and all(_number(c) is not None for c in coords[:2]):
            return float(coords[0]), float(coords[1])
    return None


def _thing_capacity(row: LatestValue) -> float | None:
    properties = orjson.loads(row.thing_properties_json) if row.thing_properties_json else None
    value = properties.get("capacity") if isinstance(properties, dict) else None
    number = _number(value)
    return number if number is not None and number > 0 else None
