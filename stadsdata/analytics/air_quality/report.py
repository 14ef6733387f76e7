"""The exceedance report as the API and the page ask for it: per sensor (Datastream) and per area,
the means of a calendar year (or a period of whole days) against one standard's limits.

**Days**: calendar days in the report's time zone, Europe/Amsterdam by default. Neither directive
names a time zone ("one day", "calendar year"); a day of the people who breathe the air is the local
day, and the issue's calendar-aligned aggregates use Europe/Amsterdam by default. `timeZone=UTC` gives
UTC days (as some reporting does); any zone whose offset is whole hours can be asked, since the means
are built from the store's UTC hours. The year is the calendar year in that zone too."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import shapely
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.analytics.air_quality.exceedances import LimitResult, assess
from stadsdata.analytics.air_quality.means import Mean, daily_means, hourly_means, period_mean
from stadsdata.analytics.air_quality.readings import AirStream, read_air_streams
from stadsdata.analytics.air_quality.standards import POLLUTANTS, STANDARDS, Standard
from stadsdata.errors import BadRequest
from stadsdata.store.base import Store

DEFAULT_ZONE = "Europe/Amsterdam"
FIRST_YEAR = 1970
MAX_DAYS = 366
MAX_LISTED_DAYS = 400


class Area(Protocol):
    name: str
    geometry: BaseGeometry


def exceedance_report(
    store: Store, access: AccessPolicy, caller: Caller, request: str, *, standard: str = "eu-2008",
    pollutants: Sequence[str] = (), year: int | None = None, start_date: date | None = None, end_date: date | None = None,
    time_zone: str = DEFAULT_ZONE, bbox: tuple[float, float, float, float] | None = None, areas: Sequence[Area] = (),
    area: str | None = None, now: datetime | None = None,
) -> dict[str, Any]:  # fmt: skip
    """`end_date` is the last day of the period (inclusive); without dates, the calendar `year`
    (default: this year). Bad input: BadRequest naming the field."""
    chosen = STANDARDS.get(standard)
    if chosen is None:
        raise BadRequest(f"standard must be one of {', '.join(STANDARDS)}", field="standard")
    wanted = _pollutants(pollutants)
    zone = _zone(time_zone)
    if area is not None and area not in {a.name for a in areas}:
        raise BadRequest(f"there is no area {area!r}", field="area")
    now = (now or datetime.now(UTC)).astimezone(zone)
    first, last = _period(year, start_date, end_date, now.date())
    start = _midnight(first, zone)
    end = _midnight(last + timedelta(days=1), zone)

    def keep(location: dict[str, Any] | None) -> bool:
        point = _point(location)
        return (bbox is None or (point is not None and box(*bbox).intersects(point))) and (area is None or _area_of(point, areas) == area)

    streams, skipped = read_air_streams(store, access, caller, wanted, start, end, request, keep)
    located = [(s, _area_of(_point(s.location), areas)) for s in streams]
    sensors = [_sensor(s, a, chosen, start, end, zone) for s, a in located]
    return {
        "standard": chosen.as_json() | {"limits": [limit.as_json() for limit in chosen.limits if limit.pollutant in wanted]},
        "pollutants": list(wanted), "from": first.isoformat(), "to": last.isoformat(), "timeZone": time_zone,
        "calendarYear": year is not None or start_date is None, "complete": end <= now.astimezone(UTC),
        "summary": _summary(sensors), "sensors": sensors, "areas": _areas(sensors), "skipped": [s.as_json() for s in skipped],
    }  # fmt: skip


def _summary(sensors: list[dict[str, Any]]) -> dict[str, int]:
    """How many sensor streams, how many exceed a limit (more often than allowed), how many cannot
    tell (too little data), and how many are reference or indicative: a dashboard tile's numbers."""
    return {"sensors": len(sensors), "exceeding": sum(s["exceeded"] is True for s in sensors),
            "unknown": sum(s["exceeded"] is None for s in sensors),
            "reference": sum(s["measurementClass"] == "reference" for s in sensors),
            "indicative": sum(s["measurementClass"] == "indicative" for s in sensors)}  # fmt: skip


def _sensor(stream: AirStream, area: str | None, standard: Standard, start: datetime, end: datetime, zone: ZoneInfo) -> dict[str, Any]:
    hours = hourly_means(stream.points)
    days = daily_means(hours, start, end, zone)
    period = period_mean(hours, start, end)
    results: list[LimitResult] = [assess(limit, hours, days, period, start, end) for limit in standard.of(stream.pollutant)]
    partial = [d for d in days if not d.valid and d.coverage > 0]
    return {
        **stream.place(), "area": area, "hours": int((end - start) / timedelta(hours=1)),
        "hoursWithData": len(hours), "validHours": sum(h.valid for h in hours),
        "days": len(days), "validDays": sum(d.valid for d in days),
        "invalidDays": [_partial(d) for d in partial[:MAX_LISTED_DAYS]],
        "annualMean": period.as_json(), "limits": [r.as_json() for r in results],
        "exceeded": _any(r.exceeded for r in results),
    }  # fmt: skip


