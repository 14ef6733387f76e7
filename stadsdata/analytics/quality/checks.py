"""The checks of a Datastream's data quality, over its readings in a time range (no I/O).

- **gap**: a stretch without readings longer than `gap_factor` × the stream's usual interval (the
  median time between its readings in the range) and at least `min_gap`; also at the start and at
  the end of the range (up to now), so a sensor that went quiet shows as a gap.
- **outlier**: a value whose robust z-score, 0.6745 × (value − median) / MAD over the range's
  values, exceeds `outlier_z` (Iglewicz and Hoaglin's modified z-score; 3.5 by default). When more
  than half the values are equal (MAD 0) the mean absolute deviation stands in for it (× 1.2533).
  The score is over the whole range, not a moving window: a daily cycle stays within it, a spike
  or a drop to zero does not.
- **flat_line**: `flat_run` or more equal values in a row (a stuck sensor).
- **out_of_range**: values outside the physically possible range of the unit, or the stream's own
  `properties.validRange` (`ranges.py`); consecutive ones are one finding.
- **late**: a reading that arrived (in the order the platform stored them) after a reading whose
  phenomenon time is later by more than `late_after`, or whose resultTime is more than
  `late_after` after its phenomenon time.

Only numeric results are checked for outliers, flat lines and range; gaps and lateness apply to
every result type."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from stadsdata.analytics.quality.ranges import Range

KINDS = ("gap", "outlier", "flat_line", "out_of_range", "late")
MAX_FINDINGS = 500  # findings listed per kind; `counts` has them all


@dataclass(frozen=True)
class Reading:
    id: int  # the order the platform stored it in
    time: datetime  # phenomenon time (its start)
    value: float | None  # the result when it is a number
    result_time: datetime | None = None


@dataclass(frozen=True)
class Rules:
    gap_factor: float = 3.0
    min_gap: timedelta = timedelta(minutes=5)
    outlier_z: float = 3.5
    flat_run: int = 6
    late_after: timedelta = timedelta(hours=1)


DEFAULT_RULES = Rules()


@dataclass(frozen=True)
class Finding:
    kind: str
    start: datetime
    end: datetime
    count: int  # readings in it (0 for a gap)
    value: float | None = None  # the value of an outlier, flat line or out-of-range reading (the first)
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "start": _iso(self.start), "end": _iso(self.end), "count": self.count, "value": self.value,
                "detail": self.detail}  # fmt: skip


@dataclass
class Assessment:
    readings: int
    numeric: int
    usual_interval: timedelta | None  # median time between readings; None with fewer than 3 readings
    completeness: float | None  # readings present / readings expected at the usual interval, at most 1
    counts: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.counts[finding.kind] += 1
        if self.counts[finding.kind] <= MAX_FINDINGS:
            self.findings.append(finding)


def assess(readings: list[Reading], start: datetime, end: datetime, valid: Range, rules: Rules = DEFAULT_RULES) -> Assessment:
    """The findings among `readings` (any order) of the range [start, end); `end` is the range's end
    or now, whichever is earlier (a gap does not run into the future)."""
    by_time = sorted(readings, key=lambda r: (r.time, r.id))
    numbers = [r for r in by_time if r.value is not None]
    usual = _usual_interval(by_time)
    result = Assessment(len(by_time), len(numbers), usual, _completeness(len(by_time), usual, start, end))
    if usual is not None:
        _gaps(result, by_time, start, end, max(usual * rules.gap_factor, rules.min_gap))
    _outliers(result, numbers, rules.outlier_z)
    _flat_lines(result, numbers, rules.flat_run)
    _out_of_range(result, numbers, valid)
    _late(result, readings, rules.late_after)
    result.findings.sort(key=lambda f: (f.start, KINDS.index(f.kind)))
    return result


def _usual_interval(by_time: list[Reading]) -> timedelta | None:
    steps = [b.time - a.time for a, b in zip(by_time, by_time[1:], strict=False) if b.time > a.time]
    return statistics.median(steps) if len(steps) >= 2 else None


def _completeness(count: int, usual: timedelta | None, start: datetime, end: datetime) -> float | None:
    if usual is None or end <= start:
        return None
    return round(min(1.0, count / max(1.0, (end - start) / usual)), 4)


def _gaps(result: Assessment, by_time: list[Reading], start: datetime, end: datetime, longest: timedelta) -> None:
    edges = [start, *(r.time for r in by_time), end]
    for before, after in zip(edges, edges[1:], strict=False):
        if after - before > longest:
            hours = (after - before).total_seconds() / 3600
            result.add(Finding("gap", before, after, 0, detail=f"{hours:.1f} h without readings"))


def _outliers(result: Assessment, numbers: list[Reading], limit: float) -> None:
    if len(numbers) < 5:
        return
    values = [r.value for r in numbers]
    middle = statistics.median(values)  # type: ignore[type-var]
    deviations = [abs(v - middle) for v in values]  # type: ignore[operator]
    mad = statistics.median(deviations)
    scale = mad / 0.6745 if mad > 0 else statistics.fmean(deviations) * 1.2533
    if scale == 0:
        return
    for reading, deviation in zip(numbers, deviations, strict=True):
        score = deviation / scale
        if score > limit:
            result.add(Finding("outlier", reading.time, reading.time, 1, reading.value, f"robust z-score {score:.1f}"))


def _flat_lines(result: Assessment, numbers: list[Reading], shortest: int) -> None:
    run: list[Reading] = []
    for reading in [*numbers, None]:
        if reading is not None and run and reading.value == run[0].value:
            run.append(reading)
            continue
        if len(run) >= shortest:
            result.add(Finding("flat_line", run[0].time, run[-1].time, len(run), run[0].value, f"{len(run)} equal values in a row"))
        run = [reading] if reading is not None else []


def _out_of_range(result: Assessment, numbers: list[Reading], valid: Range) -> None:
    low, high = valid
    if low is None and high is None:
        return
    run: list[Reading] = []
    for reading in [*numbers, None]:
        outside = reading is not None and ((low is not None and reading.value < low) or (high is not None and reading.value > high))  # type: ignore[operator]
        if outside:
            run.append(reading)  # type: ignore[arg-type]
            continue
        if run:
            bounds = f"[{'' if low is None else low}, {'' if high is None else high}]"
            result.add(Finding("out_of_range", run[0].time, run[-1].time, len(run), run[0].value, f"outside {bounds}"))
        run = []


def _late(result: Assessment, readings: list[Reading], late_after: timedelta) -> None:
    latest: datetime | None = None
    for reading in sorted(readings, key=lambda r: r.id):
        behind = latest - reading.time if latest is not None else timedelta(0)
        lag = reading.result_time - reading.time if reading.result_time is not None else timedelta(0)
        if behind > late_after:
            result.add(Finding("late", reading.time, reading.time, 1, reading.value, f"arrived after a reading {_hours(behind)} later"))
        elif lag > late_after:
            result.add(Finding("late", reading.time, reading.time, 1, reading.value, f"resultTime {_hours(lag)} after the phenomenon"))
        if latest is None or reading.time > latest:
            latest = reading.time


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:.1f} h"


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
