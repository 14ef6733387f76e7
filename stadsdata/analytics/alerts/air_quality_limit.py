"""The `air_quality` condition: the hourly and daily means of a pollutant stream against the
short-term limit values of a standard (`analytics/air_quality/standards.py`: EU 2008/50/EC, (EU)
2024/2881 from 2030, WHO 2021), with the same coverage rules as the air-quality report
(`analytics/air_quality/means.py`): an hourly mean counts with 75 % of the hour measured, a daily mean
with 75 % of the day's hours valid (local days, Europe/Amsterdam unless `timeZone` says otherwise).

As readings are committed, an hour closes when the first reading of a later hour arrives, a day when
the first hour of a later day closes. A valid mean strictly above the limit value fires (key 'hour'
or 'day'; the message says which exceedance of the calendar year it is and how many are allowed);
the next valid mean at or below it clears. The exceedance that passes the number allowed in a
calendar year opens one more alert (key 'hour-year' / 'day-year': the limit value is exceeded for
that year), which its owner resolves. An hour's coverage is judged against the stream's usual
count of readings an hour, here the median count of its last 24 closed hours (the report takes the
median over its whole period). Annual means are not alerted (a year is known only at its end: the
report at `/api/v1/air-quality` gives them), nor are late readings re-judged (they reach the report)."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stadsdata.analytics.air_quality.means import DAY_RULE, HOUR_RULE
from stadsdata.analytics.air_quality.standards import POLLUTANTS, STANDARDS, Limit
from stadsdata.analytics.alerts.condition import Condition, Event, Reading, choice
from stadsdata.errors import BadRequest

HOUR = timedelta(hours=1)
USUAL_OVER = 24  # closed hours whose counts give the usual count an hour


@dataclass(frozen=True)
class AirQualityLimit(Condition):
    pollutant: str
    standard: str
    limits: tuple[Limit, ...]  # the standard's hourly and daily limits of the pollutant
    zone: ZoneInfo

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> AirQualityLimit:
        pollutant = choice(params, "pollutant", POLLUTANTS)
        standard = choice(params, "standard", tuple(STANDARDS), "eu-2008")
        limits = tuple(limit for limit in STANDARDS[standard].of(pollutant) if limit.period in ("hour", "day"))
        if not limits:
            raise BadRequest(
                f"{STANDARDS[standard].title} has no hourly or daily limit for {pollutant}; its annual mean is in the "
                "air-quality report, not an alert", field="params.pollutant")  # fmt: skip
        name = params.get("timeZone", "Europe/Amsterdam")
        try:
            zone = ZoneInfo(name) if isinstance(name, str) else None
        except (ZoneInfoNotFoundError, ValueError):
            zone = None
        if zone is None or any((zone.utcoffset(datetime(2026, m, 1)) or HOUR).total_seconds() % 3600 for m in (1, 7)):
            raise BadRequest("params.timeZone must be an IANA time zone whose offset is whole hours", field="params.timeZone")
        return cls(pollutant, standard, limits, zone)

    def limit(self, period: str) -> Limit | None:
        return next((limit for limit in self.limits if limit.period == period), None)

    def step(self, state: dict[str, Any], readings: Iterable[Reading]) -> list[Event]:
        events: list[Event] = []
        for time, value in readings:
            start = time.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
            hour = state.get("hour")
            if hour is not None and start > datetime.fromisoformat(hour["start"]):
                self._close_hour(state, events)
                hour = None
            if hour is None:
                state["hour"] = {"start": start.isoformat(), "sum": value, "count": 1}
            elif start == datetime.fromisoformat(hour["start"]):
                hour["sum"] += value
                hour["count"] += 1
        return events

    def _close_hour(self, state: dict[str, Any], events: list[Event]) -> None:
        hour = state.pop("hour")
        start, mean, count = datetime.fromisoformat(hour["start"]), hour["sum"] / hour["count"], hour["count"]
        counts = [*state.get("counts", []), count][-USUAL_OVER:]
        state["counts"] = counts
        valid = min(1.0, count / max(1.0, statistics.median(counts))) >= HOUR_RULE
        if not valid:
            return
        self._judge(state, events, "hour", start, mean)
        local = start.astimezone(self.zone).date().isoformat()
        day = state.get("day")
        if day is not None and day["date"] != local:
            self._close_day(state, events)
            day = None
        if day is None:
            state["day"] = {"date": local, "sum": mean, "hours": 1}
        else:
            day["sum"] += mean
            day["hours"] += 1

    def _close_day(self, state: dict[str, Any], events: list[Event]) -> None:
        day = state.pop("day")
        date = datetime.fromisoformat(day["date"]).date()
        midnight = datetime.combine(date, datetime.min.time(), self.zone)
        following = datetime.combine(date + timedelta(days=1), datetime.min.time(), self.zone)
        hours = (following.astimezone(UTC) - midnight.astimezone(UTC)) / HOUR
        if day["hours"] >= DAY_RULE * hours:
            self._judge(state, events, "day", midnight.astimezone(UTC), day["sum"] / day["hours"])

    def _judge(self, state: dict[str, Any], events: list[Event], period: str, start: datetime, mean: float) -> None:
        limit = self.limit(period)
        if limit is None:
            return
        firing: dict[str, bool] = state.setdefault("firing", {})
        if mean > limit.value:
            year = f"{period}:{start.astimezone(self.zone).year}"
            counted: dict[str, int] = state.setdefault("exceedances", {})
            counted[year] = counted.get(year, 0) + 1
            if limit.allowed is not None and counted[year] == limit.allowed + 1:  # the year's limit value is now exceeded
                note = f"{counted[year]} {period}ly means above {limit.value:g} µg/m³ in {year.split(':')[1]}, {limit.allowed} allowed ({self.standard})"
                events.append(Event("fire", start, mean, key=f"{period}-year", note=note.replace("dayly", "daily")))
            if not firing.get(period):
                firing[period] = True
                note = (f"{period}ly mean {mean:.1f} µg/m³ above {limit.value:g} ({self.standard}); exceedance "
                        f"{counted[year]} of {limit.allowed} allowed in {year.split(':')[1]}")  # fmt: skip
                events.append(Event("fire", start, mean, key=period, note=note.replace("dayly", "daily")))
        elif firing.get(period):
            firing[period] = False
            events.append(Event("clear", start, mean, key=period))

    def describe(self) -> str:
        shown = ", ".join(f"{limit.period}ly mean above {limit.value:g} µg/m³" for limit in self.limits)
        return f"{self.pollutant} {shown.replace('dayly', 'daily')} ({self.standard})"
