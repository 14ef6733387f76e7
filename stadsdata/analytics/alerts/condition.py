"""What every alert rule kind is: a condition over one stream's readings in phenomenon-time order,
advanced by `step` with the per-stream state as a dict (JSON, kept in the database by the
evaluator), that emits `Event`s: 'fire' (an alert opens) and 'clear' (the open alert resolves).

A kind may also judge a late reading (one at or before what it saw of the stream) against the stored
readings around it (`late_window`, `late_start`), and may be bound to one stream's facts (its unit
and declared range, `for_stream`). The kinds are registered in `kinds.py`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from stadsdata.errors import BadRequest

Reading = tuple[datetime, float]
TINY = timedelta(microseconds=1)


@dataclass(frozen=True)
class Event:
    """What a reading did: 'fire' (an alert opens) or 'clear' (the open alert resolves). `key`
    tells conditions with more than one alert a stream apart (e.g. an hourly and a daily limit);
    `note` is said in the alert's message."""

    kind: str
    time: datetime
    value: float
    key: str = ""
    note: str = ""


class Condition:
    """The base of the rule kinds: defaults for what a kind need not do."""

    def step(self, state: dict[str, Any], readings: Iterable[Reading]) -> list[Event]:
        raise NotImplementedError

    def for_stream(self, facts: Mapping[str, Any]) -> Condition:
        """This condition for one stream (`facts`: its datastreams row); most kinds need nothing of it."""
        return self

    def late_window(self, time: datetime) -> tuple[datetime, datetime] | None:
        """The span of stored readings a late reading at `time` is judged on; None: this kind
        does not judge late readings (they only reach the stored data and the reports)."""
        return None

    def late_start(self, around: Sequence[Reading], time: datetime, value: float) -> datetime | None:
        """Whether the late reading (time, value) opens an alert, judged on the stored readings
        `around` it (itself included): the start of the run it belongs to, or None."""
        return None

    def describe(self) -> str:
        """The condition in words, for alert messages."""
        raise NotImplementedError


def number(params: Mapping[str, Any], name: str, default: float | None = None, *, low: float | None = None,
           high: float | None = None, above: float | None = None) -> float:  # fmt: skip
    """A finite number parameter (400 naming `params.<name>` when missing or wrong)."""
    raw = params.get(name, default)
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw != raw or abs(raw) == float("inf"):
        raise BadRequest(f"params.{name} must be a finite number", field=f"params.{name}")
    value = float(raw)
    if above is not None and not value > above:
        raise BadRequest(f"params.{name} must be more than {above:g}", field=f"params.{name}")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"between {low:g} and {high:g}" if low is not None and high is not None else (
            f"at least {low:g}" if low is not None else f"at most {high:g}")  # fmt: skip
        raise BadRequest(f"params.{name} must be {bounds}", field=f"params.{name}")
    return value


def choice(params: Mapping[str, Any], name: str, options: Sequence[str], default: str | None = None) -> str:
    """One of `options` (400 naming `params.<name>` otherwise)."""
    raw = params.get(name, default)
    if raw not in options:
        raise BadRequest(f"params.{name} must be one of {', '.join(options)}", field=f"params.{name}")
    return str(raw)


def seconds(span: timedelta) -> str:
    """A duration in words: '90 s', '15 min', '2 h', '3 d'."""
    total = span.total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if total >= size and total % size == 0:
            return f"{total / size:g} {unit}"
    return f"{total:g} s"
