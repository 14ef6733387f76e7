"""Groundwater levels against the municipality's thresholds: per well the latest level, its trend
(the least-squares slope of the daily means over the range, in m a week) and its state — `low`
below the low threshold, `high` above the high one, `ok` between — with the days until the trend
crosses a threshold it is heading for. Thresholds are in the wells' unit (e.g. m NAP); either may be
left out. Alerts on these levels are alert rules (`analytics/alerts/`, kinds threshold and rate of
change) over the same streams."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stadsdata.analytics.public_space.readings import StreamSeries
from stadsdata.analytics.public_space.trend import slope_per_day


@dataclass(frozen=True)
class Well:
    series: StreamSeries
    level: float | None
    trend_per_day: float | None
    state: str  # low, high, ok, unknown (no reading)
    days_until: float | None  # until the trend crosses the threshold it heads for (None: not heading for one)
    heading_for: str | None  # 'low' or 'high'

    def as_json(self) -> dict[str, Any]:
        latest = self.series.latest
        return {**self.series.place(), "level": self.level,
                "measuredAt": None if latest.phenomenon_time is None else latest.phenomenon_time.isoformat().replace("+00:00", "Z"),
                "trendPerWeek": None if self.trend_per_day is None else round(self.trend_per_day * 7, 4), "state": self.state,
                "headingFor": self.heading_for, "daysUntil": None if self.days_until is None else round(self.days_until, 1)}  # fmt: skip


def assess_wells(wells: list[StreamSeries], low: float | None, high: float | None) -> list[Well]:
    order = {"low": 0, "high": 1, "ok": 2, "unknown": 3}
    out = [_well(s, low, high) for s in wells]
    return sorted(out, key=lambda w: (order[w.state], w.days_until if w.days_until is not None else float("inf"), w.series.latest.thing_name))


def _well(series: StreamSeries, low: float | None, high: float | None) -> Well:
    result = series.latest.result
    level = float(result) if isinstance(result, int | float) and not isinstance(result, bool) else None
    trend = slope_per_day([(p.time, p.mean) for p in series.points])
    if level is None:
        return Well(series, None, trend, "unknown", None, None)
    state = "low" if low is not None and level < low else "high" if high is not None and level > high else "ok"
    heading, days = None, None
    if state == "ok" and trend:
        if trend < 0 and low is not None:
            heading, days = "low", (level - low) / -trend
        elif trend > 0 and high is not None:
            heading, days = "high", (high - level) / trend
    return Well(series, level, trend, state, days, heading)
