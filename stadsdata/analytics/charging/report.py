"""The charging reports as the API answers them: occupancy and energy per charge point, per area
and per hour (`occupancy.py`), the ranking of areas for new charge points (`placement.py`), and the
sessions of a day taken from the data for the peak-shaving schedule — each from what the caller
may read (`readings.py`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.analytics.charging import occupancy, placement
from stadsdata.analytics.charging.peak_shaving import Session
from stadsdata.analytics.charging.readings import ChargePoint, read_charge_points
from stadsdata.errors import BadRequest, NotFound
from stadsdata.store.base import Store

MAX_RANGE = timedelta(days=31)


@dataclass
class Assessed:
    point: ChargePoint
    segments: list[occupancy.Segment]
    usage: occupancy.Usage
    areas: list[str]


def assess(
    store: Store, access: AccessPolicy, caller: Caller, request: str, start: datetime, end: datetime,
    areas: list[placement.NamedArea], now: datetime | None = None,
) -> list[Assessed]:  # fmt: skip
    if end <= start:
        raise BadRequest("'to' must be after 'from'", field="to")
    if end - start > MAX_RANGE:
        raise BadRequest("a charging report spans at most 31 days", field="from")
    until = max(start, min(end, now or datetime.now(UTC)))
    out = []
    for point in read_charge_points(store, access, caller, start, end, request):
        segments = occupancy.timeline(point, start, until)
        out.append(Assessed(point, segments, occupancy.usage(point, segments, start, end),
                            [a.name for a in areas if placement.contains(a, point.lonlat)]))  # fmt: skip
    return out


def occupancy_report(
    store: Store, access: AccessPolicy, caller: Caller, request: str, start: datetime, end: datetime,
    areas: list[placement.NamedArea], area: str | None = None, now: datetime | None = None,
) -> dict[str, Any]:  # fmt: skip
    if area is not None and area not in {a.name for a in areas}:
        raise NotFound(f"no area named {area!r}", field="area")
    found = assess(store, access, caller, request, start, end, areas, now)
    if area is not None:
        found = [f for f in found if area in f.areas]
    by_area: dict[str, list[Assessed]] = defaultdict(list)
    for f in found:
        for name in f.areas:
            by_area[name].append(f)
    return {
        "from": _iso(start), "to": _iso(end), "observedUntil": _iso(max(start, min(end, now or datetime.now(UTC)))),
        "states": list(occupancy.KINDS),
        "chargePoints": [_point_json(f) for f in found],
        "areas": [_group_json(name, by_area.get(name, [])) for name in sorted(a.name for a in areas if area in (None, a.name))],
        "hours": _hours_json(found, start, end),
    }  # fmt: skip


def placement_report(
    store: Store, access: AccessPolicy, caller: Caller, request: str, start: datetime, end: datetime,
    areas: list[placement.NamedArea], weights: placement.Weights, now: datetime | None = None,
) -> dict[str, Any]:  # fmt: skip
    if not areas:
        raise BadRequest("this server knows no areas (setting catalog_areas): send `areas` as GeoJSON", field="areas")
    found = assess(store, access, caller, request, start, end, areas, now)
    free = [f.point.lonlat for f in found if f.point.lonlat and occupancy.state(f.point.latest_status) == "available"]
    facts = []
    for a in areas:
        inside = [f for f in found if a.name in f.areas]
        known = [f for f in inside if f.segments]
        seconds = sum(sum(v for k, v in f.usage.seconds.items() if k != "unknown") for f in known)
        connected = sum(f.usage.seconds["charging"] + f.usage.seconds["idle"] for f in known)
        span = occupancy.known_seconds([f.segments for f in known])
        unserved = occupancy.no_free_seconds([f.segments for f in known]) / span if span else None
        at = placement.centre(a)
        facts.append(placement.AreaFacts(a.name, len(inside), connected / seconds if seconds else None,
                                         unserved if inside else None, at, placement.nearest_m(at, free)))  # fmt: skip
    w = weights.normalised()
    return {
        "from": _iso(start), "to": _iso(end),
        "weights": {"occupancy": round(w.occupancy, 4), "unservedDemand": round(w.unserved, 4), "distance": round(w.distance, 4),
                    "distanceScaleM": w.distance_scale_m},
        "freeChargePointsNow": len(free), "ranking": placement.rank(facts, weights),
    }  # fmt: skip


def day_sessions(found: list[Assessed], max_power_kw: float) -> list[Session]:
    """The charging sessions the data shows: each run of connected time of an EVSE, wanting the
    energy counted in it (at least 0) at `max_power_kw`, raised to what it drew where it drew more."""
    out = []
    for f in found:
        runs: list[list[datetime]] = []
        for a, b, kind in f.segments:
            if kind in ("charging", "idle"):
                if runs and runs[-1][1] == a:
                    runs[-1][1] = b
                else:
                    runs.append([a, b])
        for n, (a, b) in enumerate(runs):
            first = a.replace(minute=0, second=0, microsecond=0)
            kwh = sum(v for hour, v in f.usage.hourly_kwh.items() if first <= hour < b)
            hours = (b - a).total_seconds() / 3600
            if kwh > 0:
                out.append(Session(f"{f.point.name} #{n + 1}", a, b, round(kwh, 6), max(max_power_kw, kwh / hours)))
    return out


def _point_json(f: Assessed) -> dict[str, Any]:
    p, shares = f.point, f.usage.shares()
    return {
        "key": p.key, "name": p.name, "thingId": p.thing_id, "thing": p.thing_name, "datastreamId": p.status_stream,
        "location": None if p.lonlat is None else {"type": "Point", "coordinates": list(p.lonlat)},
        "areas": f.areas, "latestStatus": p.latest_status, "shares": _rounded(shares),
        "occupancy": round(shares["charging"] + shares["idle"], 4), "kwh": round(f.usage.kwh, 3),
    }  # fmt: skip


def _group_json(name: str, members: list[Assessed]) -> dict[str, Any]:
    seconds = dict.fromkeys(occupancy.KINDS, 0.0)
    for f in members:
        for k, v in f.usage.seconds.items():
            seconds[k] += v
    total = sum(seconds.values())
    shares = {k: (v / total if total else 0.0) for k, v in seconds.items()}
    span = occupancy.known_seconds([f.segments for f in members])
    return {"name": name, "chargePoints": len(members), "shares": _rounded(shares), "occupancy": round(shares["charging"] + shares["idle"], 4),
            "noFreePointShare": round(occupancy.no_free_seconds([f.segments for f in members]) / span, 4) if span else None,
            "kwh": round(sum(f.usage.kwh for f in members), 3)}  # fmt: skip


def _hours_json(found: list[Assessed], start: datetime, end: datetime) -> list[dict[str, Any]]:
    out = []
    hour = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    while hour < end:
        seconds = dict.fromkeys(occupancy.KINDS, 0.0)
        for f in found:
            for k, v in f.usage.hourly_seconds.get(hour, {}).items():
                seconds[k] += v
        total = sum(seconds.values())
        out.append({"start": _iso(hour), "shares": _rounded({k: (v / total if total else 0.0) for k, v in seconds.items()}),
                    "connected": round((seconds["charging"] + seconds["idle"]) / 3600, 4),
                    "kwh": round(sum(f.usage.hourly_kwh.get(hour, 0.0) for f in found), 3)})  # fmt: skip
        hour += timedelta(hours=1)
    return out


def _rounded(shares: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 4) for k, v in shares.items()}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
