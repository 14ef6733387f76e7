"""The `stuck` condition: a stream's readings stay within `tolerance` of the first reading of their
run for at least `minDurationSeconds` (a sensor that repeats its last value). It fires on the reading
that completes the duration and clears on the first reading that departs. Late readings are not
judged (a stuck run is a matter of what arrives next); the data-quality report finds flat lines in
the stored data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from stadsdata.analytics.alerts.condition import Condition, Event, Reading, number, seconds


@dataclass(frozen=True)
class Stuck(Condition):
    min_duration: timedelta
    tolerance: float = 0.0

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Stuck:
        duration = number(params, "minDurationSeconds", low=1, high=366 * 86400)
        return cls(timedelta(seconds=duration), number(params, "tolerance", 0.0, low=0))

    def step(self, state: dict[str, Any], readings: Iterable[Reading]) -> list[Event]:
        events: list[Event] = []
        firing = bool(state.get("firing"))
        start = datetime.fromisoformat(state["run_start"]) if state.get("run_start") else None
        held: float | None = state.get("run_value")
        for time, value in readings:
            if start is None or held is None or abs(value - held) > self.tolerance:
                if firing:
                    events.append(Event("clear", time, value))
                start, held, firing = time, value, False
                continue
            if not firing and time - start >= self.min_duration:
                firing = True
                events.append(Event("fire", time, value, note=f"unchanged since {start.isoformat()}"))
        if start is not None:
            state["run_start"], state["run_value"], state["firing"] = start.isoformat(), held, firing
        return events

    def describe(self) -> str:
        within = f" (within {self.tolerance:g})" if self.tolerance else ""
        return f"stuck for {seconds(self.min_duration)}{within}"
