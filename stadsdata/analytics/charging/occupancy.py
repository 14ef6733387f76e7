"""Occupancy and energy of charge points (EVSEs) over a range, per charge point and per hour.

Every moment of an EVSE is in one state, decided by this rule (`docs/analytics.md`, "EV charging"):

1. its status then (the last status observation at or before it; before the first one: unknown),
   mapped by `STATES`: OCPI 2.2.1 `CHARGING` (the EVSE is in use) → charging; `BLOCKED` (a car
   stands there without charging) → connected-not-charging ("idle"); `AVAILABLE` → available;
   `RESERVED` → reserved; `INOPERATIVE`, `OUTOFORDER` → out of service; `PLANNED`, `REMOVED`,
   `UNKNOWN` → unknown. OCPP 1.6 words (the demo city's charge points) map alike: `Charging` →
   charging; `Preparing`, `SuspendedEV`, `SuspendedEVSE`, `Finishing`, `Occupied` → idle;
   `Faulted`, `Unavailable` → out of service;
2. overridden where a CDR says more (the receiver's `energy delivered` stream: an interval with
   `parameters.cdr_id`): connected over its interval, charging for its first `total_time` −
   `total_parking_time` hours (OCPI: the time not charging; we take it to come last, as a car
   that is full and stays), idle after that; without `total_time`, charging throughout;
3. overridden, above that, where an OCPI session says more: between two states of an `ACTIVE` (or, up to its
   end, `COMPLETED`) session, the EVSE is charging when the session's kWh grew, and connected but
   not charging when it did not (an active session with zero power); before its first state, from
   `start_date_time`, charging when that state has kWh > 0, else idle. `PENDING`, `RESERVATION`
   and `INVALID` sessions change nothing.

Connected (occupied) = charging + idle. Energy comes from the energy streams (CDRs, or the demo
city's energy per session): an observation over an interval is spread evenly over it, one at an
instant counts in its hour; sessions' kWh are not counted again. Time after `now` is not observed."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from stadsdata.analytics.charging.readings import ChargePoint, Observation

KINDS = ("charging", "idle", "available", "reserved", "unavailable", "unknown")
STATES = {
    "CHARGING": "charging", "BLOCKED": "idle", "AVAILABLE": "available", "RESERVED": "reserved", "INOPERATIVE": "unavailable",
    "OUTOFORDER": "unavailable", "PLANNED": "unknown", "REMOVED": "unknown", "UNKNOWN": "unknown",
    # OCPP 1.6 ChargePointStatus (and 1.5's Occupied)
    "PREPARING": "idle", "SUSPENDEDEV": "idle", "SUSPENDEDEVSE": "idle", "FINISHING": "idle", "OCCUPIED": "idle",
    "FAULTED": "unavailable", "UNAVAILABLE": "unavailable",
}  # fmt: skip
HOUR = timedelta(hours=1)


def state(status: str | None) -> str:
    return STATES.get(status.upper().replace("_", ""), "unknown") if isinstance(status, str) else "unknown"


Segment = tuple[datetime, datetime, str]  # [start, end) in one state


@dataclass
class Usage:
    """One EVSE's (or a group's) seconds in each state and kWh, in total and per hour."""

    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(KINDS, 0.0))
    kwh: float = 0.0
    hourly_seconds: dict[datetime, dict[str, float]] = field(
        default_factory=lambda: defaultdict(lambda: dict.fromkeys(KINDS, 0.0))
    )
    hourly_kwh: dict[datetime, float] = field(default_factory=lambda: defaultdict(float))

    def shares(self) -> dict[str, float]:
        total = sum(self.seconds.values())
        return {k: (v / total if total else 0.0) for k, v in self.seconds.items()}


def timeline(point: ChargePoint, start: datetime, end: datetime) -> list[Segment]:
    """The EVSE's states over [start, end) (see the module's docstring), in time order."""
    if end <= start:
        return []
    cuts: list[tuple[datetime, str]] = [(start, state(point.status_before))]
    cuts += [(o.start, state(o.result if isinstance(o.result, str) else None)) for o in sorted(point.statuses, key=lambda o: o.start)
             if start <= o.start < end]  # fmt: skip
    base = [
        (max(a, start), min(b, end), s) for (a, s), (b, _) in zip(cuts, [*cuts[1:], (end, "")], strict=True) if a < b
    ]
    told = cdr_states(point.energy) + session_states(point.sessions)  # later ones win: sessions over CDRs
    overrides = [(max(a, start), min(b, end), s) for a, b, s in told if a < end and b > start]
    return _overlay([seg for seg in base if seg[0] < seg[1]], [o for o in overrides if o[0] < o[1]])


def cdr_states(energy: list[Observation]) -> list[Segment]:
    """charging / idle segments from the CDRs (rule 2)."""
    out: list[Segment] = []
    for o in energy:
        if o.end <= o.start or not o.parameters or o.parameters.get("cdr_id") is None:
            continue
        total, parking = o.parameters.get("total_time"), o.parameters.get("total_parking_time") or 0
        charging_until = o.end
        if _number(total) is not None and _number(parking) is not None:
            charging_until = min(o.end, max(o.start, o.start + timedelta(hours=float(total) - float(parking))))
        out += [
            seg for seg in ((o.start, charging_until, "charging"), (charging_until, o.end, "idle")) if seg[0] < seg[1]
        ]
    return out


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def session_states(sessions: list[Observation]) -> list[Segment]:
    """charging / idle segments from the session states (rule 3)."""
    by_session: dict[str, list[Observation]] = defaultdict(list)
    for o in sessions:
        if o.parameters and o.parameters.get("session_id") is not None:
            by_session[str(o.parameters["session_id"])].append(o)
    out: list[Segment] = []
    for states in by_session.values():
        states.sort(key=lambda o: (o.result_time or o.end, o.end))
        previous_time, previous_kwh = states[0].start, 0.0
        for o in states:
            status = str((o.parameters or {}).get("status", "")).upper()
            kwh = (
                float(o.result)
                if isinstance(o.result, int | float) and not isinstance(o.result, bool)
                else previous_kwh
            )
            at = o.end if status == "COMPLETED" else (o.result_time or o.end)
            if status in ("ACTIVE", "COMPLETED") and at > previous_time:
                out.append((previous_time, at, "charging" if kwh > previous_kwh + 1e-9 else "idle"))
            previous_time, previous_kwh = max(previous_time, at), kwh
    return out


def _overlay(base: list[Segment], overrides: list[Segment]) -> list[Segment]:
    """`base` with the (later-listed wins) `overrides` laid over it."""
    if not overrides:
        return base
    edges = sorted({t for a, b, _ in base + overrides for t in (a, b)})
    starts = [a for a, _, _ in base]
    out: list[Segment] = []
    for a, b in zip(edges, edges[1:], strict=False):
        kind = next((s for x, y, s in reversed(overrides) if x <= a and b <= y), None)
        kind = kind or state_at(base, starts, a)
        if kind is None:
            continue
        if out and out[-1][2] == kind and out[-1][1] == a:
            out[-1] = (out[-1][0], b, kind)
        else:
            out.append((a, b, kind))
    return out


def usage(point: ChargePoint, segments: list[Segment], start: datetime, end: datetime) -> Usage:
    """Seconds per state and kWh of one EVSE, in total and per hour (UTC hours)."""
    found = Usage()
    for a, b, kind in segments:
        found.seconds[kind] += (b - a).total_seconds()
        for hour, seconds in _hours(a, b):
            found.hourly_seconds[hour][kind] += seconds
    for o in point.energy:
        if not isinstance(o.result, int | float) or isinstance(o.result, bool):
            continue
        if o.end <= o.start:
            if start <= o.start < end:
                found.kwh += float(o.result)
                found.hourly_kwh[_hour(o.start)] += float(o.result)
            continue
        rate = float(o.result) / (o.end - o.start).total_seconds()
        for hour, seconds in _hours(max(o.start, start), min(o.end, end)):
            found.kwh += rate * seconds
            found.hourly_kwh[hour] += rate * seconds
    return found


def state_at(segments: list[Segment], starts: list[datetime], moment: datetime) -> str | None:
    """The state of a timeline (sorted, not overlapping; `starts` its starts) at a moment, or None."""
    i = bisect_right(starts, moment) - 1
    return segments[i][2] if i >= 0 and segments[i][0] <= moment < segments[i][1] else None


def pieces(timelines: list[list[Segment]]) -> Iterator[tuple[float, list[str]]]:
    """(seconds, the state of each timeline) of every piece between the timelines' edges."""
    edges = sorted({t for segs in timelines for a, b, _ in segs for t in (a, b)})
    starts = [[a for a, _, _ in segs] for segs in timelines]
    for a, b in zip(edges, edges[1:], strict=False):
        yield (
            (b - a).total_seconds(),
            [state_at(segs, st, a) or "unknown" for segs, st in zip(timelines, starts, strict=True)],
        )


def no_free_seconds(timelines: list[list[Segment]]) -> float:
    """Seconds in which none of these EVSEs was available (all busy, reserved or out of service),
    counted only where each of them has a known state."""
    return sum(
        seconds
        for seconds, states in pieces(timelines)
        if states and "available" not in states and "unknown" not in states
    )


def known_seconds(timelines: list[list[Segment]]) -> float:
    """Seconds in which every one of these EVSEs has a known state."""
    return sum(seconds for seconds, states in pieces(timelines) if states and "unknown" not in states)


def _hours(a: datetime, b: datetime) -> list[tuple[datetime, float]]:
    out = []
    hour = _hour(a)
    while hour < b:
        seconds = (min(b, hour + HOUR) - max(a, hour)).total_seconds()
        if seconds > 0:
            out.append((hour, seconds))
        hour += HOUR
    return out


def _hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
