"""Mow when needed: the grass fields whose grass has reached the mowing height, and when the others
will, from their grass-height sensors.

Per field: the latest height; the growth in cm a day, the least-squares slope of the daily means
since the field was last mown (the last day whose mean dropped by more than `MOWN_DROP_CM` from
the day before, or the day after it when that is lower still: mown during the day) — with fewer
than two such days the growth is unknown; and the days until it
reaches the mowing height at that growth. The list puts the fields to mow now first (tallest first),
then the others by the days until they must be mown (unknown growth last)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stadsdata.analytics.public_space.readings import StreamSeries
from stadsdata.analytics.public_space.trend import slope_per_day

MOWN_DROP_CM = 2.0


@dataclass(frozen=True)
class Field:
    series: StreamSeries
    height: float | None  # cm, the latest reading
    growth: float | None  # cm a day since the last mowing
    days_until: float | None  # until the mowing height; 0: mow now; None: not known

    def as_json(self) -> dict[str, Any]:
        latest = self.series.latest
        return {**self.series.place(), "heightCm": self.height, "measuredAt": _iso(latest.phenomenon_time),
                "growthCmPerDay": None if self.growth is None else round(self.growth, 3),
                "daysUntilMowing": None if self.days_until is None else round(self.days_until, 1),
                "mowNow": self.days_until == 0}  # fmt: skip


def mowing_list(fields: list[StreamSeries], mowing_height: float) -> list[Field]:
    out = [_field(s, mowing_height) for s in fields]
    return sorted(out, key=lambda f: (f.days_until is None, f.days_until if f.days_until is not None else 0, -(f.height or 0)))


def _field(series: StreamSeries, mowing_height: float) -> Field:
    result = series.latest.result
    height = float(result) if isinstance(result, int | float) and not isinstance(result, bool) else None
    days = [(p.time, p.mean) for p in series.points]
    last_mown = max((i for i in range(1, len(days)) if days[i - 1][1] - days[i][1] > MOWN_DROP_CM), default=0)
    while last_mown + 1 < len(days) and days[last_mown + 1][1] < days[last_mown][1]:
        last_mown += 1  # mown during a day: its mean is half before, half after; the next day's is lower still
    growth = slope_per_day(days[last_mown:])
    if height is None:
        until = None
    elif height >= mowing_height:
        until = 0.0
    elif growth is not None and growth > 0:
        until = (mowing_height - height) / growth
    else:
        until = None
    return Field(series, height, growth, until)


def _iso(moment: Any) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")