def _areas(sensors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per area (and pollutant): how many sensors, how many exceed each limit, the most exceedances
    and the highest valid annual mean; reference and indicative sensors counted apart."""
    groups: dict[tuple[str | None, str], list[dict[str, Any]]] = {}
    for s in sensors:
        groups.setdefault((s["area"], s["pollutant"]), []).append(s)
    out = []
    for (name, pollutant), members in sorted(groups.items(), key=lambda g: (g[0][0] is None, g[0][0] or "", POLLUTANTS.index(g[0][1]))):
        limits = []
        for i, limit in enumerate(members[0]["limits"]):
            results = [m["limits"][i] for m in members]
            means = [r["annualMean"]["mean"] for r in results if "annualMean" in r and r["annualMean"]["valid"]]
            limits.append({key: limit[key] for key in ("period", "value", "allowedPerYear")} | {
                "sensorsExceeding": sum(r["exceeded"] is True for r in results),
                "referenceSensorsExceeding": sum(r["exceeded"] is True and m["measurementClass"] == "reference" for r, m in zip(results, members, strict=True)),
                "sensorsUnknown": sum(r["exceeded"] is None for r in results),
                "mostExceedances": max(r["exceedances"] for r in results),
                "highestAnnualMean": max(means) if means else None,
            })  # fmt: skip
        out.append({"area": name, "pollutant": pollutant, "sensors": len(members),
                    "referenceSensors": sum(m["measurementClass"] == "reference" for m in members),
                    "indicativeSensors": sum(m["measurementClass"] == "indicative" for m in members), "limits": limits})  # fmt: skip
    return out


def _partial(day: Mean) -> dict[str, Any]:
    return {"date": day.time, "mean": day.as_json()["mean"], "coverage": round(day.coverage, 4)}


def _any(values: Any) -> bool | None:
    found = list(values)
    return True if any(v is True for v in found) else (False if all(v is False for v in found) else None)


def _pollutants(asked: Sequence[str]) -> tuple[str, ...]:
    if not asked:
        return POLLUTANTS
    out = []
    for value in asked:
        name = "PM2.5" if value.upper() in ("PM25", "PM2.5") else value.upper()
        if name not in POLLUTANTS:
            raise BadRequest(f"pollutant must be one of {', '.join(POLLUTANTS)}", field="pollutant")
        if name not in out:
            out.append(name)
    return tuple(p for p in POLLUTANTS if p in out)


def _zone(name: str) -> ZoneInfo:
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadRequest(f"timeZone {name!r} is not a time zone of the IANA database (e.g. Europe/Amsterdam, UTC)", field="timeZone") from None
    offsets = {zone.utcoffset(datetime(2026, month, 1)) for month in (1, 7)}
    if any(o is None or o.total_seconds() % 3600 for o in offsets):
        raise BadRequest("timeZone must be a zone whose offset from UTC is whole hours (the means are built from UTC hours)", field="timeZone")
    return zone


def _period(year: int | None, first: date | None, last: date | None, today: date) -> tuple[date, date]:
    if year is not None and (first is not None or last is not None):
        raise BadRequest("ask for a year or a period (from, to), not both", field="year")
    if first is None and last is None:
        year = today.year if year is None else year
        if not FIRST_YEAR <= year <= today.year:
            raise BadRequest(f"year must be {FIRST_YEAR} to {today.year} (this year)", field="year")
        return date(year, 1, 1), date(year, 12, 31)
    if first is None or last is None:
        raise BadRequest("a period needs both from and to", field="from" if first is None else "to")
    if last < first:
        raise BadRequest("to must not be before from", field="to")
    if (last - first).days + 1 > MAX_DAYS:
        raise BadRequest(f"a period spans at most {MAX_DAYS} days", field="to")
    if first.year < FIRST_YEAR or first > today:
        raise BadRequest(f"from must lie between {FIRST_YEAR}-01-01 and today", field="from")
    return first, last


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def _point(location: dict[str, Any] | None) -> BaseGeometry | None:
    """The shape of a Thing's location (GeoJSON), None without a usable one."""
    try:
        return shape(location) if isinstance(location, dict) and location.get("type") else None
    except (ValueError, TypeError, AttributeError, KeyError, shapely.errors.ShapelyError):
        return None


def _area_of(point: BaseGeometry | None, areas: Sequence[Area]) -> str | None:
    """The first area the place lies in."""
    return next((a.name for a in areas if a.geometry.intersects(point)), None) if point is not None else None
