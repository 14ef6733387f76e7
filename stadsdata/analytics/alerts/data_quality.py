"""The `data_quality` condition, one check a rule (`check`):

- `out_of_range`: a reading outside [min, max] (`params.min`/`params.max`; when neither is given,
  the stream's own range: its `properties.validRange` or the physical bounds of its unit, as the
  data-quality report uses, `analytics/quality/ranges.py`). Fires on such a reading, clears on the
  next one inside. Late readings are judged too (on their own value).
- `outlier`: a reading whose robust z-score (distance from the median in median absolute
  deviations, as the report's outlier check) against the stream's previous `WINDOW` readings is more
  than `params.z` (default 3.5, the report's). Needs `MIN_HISTORY` readings first. Fires on an
  outlier, clears on the next reading that is not. Late readings are not judged.

The report's other findings have kinds of their own: a gap is `stale`, a flat line `stuck`."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from stadsdata.analytics.alerts.condition import TINY, Condition, Event, Reading, choice, number
from stadsdata.analytics.quality.checks import DEFAULT_RULES
from stadsdata.analytics.quality.ranges import valid_range
from stadsdata.errors import BadRequest

CHECKS = ("out_of_range", "outlier")
WINDOW = 60  # previous readings an outlier is judged against
MIN_HISTORY = 10


@dataclass(frozen=True)
class DataQuality(Condition):
    check: str
    low: float | None = None
    high: float | None = None
    z: float = DEFAULT_RULES.outlier_z
    own_range: bool = False  # out_of_range without min/max: the stream's range, bound by `for_stream`

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> DataQuality:
        check = choice(params, "check", CHECKS)
        if check == "outlier":
            return cls(check, z=number(params, "z", DEFAULT_RULES.outlier_z, low=1, high=100))
        low = number(params, "min") if params.get("min") is not None else None
        high = number(params, "max") if params.get("max") is not None else None
        if low is not None and high is not None and low >= high:
            raise BadRequest("params.min must be less than params.max", field="params.min")
        return cls(check, low, high, own_range=low is None and high is None)

    def for_stream(self, facts: Mapping[str, Any]) -> Condition:
        if not self.own_range:
            return self
        low, high = valid_range({"properties": facts.get("properties"), "unitOfMeasurement": facts.get("unit_of_measurement")})
        return replace(self, low=low, high=high, own_range=False)

    def outside(self, value: float) -> bool:
        return (self.low is not None and value < self.low) or (self.high is not None and value > self.high)

    def step(self, state: dict[str, Any], readings: Iterable[Reading]) -> list[Event]:
        if self.check == "outlier":
            return self._outliers(state, readings)
        events: list[Event] = []
        firing = bool(state.get("firing"))
        for time, value in readings:
            if self.outside(value) and not firing:
                firing = True
                events.append(Event("fire", time, value, note=f"outside {self._range()}"))
            elif not self.outside(value) and firing:
                firing = False
                events.append(Event("clear", time, value))
        state["firing"] = firing
        return events

    def _outliers(self, state: dict[str, Any], readings: Iterable[Reading]) -> list[Event]:
        events: list[Event] = []
        firing = bool(state.get("firing"))
        window: list[float] = list(state.get("window", []))
        for time, value in readings:
            score = _robust_z(window, value) if len(window) >= MIN_HISTORY else None
            if score is not None and score > self.z and not firing:
                firing = True
                events.append(Event("fire", time, value, note=f"robust z-score {score:.1f} against the previous {len(window)} readings"))
            elif (score is None or score <= self.z) and firing:
                firing = False
                events.append(Event("clear", time, value))
            window = [*window, value][-WINDOW:]
        state["firing"], state["window"] = firing, window
        return events

    def late_window(self, time: datetime) -> tuple[datetime, datetime] | None:
        return (time, time + TINY) if self.check == "out_of_range" else None

    def late_start(self, around: Sequence[Reading], time: datetime, value: float) -> datetime | None:
        return time if self.check == "out_of_range" and self.outside(value) else None

    def _range(self) -> str:
        return f"[{'-∞' if self.low is None else f'{self.low:g}'}, {'∞' if self.high is None else f'{self.high:g}'}]"

    def describe(self) -> str:
        if self.check == "outlier":
            return f"an outlier (robust z-score above {self.z:g})"
        return "outside the stream's valid range" if self.own_range else f"outside {self._range()}"


def _robust_z(window: Sequence[float], value: float) -> float | None:
    middle = statistics.median(window)
    deviations = [abs(v - middle) for v in window]
    mad = statistics.median(deviations)
    scale = mad / 0.6745 if mad > 0 else statistics.fmean(deviations) * 1.2533
    return abs(value - middle) / scale if scale > 0 else None
