"""The occupancy rule (`analytics/charging/occupancy.py`) on one EVSE's observations, without a
database: the status words of OCPI 2.2.1 and OCPP 1.6, CDRs with parking time, sessions with zero
power, and the hours the seconds and kWh fall in — each against the answer worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from stadsdata.analytics.charging.occupancy import no_free_seconds, state, timeline, usage
from stadsdata.analytics.charging.readings import ChargePoint, Observation

T = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T + timedelta(hours=hours)


def obs(start: float, result: Any, end: float | None = None, **parameters: Any) -> Observation:
    return Observation(at(start), at(start if end is None else end), result, None, parameters or None)


def point(statuses: list[Observation], before: str | None = None, **streams: list[Observation]) -> ChargePoint:
    return ChargePoint("1:x", 1, "thing", "x", (5.0, 52.0), status_before=before, statuses=statuses, **streams)


def hours(segments: list[tuple[datetime, datetime, str]]) -> list[tuple[float, float, str]]:
    return [((a - T).total_seconds() / 3600, (b - T).total_seconds() / 3600, s) for a, b, s in segments]


@pytest.mark.parametrize(("word", "kind"), [
    ("CHARGING", "charging"), ("BLOCKED", "idle"), ("AVAILABLE", "available"), ("RESERVED", "reserved"), ("OUTOFORDER", "unavailable"),
    ("INOPERATIVE", "unavailable"), ("UNKNOWN", "unknown"), ("REMOVED", "unknown"), ("Charging", "charging"), ("SuspendedEV", "idle"),
    ("SuspendedEVSE", "idle"), ("Preparing", "idle"), ("Finishing", "idle"), ("Faulted", "unavailable"), ("Available", "available"),
    ("bogus", "unknown"), (None, "unknown"),
])  # fmt: skip
def test_status_words(word: str | None, kind: str) -> None:
    assert state(word) == kind


def test_the_status_before_the_range_and_unknown_before_the_first() -> None:
    assert hours(timeline(point([obs(1, "CHARGING")]), at(0), at(3))) == [(0, 1, "unknown"), (1, 3, "charging")]
    assert hours(timeline(point([obs(1, "CHARGING")], "AVAILABLE"), at(0), at(3))) == [
        (0, 1, "available"),
        (1, 3, "charging"),
    ]


def test_a_cdr_with_parking_time_is_charging_then_idle() -> None:
    # CHARGING all along; the CDR covers 1–4 h, 3 h in all of which 1 h not charging: 1–3 charging, 3–4 idle.
    cdr = obs(1, 20.0, 4, cdr_id="C1", total_time=3.0, total_parking_time=1.0)
    found = timeline(point([], "AVAILABLE", energy=[cdr]), at(0), at(5))
    assert hours(found) == [(0, 1, "available"), (1, 3, "charging"), (3, 4, "idle"), (4, 5, "available")]
    used = usage(point([], "AVAILABLE", energy=[cdr]), found, at(0), at(5))
    assert used.kwh == pytest.approx(20) and used.hourly_kwh[at(2)] == pytest.approx(20 / 3)
    assert used.seconds["charging"] == 7200 and used.seconds["idle"] == 3600


def test_an_active_session_with_zero_power_is_connected_not_charging() -> None:
    # Status CHARGING from 0; session S: 0 kWh at 1 h (ACTIVE, plugged in but no power), 5 kWh at 2 h,
    # still 5 kWh at 3 h (full), COMPLETED at 4 h; a PENDING session of another car changes nothing.
    states = [Observation(at(0), at(end), kwh, at(end), {"session_id": "S", "status": status})
              for end, kwh, status in ((1, 0.0, "ACTIVE"), (2, 5.0, "ACTIVE"), (3, 5.0, "ACTIVE"), (4, 5.0, "COMPLETED"))]  # fmt: skip
    pending = Observation(at(4), at(5), 0.0, at(5), {"session_id": "P", "status": "PENDING"})
    found = timeline(point([obs(0, "CHARGING"), obs(4, "AVAILABLE")], sessions=[*states, pending]), at(0), at(5))
    assert hours(found) == [(0, 1, "idle"), (1, 2, "charging"), (2, 4, "idle"), (4, 5, "available")]


def test_energy_at_an_instant_counts_in_its_hour_and_outside_the_range_not() -> None:
    energy = [obs(1.5, 12.0), obs(7, 30.0), obs(-1, 10.0, 1)]  # the last one spread over −1…1: half in range
    used = usage(point([], energy=energy), [], at(0), at(4))
    assert (
        used.kwh == pytest.approx(17)
        and used.hourly_kwh[at(1)] == pytest.approx(12)
        and used.hourly_kwh[at(0)] == pytest.approx(5)
    )


def test_no_free_point_only_while_every_point_is_known_and_busy() -> None:
    a = [(at(0), at(2), "charging"), (at(2), at(4), "available")]
    b = [(at(0), at(1), "unknown"), (at(1), at(3), "unavailable"), (at(3), at(4), "idle")]
    assert no_free_seconds([a, b]) == 3600  # 1–2 h; 0–1 h b is unknown, from 2 h a is free
