"""The alert rule kinds other than threshold, on their own, with hand-made readings whose events
are known: rate of change, stuck value, stale sensor, air-quality limits (hourly and daily means
with the coverage rules) and data quality (out of range, outliers); and their parameter checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from stadsdata.analytics.alerts.air_quality_limit import AirQualityLimit
from stadsdata.analytics.alerts.data_quality import DataQuality
from stadsdata.analytics.alerts.kinds import KINDS, condition
from stadsdata.analytics.alerts.rate_of_change import RateOfChange
from stadsdata.analytics.alerts.stale import Stale
from stadsdata.analytics.alerts.stuck import Stuck
from stadsdata.errors import BadRequest

T0 = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday; Amsterdam is UTC+1


def at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def kinds_of(events: list[Any]) -> list[tuple[str, datetime, float]]:
    return [(e.kind, e.time, e.value) for e in events]


def test_rate_of_change_fires_on_the_steep_step_and_clears_on_the_next_gentle_one() -> None:
    rule = RateOfChange.from_params({"maxChange": 10, "perSeconds": 3600, "direction": "rise"})
    state: dict[str, Any] = {}
    # +5 in 30 min = 10/h (not more than 10); +6 in 30 min = 12/h fires; a fall of 20 in 30 min is no rise: clears
    events = rule.step(state, [(at(0), 0.0), (at(30), 5.0), (at(60), 11.0), (at(90), -9.0), (at(120), 20.0)])
    assert kinds_of(events) == [("fire", at(60), 11.0), ("clear", at(90), -9.0), ("fire", at(120), 20.0)]
    assert "+12" in events[0].note
    # the state carries the last reading over to the next batch: 20 -> 21 in 30 min is 2/h: clears
    assert kinds_of(rule.step(state, [(at(150), 21.0)])) == [("clear", at(150), 21.0)]


def test_rate_of_change_either_way_and_the_late_reading_between_its_neighbours() -> None:
    rule = RateOfChange.from_params({"maxChange": 1, "perSeconds": 60})
    assert kinds_of(rule.step({}, [(at(0), 10.0), (at(1), 8.5), (at(1), 99.0)])) == [("fire", at(1), 8.5)]  # same time: no rate
    around = [(at(0), 10.0), (at(5), 30.0), (at(10), 10.0)]
    assert rule.late_start(around, at(5), 30.0) == at(5)  # +4/min before it
    assert rule.late_start([(at(0), 10.0), (at(5), 11.0), (at(10), 12.0)], at(5), 11.0) is None


def test_stuck_fires_after_the_duration_within_the_tolerance_and_clears_when_it_moves() -> None:
    rule = Stuck.from_params({"minDurationSeconds": 1800, "tolerance": 0.1})
    state: dict[str, Any] = {}
    readings = [(at(0), 5.0), (at(10), 5.05), (at(20), 4.95), (at(30), 5.1), (at(40), 5.0), (at(50), 5.3), (at(60), 5.3)]
    assert kinds_of(rule.step(state, readings)) == [("fire", at(30), 5.1), ("clear", at(50), 5.3)]
    # the new run (5.3 since 50) goes on in the next batch and fires 30 minutes after its start
    assert kinds_of(rule.step(state, [(at(70), 5.3), (at(80), 5.3)])) == [("fire", at(80), 5.3)]


def test_stale_fires_when_overdue_once_and_clears_on_the_next_reading() -> None:
    rule = Stale.from_params({"maxAgeSeconds": 900})
    state: dict[str, Any] = {}
    assert rule.overdue(state, (at(0), 3.0), at(15)) is None  # exactly 15 minutes: not more
    event = rule.overdue(state, (at(0), 3.0), at(16))
    assert event is not None and (event.kind, event.time, event.value) == ("fire", at(0), 3.0)
    assert rule.overdue(state, (at(0), 3.0), at(40)) is None  # already firing
    assert rule.overdue({}, None, at(40)) is None  # a stream that never reported is not stale
    assert kinds_of(rule.step(state, [(at(41), 4.0), (at(42), 5.0)])) == [("clear", at(42), 5.0)]
    assert rule.step(state, [(at(43), 4.0)]) == []


def test_air_quality_hourly_limit_with_coverage_and_the_year_count() -> None:
    rule = AirQualityLimit.from_params({"pollutant": "NO2", "standard": "eu-2030"})  # hour 200 (3 allowed), day 50
    state: dict[str, Any] = {}
    readings: list[tuple[datetime, float]] = []
    for hour, values in enumerate([[210, 230, 190, 250, 200, 220], [150] * 6, [300, 300], [100] * 6, [260] * 6, [240] * 6, [10]]):
        readings += [(at(hour * 60 + 10 * i), float(v)) for i, v in enumerate(values)]
    events = rule.step(state, readings)
    # hour 0: mean 216.7 > 200 fires; hour 1 (150) clears; hour 2 has 2 of the usual 6 readings (33 %):
    # not valid, neither fires nor clears; hour 3 ok; hours 4 and 5 above: fire once, the year's
    # count goes on: 3 exceedances (0, 4, 5) = allowed; the next would exceed the year's limit value
    assert [(e.kind, e.key, e.time) for e in events] == [
        ("fire", "hour", at(0)), ("clear", "hour", at(60)), ("fire", "hour", at(240)),
    ]  # fmt: skip
    assert events[0].value == pytest.approx(1300 / 6)
    assert "exceedance 1 of 3 allowed in 2026" in events[0].note
    assert state["exceedances"] == {"hour:2026": 3}
    more = rule.step(state, [(at(420 + 10 * i), 280.0) for i in range(6)] + [(at(480), 1.0)])
    assert [(e.kind, e.key) for e in more] == [("fire", "hour-year")]  # the 4th: more than 3 in 2026


def test_air_quality_daily_mean_of_a_local_day_needs_18_valid_hours() -> None:
    rule = AirQualityLimit.from_params({"pollutant": "PM10", "standard": "eu-2008"})  # day 50, 35 allowed
    midnight = datetime(2026, 3, 1, 23, tzinfo=UTC)  # 2 March 00:00 in Amsterdam
    day1 = [(midnight + timedelta(hours=h), 60.0) for h in range(18)]  # 18 valid hours of 24: valid, mean 60
    day2 = [(midnight + timedelta(hours=24 + h), 80.0) for h in range(17)]  # 17 hours: not valid
    day3 = [(midnight + timedelta(hours=48 + h), 20.0) for h in range(24)]
    # a day closes when the first hour of a later day closes: with the reading of 02:00 on day 4
    events = rule.step({}, day1 + day2 + day3 + [(midnight + timedelta(hours=h), 20.0) for h in (73, 74)])
    assert [(e.kind, e.key, e.time, e.value) for e in events] == [("fire", "day", midnight, 60.0), ("clear", "day", midnight + timedelta(hours=48), 20.0)]


def test_data_quality_out_of_range_with_the_streams_own_range_and_late_readings() -> None:
    own = DataQuality.from_params({"check": "out_of_range"}).for_stream({"unit_of_measurement": {"symbol": "%"}, "properties": None})
    assert kinds_of(own.step({}, [(at(0), 50.0), (at(1), 101.0), (at(2), 102.0), (at(3), 99.0)])) == [("fire", at(1), 101.0), ("clear", at(3), 99.0)]
    declared = DataQuality.from_params({"check": "out_of_range"}).for_stream({"properties": {"validRange": [0, 5]}, "unit_of_measurement": {}})
    assert declared.late_start([], at(9), 6.0) == at(9)
    given = DataQuality.from_params({"check": "out_of_range", "max": 10})
    assert given.late_start([], at(9), 6.0) is None and given.outside(10.5) and not given.outside(-1e9)


def test_data_quality_outliers_need_history_and_clear_on_the_next_usual_reading() -> None:
    rule = DataQuality.from_params({"check": "outlier"})
    state: dict[str, Any] = {}
    usual = [(at(i), 20.0 + (i % 5) * 0.5) for i in range(10)]
    assert rule.step(state, [(at(-1), 500.0)]) == []  # no history yet
    events = rule.step(state, usual + [(at(10), 60.0), (at(11), 21.0)])
    assert kinds_of(events)[-2:] == [("fire", at(10), 60.0), ("clear", at(11), 21.0)]


@pytest.mark.parametrize(
    ("kind", "params", "field"),
    [
        ("rate_of_change", {}, "params.maxChange"),
        ("rate_of_change", {"maxChange": 0}, "params.maxChange"),
        ("rate_of_change", {"maxChange": 1, "perSeconds": 0}, "params.perSeconds"),
        ("rate_of_change", {"maxChange": 1, "direction": "up"}, "params.direction"),
        ("stuck", {}, "params.minDurationSeconds"),
        ("stuck", {"minDurationSeconds": 60, "tolerance": -1}, "params.tolerance"),
        ("stale", {"maxAgeSeconds": 0}, "params.maxAgeSeconds"),
        ("air_quality", {"pollutant": "O3"}, "params.pollutant"),
        ("air_quality", {"pollutant": "PM2.5", "standard": "eu-2008"}, "params.pollutant"),  # only an annual limit
        ("air_quality", {"pollutant": "NO2", "standard": "eu2008"}, "params.standard"),
        ("air_quality", {"pollutant": "NO2", "timeZone": "Mars/Olympus"}, "params.timeZone"),
        ("air_quality", {"pollutant": "NO2", "timeZone": "Asia/Kolkata"}, "params.timeZone"),
        ("data_quality", {"check": "gaps"}, "params.check"),
        ("data_quality", {"check": "out_of_range", "min": 5, "max": 1}, "params.min"),
        ("data_quality", {"check": "out_of_range", "max": "high"}, "params.max"),
        ("data_quality", {"check": "outlier", "z": 0}, "params.z"),
    ],
)
def test_bad_params_name_the_field(kind: str, params: dict[str, Any], field: str) -> None:
    with pytest.raises(BadRequest) as raised:
        condition(kind, params)
    assert raised.value.field == field


def test_every_kind_is_registered_and_describes_itself() -> None:
    examples = {
        "threshold": {"operator": "above", "value": 1},
        "rate_of_change": {"maxChange": 2},
        "stuck": {"minDurationSeconds": 600},
        "stale": {"maxAgeSeconds": 3600},
        "air_quality": {"pollutant": "NO2"},
        "data_quality": {"check": "outlier"},
    }
    assert set(KINDS) == set(examples)
    said = {kind: condition(kind, params).describe() for kind, params in examples.items()}
    assert said["stale"] == "no reading for more than 1 h" and said["stuck"] == "stuck for 10 min"
    assert said["air_quality"] == "NO2 hourly mean above 200 µg/m³ (eu-2008)"
