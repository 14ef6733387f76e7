"""Buckets of an interval over a time range, aligned on the calendar of a time zone.

`day`, `week` (ISO: from Monday), `month` and `year` buckets begin at local midnight of their first
day, so a day is 23, 24 or 25 hours long across the daylight-saving changes; `minute` and `hour`
buckets are fixed lengths of time, aligned on the zone's offset at the start of the range (in a zone
whose offsets are whole hours, such as Europe/Amsterdam, on the clock's hours). A multiple may be
given: `15minute`, `6hour`, `2week`, `3month` (a quarter)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stadsdata.errors import BadRequest

UNITS = ("minute", "hour", "day", "week", "month", "year")
_INTERVAL = re.compile(r"^(\d{1,4})?(minute|hour|day|week|month|year)s?$")


@dataclass(frozen=True)
class Interval:
    unit: str
    step: int = 1

    def __str__(self) -> str:
        return self.unit if self.step == 1 else f"{self.step}{self.unit}"


def parse_interval(text: str) -> Interval:
    match = _INTERVAL.match(text.strip().lower())
    if match is None:
        raise BadRequest(f"interval must be one of {', '.join(UNITS)}, optionally with a multiple such as 15minute", field="interval")
    step = int(match[1] or 1)
    if step < 1:
        raise BadRequest("interval: the multiple must be 1 or more", field="interval")
    return Interval(match[2], step)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadRequest(f"timezone: '{name}' is not a time zone of the IANA database, such as Europe/Amsterdam", field="timezone") from None


def buckets(start: datetime, end: datetime, interval: Interval, tz: ZoneInfo, limit: int) -> list[datetime]:
    """The UTC starts of the buckets that cover [start, end), and the end of the last one: at most
    `limit` buckets (more: 400 naming `interval`)."""
    if interval.unit in ("minute", "hour"):
        length = timedelta(minutes=interval.step) if interval.unit == "minute" else timedelta(hours=interval.step)
        offset = start.astimezone(tz).utcoffset() or timedelta(0)
        anchor = datetime(1970, 1, 1, tzinfo=UTC) - offset
        first = anchor + ((start - anchor) // length) * length
        count = -(-(end - first) // length)
        _check(count, limit)
        return [first + i * length for i in range(count + 1)]
    local = start.astimezone(tz)
    day = local.date()
    if interval.unit == "week":
        day -= timedelta(days=day.weekday())
    elif interval.unit == "month":
        day = day.replace(day=1)
    elif interval.unit == "year":
        day = day.replace(month=1, day=1)
    edges = [_midnight(day, tz)]
    while edges[-1] < end:
        _check(len(edges), limit)
        day = _next(day, interval)
        edges.append(_midnight(day, tz))
    return edges


def _next(day: datetime.date, interval: Interval) -> datetime.date:  # type: ignore[name-defined]
    if interval.unit == "day":
        return day + timedelta(days=interval.step)
    if interval.unit == "week":
        return day + timedelta(weeks=interval.step)
    months = day.month - 1 + (interval.step if interval.unit == "month" else 12 * interval.step)
    return day.replace(year=day.year + months // 12, month=months % 12 + 1)


def _midnight(day: datetime.date, tz: ZoneInfo) -> datetime:  # type: ignore[name-defined]
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def _check(count: int, limit: int) -> None:
    if count > limit:
        raise BadRequest(f"more than {limit} buckets: ask for a longer interval or a shorter range (setting aggregate_max_buckets)",
                         field="interval")  # fmt: skip


def on_the_hour(moments: list[datetime]) -> bool:
    """Whether every one of these instants is a whole UTC hour (so hourly rollups add up to the buckets)."""
    return all(m.minute == 0 and m.second == 0 and m.microsecond == 0 for m in (x.astimezone(UTC) for x in moments))
