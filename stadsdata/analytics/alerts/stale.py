"""The `stale` condition (missing data): a stream's newest reading is older than `maxAgeSeconds`.
Absence cannot be seen in a commit, so the evaluator checks the stale rules on a timer against the
per-stream summary (the newest phenomenon time of each stream, read without scanning observations):
`overdue` fires; the next reading that arrives clears it (`step`). A stream that never reported is
not stale (it has not started)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from stadsdata.analytics.alerts.condition import Condition, Event, Reading, number, seconds


@dataclass(frozen=True)
class Stale(Condition):
    max_age: timedelta

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Stale:
        return cls(timedelta(seconds=number(params, "maxAgeSeconds", low=1, high=366 * 86400)))

    def step(self, state: dict[str, Any], readings: Iterable[Reading]) -> list[Event]:
        newest = max(readings, default=None)
        if newest is None:
            return []
        was = bool(state.get("firing"))
        state["firing"] = False
        return [Event("clear", newest[0], newest[1])] if was else []

    def overdue(self, state: dict[str, Any], newest: Reading | None, now: datetime) -> Event | None:
        """At `now`, with the stream's newest reading: the event that opens an alert, if it is due."""
        if newest is None or state.get("firing") or now - newest[0] <= self.max_age:
            return None
        state["firing"] = True
        return Event("fire", newest[0], newest[1], note=f"no reading since {newest[0].isoformat()}")

    def describe(self) -> str:
        return f"no reading for more than {seconds(self.max_age)}"
