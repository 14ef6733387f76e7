"""Hourly, daily and period means of one stream with the coverage rules of directive 2008/50/EC,
Annex XI A ("criteria for checking validity"), the same in (EU) 2024/2881:

- an **hourly mean** is valid with at least 75 % of the hour (45 minutes) measured. The hourly
  rollups the store keeps give a count of readings per hour, not the minutes they cover, so the
  minutes are estimated: the stream's usual count per hour is the median count of its hours with
  data in the period, and an hour covers count ÷ usual of 60 minutes (at most all of it). Hourly data
  (one reading an hour, as Luchtmeetnet publishes) has usual count 1: each hour with its reading is
  valid. A sensor that reports every 10 minutes needs 5 readings (50 minutes) in an hour.
- a **daily mean** (the mean of the day's valid hourly means) is valid with at least 75 % of the
  day's hours valid: 18 of 24 (of 23 and 25 on the days the clocks change: 18 and 19).
- the **period (annual) mean** (the mean of all valid hourly means) is valid with at least 90 % of
  the period's hours valid (the directive's minimum data capture; its footnote leaves out losses for
  calibration and maintenance, which the data does not tell apart: they count as missing here).

A mean that fails its rule is kept, with `valid` false and its coverage, and is never counted as an
exceedance. Days are calendar days in the report's time zone (`report.py` says which and why)."""

from __future__ import annotations

import statistics
from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from stadsdata.store.base import SeriesPoint

HOUR_RULE = 0.75
DAY_RULE = 0.75
YEAR_RULE = 0.90
HOUR = timedelta(hours=1)


@dataclass(slots=True)  # not frozen: a year of hours is 8 760 of them, and a frozen one costs twice as much to make
class Mean:
    """The mean of one hour, day or period; `mean` is None when none of its parts had (valid) data."""

    start: datetime  # UTC
    label: str | None  # a day: its local date; a period: 'period'; an hour: None (its start in RFC 3339, UTC)
    mean: float | None
    coverage: float  # the share of the parts (minutes, hours) with (valid) data, 0 … 1
    valid: bool

    @property
    def time(self) -> str:
        return self.label if self.label is not None else _iso(self.start)

    def as_json(self) -> dict[str, Any]:
        return {"time": self.time, "mean": _round(self.mean), "coverage": round(self.coverage, 4), "valid": self.valid}


def hourly_means(points: list[SeriesPoint]) -> list[Mean]:
    """One mean per hour with data (`points`: the store's hourly aggregates of one stream)."""
    counts = [p.count for p in points if p.count > 0]
    if not counts:
        return []
    usual = max(1.0, statistics.median(counts))
    out = []
    for p in points:
        if p.count <= 0:
            continue
        coverage = min(1.0, p.count / usual)
        start = p.time if p.time.tzinfo is UTC else p.time.astimezone(UTC)
        out.append(Mean(start, None, p.mean, coverage, coverage >= HOUR_RULE))
    return out


def daily_means(hours: list[Mean], start: datetime, end: datetime, zone: ZoneInfo) -> list[Mean]:
    """One mean for every calendar day (in `zone`) of [start, end), which begin and end at midnight there."""
    valid = sorted((h.start, h.mean) for h in hours if h.valid and h.mean is not None)
    starts = [t for t, _ in valid]
    out = []
    day_start = start
    while day_start < end:
        local = day_start.astimezone(zone).date()
        day_end = min(end, datetime.combine(local + timedelta(days=1), datetime.min.time(), zone).astimezone(UTC))
        label = local.isoformat()
        values = [m for _, m in valid[bisect_left(starts, day_start) : bisect_left(starts, day_end)]]
        coverage = len(values) / ((day_end - day_start) / HOUR)
        out.append(Mean(day_start, label, sum(values) / len(values) if values else None, coverage, coverage >= DAY_RULE))
        day_start = day_end
    return out


def period_mean(hours: list[Mean], start: datetime, end: datetime) -> Mean:
    values = [h.mean for h in hours if h.valid and h.mean is not None and start <= h.start < end]
    coverage = len(values) / ((end - start) / HOUR)
    return Mean(start, "period", sum(values) / len(values) if values else None, coverage, coverage >= YEAR_RULE)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
