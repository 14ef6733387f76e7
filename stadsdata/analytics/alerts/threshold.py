"""The `threshold` condition: a reading above (or below) a value fires once the condition has held
for a minimum duration; it clears only when a reading is back past the value by the hysteresis.
A late reading opens a (late) alert when the run of readings meeting the condition that ends with
it lasted the minimum duration."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from stadsdata.analytics.alerts.condition import TINY, Condition, Event, Reading, choice, number, seconds
from stadsdata.errors import BadRequest

OPERATORS = ("above", "below")


@dataclass(frozen=True)
class Threshold(Condition):
    """A threshold rule's parameters."""

    operator: str  # 'above' or 'below'
    value: float
    hysteresis: float = 0.0
    min_duration: timedelta = timedelta(0)

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Threshold:
        """Validate a rule's `params` (400 naming the field when wrong)."""
        operator = choice(params, "operator", OPERATORS)
        value = number(params, "value")
        hysteresis = number(params, "hysteresis", 0.0)
        if hysteresis < 0:
            raise BadRequest("params.hysteresis must not be negative", field="params.hysteresis")
        duration = number(params, "minDurationSeconds", 0.0)
        if not 0 <= duration <= 366 * 86400:
            raise BadRequest("params.minDurationSeconds must be between 0 and one year", field="params.minDurationSeconds")
        return cls(operator, value, hysteresis, timedelta(seconds=duration))

    def on(self, value: float) -> bool:
        """Whether a reading meets the condition."""
        return value > self.value if self.operator == "above" else value < self.value

    def off(self, value: float) -> bool:
        """Whether a reading clears a firing condition (past the value by the hysteresis)."""
        if self.operator == "above":
            return value <= self.value - self.hysteresis
        return value >= self.value + self.hysteresis

    def step(self, state: dict[str, Any], readings: Iterable[Reading]) -> list[Event]:
        return step(self, state, readings)

    def late_window(self, time: datetime) -> tuple[datetime, datetime]:
        return time - (2 * self.min_duration + timedelta(hours=1)), time + TINY

    def late_start(self, around: Sequence[Reading], time: datetime, value: float) -> datetime | None:
        start = late_run_start(self, around)
        return start if start is not None and time - start >= self.min_duration else None

    def describe(self) -> str:
        held = f" for {seconds(self.min_duration)}" if self.min_duration else ""
        return f"{self.operator} {self.value:g}{held}"


def step(rule: Threshold, state: dict[str, Any], readings: Iterable[Reading]) -> list[Event]:
    """Advance the live state over readings newer than `state['seen_until']`, in phenomenon-time
    order; the state (seen_until, pending_since, firing) is updated in place."""
    events: list[Event] = []
    firing = bool(state.get("firing"))
    since = datetime.fromisoformat(state["pending_since"]) if state.get("pending_since") else None
    last = None
    on, off, needed = rule.on, rule.off, rule.min_duration
    for time, value in readings:
        last = time
        if firing:
            if off(value):
                firing, since = False, None
                events.append(Event("clear", time, value))
            continue
        if not on(value):
            since = None
            continue
        if since is None:
            since = time
        if time - since >= needed:
            firing = True
            events.append(Event("fire", time, value))
    if last is not None:
        state["seen_until"] = last.isoformat()
        state["pending_since"] = since.isoformat() if since is not None and not firing else None
        state["firing"] = firing
    return events


def late_run_start(rule: Threshold, neighbourhood: Sequence[Reading]) -> datetime | None:
    """The start of the run of readings meeting the condition that ends with the last reading of
    `neighbourhood` (stored readings up to and including a late one, in phenomenon-time order);
    None when the last one does not meet it. When every reading given meets it, the first one's
    time is taken (a conservative start: a late reading may fire too rarely, never wrongly)."""
    if not neighbourhood or not rule.on(neighbourhood[-1][1]):
        return None
    start = neighbourhood[-1][0]
    for time, value in reversed(neighbourhood):
        if not rule.on(value):
            break
        start = time
    return start
