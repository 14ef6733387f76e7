"""The threshold condition on its own: firing after the minimum duration, hysteresis on clearing,
a below-threshold rule, the late-data run start, and parameter validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from stadsdata.analytics.alerts.threshold import Threshold, late_run_start, step
from stadsdata.errors import BadRequest

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def at(minute: int) -> datetime:
    return T0 + timedelta(minutes=minute)


def test_fires_once_after_the_minimum_duration_and_clears_past_the_hysteresis() -> None:
    rule = Threshold("above", 50.0, 5.0, timedelta(minutes=10))
    state: dict[str, object] = {}
    readings = [(at(0), 51.0), (at(5), 60.0), (at(10), 55.0), (at(15), 90.0), (at(20), 46.0), (at(25), 45.0), (at(30), 51.0)]
    events = step(rule, state, readings)
    # fires at 10 (held 0..10), 46 does not clear (46 > 45), 45 clears; 51 at 30 only starts a new run
    assert [(e.kind, e.time, e.value) for e in events] == [("fire", at(10), 55.0), ("clear", at(25), 45.0)]
    assert state == {"seen_until": at(30).isoformat(), "pending_since": at(30).isoformat(), "firing": False}


def test_below_and_zero_duration() -> None:
    rule = Threshold("below", 5.0, 1.0)
    events = step(rule, {}, [(at(0), 6.0), (at(1), 4.9), (at(2), 5.5), (at(3), 6.0), (at(4), 4.0)])
    assert [(e.kind, e.time) for e in events] == [("fire", at(1)), ("clear", at(3)), ("fire", at(4))]


def test_the_run_of_a_late_reading() -> None:
    rule = Threshold("above", 50.0)
    assert late_run_start(rule, [(at(0), 60.0), (at(1), 40.0), (at(2), 60.0), (at(3), 70.0)]) == at(2)
    assert late_run_start(rule, [(at(0), 60.0), (at(3), 40.0)]) is None
    assert late_run_start(rule, [(at(0), 60.0), (at(3), 70.0)]) == at(0)  # all meet it: the first one's time
    assert late_run_start(rule, []) is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"value": 1}, "params.operator"),
        ({"operator": "above"}, "params.value"),
        ({"operator": "above", "value": True}, "params.value"),
        ({"operator": "above", "value": float("nan")}, "params.value"),
        ({"operator": "above", "value": 1, "hysteresis": -0.5}, "params.hysteresis"),
        ({"operator": "above", "value": 1, "minDurationSeconds": -1}, "params.minDurationSeconds"),
    ],
)
def test_bad_params_name_the_field(params: dict[str, object], field: str) -> None:
    with pytest.raises(BadRequest) as raised:
        Threshold.from_params(params)
    assert raised.value.field == field


def test_good_params() -> None:
    rule = Threshold.from_params({"operator": "below", "value": 3, "hysteresis": 0.5, "minDurationSeconds": 120})
    assert rule == Threshold("below", 3.0, 0.5, timedelta(minutes=2))
