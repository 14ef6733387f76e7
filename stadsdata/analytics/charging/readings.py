"""What the charging analyses read, in one transaction through the caller's access scope: every
charge point (EVSE) status stream, charging-session stream and energy stream the caller may read,
with their observations over a range (audited like any read, one record per observation). A CPO's
restricted dataset is only there for who may read it.

A charge point is an EVSE status stream: the OCPI receiver's `EVSE status` (`api/ocpi/storage.py`)
or a charge point status as the demo city's (`Charge point status`, OCPP 1.6 words). Session and
energy streams belong to the EVSE of their Thing with the same name before the stream kind's title
(`… EVSE NL*LNV*E011 status` / `… EVSE NL*LNV*E011 energy delivered (kWh)`), or to the Thing's only
status stream."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson

from stadsdata.access.audit import audited_read
from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.errors import BadRequest
from stadsdata.model.entities import DATASTREAM, OBSERVATION
from stadsdata.model.values import Interval
from stadsdata.query.ast import QueryOptions
from stadsdata.query.parser import parse_filter, parse_orderby
from stadsdata.store.base import LatestValue, ParentRef, ReadRequest, ScopeFn, Store, Transaction

STATUS_PROPERTIES = ("EVSE status", "Charge point status")
SESSION_PROPERTIES = ("energy delivered in a charging session",)
ENERGY_PROPERTIES = ("energy delivered", "Energy per charging session")
# The stream kinds' titles at the end of a stream's name (`api/ocpi/storage.py`, STREAMS).
SUFFIXES = (" status", " energy delivered (kWh)", " charging sessions (kWh)")
MAX_OBSERVATIONS = 200_000
MARGIN = timedelta(days=2)  # sessions and CDRs that began this long before the range still count


@dataclass(frozen=True)
class Observation:
    start: datetime
    end: datetime
    result: Any
    result_time: datetime | None
    parameters: dict[str, Any] | None


@dataclass
class ChargePoint:
    """One EVSE: its Thing, place and the observations of its streams."""

    key: str
    thing_id: int
    thing_name: str
    name: str
    lonlat: tuple[float, float] | None
    status_stream: int | None = None
    latest_status: str | None = None
    status_before: str | None = None  # the status at the range's start (the last change before it)
    statuses: list[Observation] = field(default_factory=list)
    sessions: list[Observation] = field(default_factory=list)
    energy: list[Observation] = field(default_factory=list)


def read_charge_points(
    store: Store, access: AccessPolicy, caller: Caller, start: datetime, end: datetime, request: str
) -> list[ChargePoint]:
    points: dict[str, ChargePoint] = {}
    seen: Counter[tuple[str, int]] = Counter()
    with audited_read(store) as (tx, events):
        scope = access.read_scope(caller, tx)
        status = _streams(tx, scope, STATUS_PROPERTIES)
        for row in status:
            point = points.setdefault(_key(row), _point(row))
            point.status_stream, point.latest_status = row.datastream_id, _text(row.result)
            point.statuses = _observations(tx, scope, row.datastream_id, start, end)
            before = _observations(tx, scope, row.datastream_id, None, start, newest=1)
            point.status_before = _text(before[0].result) if before else None
            seen[("Datastream", row.datastream_id)] += len(point.statuses) + len(before) + 1
        per_thing = Counter(p.thing_id for p in points.values())
        alone = {p.thing_id: p for p in points.values() if per_thing[p.thing_id] == 1}  # a Thing's only status stream
        for kind, properties in (("sessions", SESSION_PROPERTIES), ("energy", ENERGY_PROPERTIES)):
            for row in _streams(tx, scope, properties):
                point = points.get(_key(row)) or alone.get(row.thing_id) or points.setdefault(_key(row), _point(row))
                found = _observations(tx, scope, row.datastream_id, start - MARGIN, end + MARGIN)
                getattr(point, kind).extend(found)
                seen[("Datastream", row.datastream_id)] += len(found)
        if sum(seen.values()) > MAX_OBSERVATIONS:
            raise BadRequest(
                f"more than {MAX_OBSERVATIONS} observations in this range: ask for a shorter one", field="from"
            )
        if seen:
            events += access.audit_stream_reads(caller, tx, seen, request)
    return sorted(points.values(), key=lambda p: (p.thing_name, p.name))


def _streams(tx: Transaction, scope: ScopeFn, properties: tuple[str, ...]) -> list[LatestValue]:
    return [r for p in properties for r in tx.latest_values(scope, p) if r.observed_property == p]


def _observations(
    tx: Transaction, scope: ScopeFn, stream: int, start: datetime | None, end: datetime, newest: int | None = None
) -> list[Observation]:
    """The stream's observations that begin in [start, end) (start None: the `newest` before end)."""
    where = (
        f"phenomenonTime lt {_iso(end)}"
        if start is None
        else f"phenomenonTime ge {_iso(start)} and phenomenonTime lt {_iso(end)}"
    )
    order = "phenomenonTime desc, id desc" if newest else "phenomenonTime asc, id asc"
    options = QueryOptions(filter=parse_filter(where), orderby=parse_orderby(order))
    top = newest or MAX_OBSERVATIONS + 1
    records = tx.read(ReadRequest(OBSERVATION, options, parent=ParentRef(DATASTREAM, stream, "Observations"), scope=scope, top=top,
                                  max_top=top)).records  # fmt: skip
    if len(records) > MAX_OBSERVATIONS:
        raise BadRequest(
            f"more than {MAX_OBSERVATIONS} observations in this range: ask for a shorter one", field="from"
        )
    return [_observation(r) for r in records]


def _observation(record: dict[str, Any]) -> Observation:
    time, result_time = record["phenomenonTime"], record.get("resultTime")
    start, end = (time.start, time.end) if isinstance(time, Interval) else (time, time)
    parameters = record.get("parameters")
    return Observation(start, end, record.get("result"), result_time.start if isinstance(result_time, Interval) else result_time,
                       parameters if isinstance(parameters, dict) else None)  # fmt: skip


def _key(row: LatestValue) -> str:
    name = row.datastream_name
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return f"{row.thing_id}:{name[: -len(suffix)]}"
    return f"{row.thing_id}:{name}"


def _point(row: LatestValue) -> ChargePoint:
    key = _key(row)
    label = key.split(":", 1)[1]
    return ChargePoint(
        key,
        row.thing_id,
        row.thing_name,
        label if label != row.datastream_name else row.thing_name,
        _lonlat(row.location_json),
    )


def _lonlat(location_json: str | None) -> tuple[float, float] | None:
    geometry = orjson.loads(location_json) if location_json else None
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
    if isinstance(geometry, dict) and geometry.get("type") == "Point":
        coords = geometry.get("coordinates")
        if isinstance(coords, list) and len(coords) >= 2 and all(isinstance(c, int | float) for c in coords[:2]):
            return float(coords[0]), float(coords[1])
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
