"""The `rate_of_change` condition: the change between two consecutive readings of a stream, scaled
to a period (`perSeconds`, default an hour), is more than `maxChange` in the watched direction
(`rise`, `fall` or `either`). It fires on the reading that ends such a step and clears on the next
step within the limit. A late reading is judged on the steps to its stored neighbours."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from stadsdata.analytics.alerts.condition import Condition, Event, Reading, choice, number, seconds

DIRECTIONS = ("rise", "fall", "either")
NEIGHBOURS = timedelta(hours=6)  # how far a late reading's neighbours are looked for


@dataclass(frozen=True)
class RateOfChange(Condition):
    max_change: float  # > 0, in the stream's unit per `per`
    per: timedelta
    direction: str = "either"

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> RateOfChange:
        max_change = number(params, "maxChange", above=0)
        per = number(params, "perSeconds", 3600.0, low=1, high=366 * 86400)
        return cls(max_change, timedelta(seconds=per), choice(params, "direction", DIRECTIONS, "either"))

    def rate(self, earlier: Reading, later: Reading) -> float | None:
        """The change from `earlier` to `later` per `per`; None when they are at the same time."""
        span = (later[0] - earlier[0]).total_seconds()
        return (later[1] - earlier[1]) / span * self.per.total_seconds() if span > 0 else None

    def breaks(self, rate: float | None) -> bool:
        if rate is None:
            return False
        if self.direction == "rise":
            return rate > self.max_change
        if self.direction == "fall":
            return rate < -self.max_change
        return abs(rate) > self.max_change

    def step(self, state: dict[str, Any], readings: Iterable[Reading]) -> list[Event]:
        events: list[Event] = []
        firing = bool(state.get("firing"))
        last: Reading | None = (datetime.fromisoformat(state["last_time"]), state["last_value"]) if state.get("last_time") else None
        for reading in readings:
            rate = self.rate(last, reading) if last is not None else None
            if rate is not None:
                if self.breaks(rate) and not firing:
                    firing = True
                    events.append(Event("fire", reading[0], reading[1], note=f"changed {rate:+.4g} per {seconds(self.per)}"))
                elif not self.breaks(rate) and firing:
                    firing = False
                    events.append(Event("clear", reading[0], reading[1]))
            last = reading
        if last is not None:
            state["last_time"], state["last_value"], state["firing"] = last[0].isoformat(), last[1], firing
        return events

    def late_window(self, time: datetime) -> tuple[datetime, datetime]:
        return time - NEIGHBOURS, time + NEIGHBOURS

    def late_start(self, around: Sequence[Reading], time: datetime, value: float) -> datetime | None:
        before = [r for r in around if r[0] < time]
        after = [r for r in around if r[0] > time]
        this = (time, value)
        steps = ([self.rate(before[-1], this)] if before else []) + ([self.rate(this, after[0])] if after else [])
        return time if any(self.breaks(r) for r in steps) else None

    def describe(self) -> str:
        way = {"rise": "rises", "fall": "falls", "either": "changes"}[self.direction]
        return f"{way} more than {self.max_change:g} per {seconds(self.per)}"
