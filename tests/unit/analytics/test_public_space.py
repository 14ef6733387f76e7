"""The public-space analyses on hand-made series: the sun's height, the mowing list, the wells'
trend and state, and the street lights' day/night hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from stadsdata.analytics.public_space.groundwater import assess_wells
from stadsdata.analytics.public_space.mowing import mowing_list
from stadsdata.analytics.public_space.readings import StreamSeries
from stadsdata.analytics.public_space.street_lights import assess_lights
from stadsdata.analytics.public_space.sun import elevation
from stadsdata.analytics.public_space.trend import slope_per_day
from stadsdata.store.base import LatestValue, SeriesPoint

AMSTERDAM = (4.90, 52.37)
DAY0 = datetime(2026, 6, 1, tzinfo=UTC)


def series(name: str, values: list[float], step: timedelta = timedelta(days=1), place: tuple[float, float] = AMSTERDAM,
           start: datetime = DAY0) -> StreamSeries:  # fmt: skip
    points = [SeriesPoint(start + i * step, 1, v, v, v) for i, v in enumerate(values)]
    location = orjson.dumps({"type": "Point", "coordinates": list(place)}).decode()
    latest = LatestValue(1, name, None, location, 1, name, "{}", "x", points[-1].time if points else None, values[-1] if values else None)
    return StreamSeries(latest, points)


def test_the_sun_is_highest_at_noon_at_midsummer_and_below_the_horizon_at_midnight() -> None:
    # Solar noon in Amsterdam is about 11:40 UTC; the height then is 90° − 52.37° + 23.44° ≈ 61.1° in June, ≈ 14.2° in December
    assert elevation(*AMSTERDAM, datetime(2026, 6, 21, 11, 40, tzinfo=UTC)) == pytest.approx(61.1, abs=0.5)
    assert elevation(*AMSTERDAM, datetime(2026, 12, 21, 11, 45, tzinfo=UTC)) == pytest.approx(14.2, abs=0.5)
    assert elevation(*AMSTERDAM, datetime(2026, 6, 21, 23, 40, tzinfo=UTC)) == pytest.approx(-14.2, abs=0.5)


def test_a_slope_per_day() -> None:
    assert slope_per_day([(DAY0 + timedelta(days=d), 3 + 0.5 * d) for d in range(5)]) == pytest.approx(0.5)
    assert slope_per_day([(DAY0, 1.0)]) is None


def test_the_mowing_list_puts_fields_to_mow_first_then_by_the_days_until() -> None:
    mown_ten_days_ago = [4 + 0.5 * d for d in range(10)] + [4 + 0.7 * d for d in range(10)]  # latest 10.3, growing 0.7/day
    growing = [5 + 0.5 * d for d in range(14)] + [4 + 0.5 * d for d in range(6)]  # latest 6.5, 0.5/day → 7 days
    one_reading = [12.0]
    mown_yesterday_at_noon = [4 + 0.5 * d for d in range(12)] + [6.5, 4.0]  # the day's mean halfway, then 4: growth unknown yet
    flat = [6.0] * 5  # not growing: when is unknown
    fields = mowing_list([series("B", growing), series("A", mown_ten_days_ago), series("D", flat), series("C", one_reading),
                           series("E", mown_yesterday_at_noon)], 10.0)
    got = [(f.series.latest.thing_name, f.height, None if f.growth is None else round(f.growth, 3), f.days_until) for f in fields]
    assert got == [("C", 12.0, None, 0.0), ("A", pytest.approx(10.3), 0.7, 0.0), ("B", 6.5, 0.5, pytest.approx(7.0)), ("D", 6.0, 0.0, None),
                   ("E", 4.0, None, None)]  # unknown when: the tallest first


def test_wells_below_the_low_threshold_come_first_and_a_falling_level_says_when_it_gets_there() -> None:
    falling = [-1.0 - 0.01 * d for d in range(29)]  # latest −1.28, −0.07 m a week
    wells = assess_wells([series("falling", falling), series("dry", [-1.6] * 10), series("wet", [0.2] * 10)], low=-1.5, high=0.0)
    got = [(w.series.latest.thing_name, w.state, w.heading_for, None if w.days_until is None else round(w.days_until, 1)) for w in wells]
    assert got == [("dry", "low", None, None), ("wet", "high", None, None), ("falling", "ok", "low", 22.0)]
    assert wells[2].as_json()["trendPerWeek"] == pytest.approx(-0.07)


def test_street_lights_that_fail_at_night_or_burn_by_day() -> None:
    hours = [DAY0 + timedelta(hours=h) for h in range(72)]

    def level(rule: str) -> list[float]:
        return [{"ok": 100.0 if elevation(*AMSTERDAM, t + timedelta(minutes=30)) < 0 else 0.0, "failed": 0.0, "day": 100.0}[rule] for t in hours]

    lights = assess_lights([series(rule, level(rule), timedelta(hours=1)) for rule in ("ok", "failed", "day")], AMSTERDAM)
    by_name = {light.series.latest.thing_name: light for light in lights}
    assert [light.state for light in lights] == ["failed", "burns_by_day", "ok"]
    dark = sum(elevation(*AMSTERDAM, t + timedelta(minutes=30)) < -6 for t in hours)
    day = sum(elevation(*AMSTERDAM, t + timedelta(minutes=30)) > 6 for t in hours)
    assert 12 <= dark <= 3 * 6 and day >= 3 * 14  # early June in Amsterdam: short nights
    assert (by_name["failed"].dark_hours, by_name["failed"].dark_hours_off) == (dark, dark)
    assert (by_name["day"].day_hours, by_name["day"].day_hours_on, by_name["day"].dark_hours_off) == (day, day, 0)
    assert (by_name["ok"].dark_hours_off, by_name["ok"].day_hours_on) == (0, 0)
    assert assess_lights([series("none", [])], AMSTERDAM)[0].state == "no_data"
