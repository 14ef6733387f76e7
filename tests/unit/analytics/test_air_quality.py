"""The air-quality pieces without I/O: the limit values as the texts give them, the coverage rules of
hourly, daily and period means (days the clocks change), the count against a limit, and which
streams are NO2/PM10/PM2.5 in µg/m³ and which are reference or indicative."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from stadsdata.analytics.air_quality.exceedances import assess
from stadsdata.analytics.air_quality.means import daily_means, hourly_means, period_mean
from stadsdata.analytics.air_quality.readings import is_microgram, measurement_class, pollutant_of
from stadsdata.analytics.air_quality.standards import STANDARDS, Limit
from stadsdata.sources.luchtmeetnet import entities as luchtmeetnet
from stadsdata.store.base import SeriesPoint

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def hours(start: datetime, values: list[float | None], count: int = 1) -> list[SeriesPoint]:
    return [SeriesPoint(start + timedelta(hours=i), count, v, v, v) for i, v in enumerate(values) if v is not None]


def test_the_limit_values_of_the_three_texts() -> None:
    def table(key: str) -> set[tuple[str, str, float, int | None]]:
        return {(x.pollutant, x.period, x.value, x.allowed) for x in STANDARDS[key].limits}

    assert table("eu-2008") == {("NO2", "hour", 200, 18), ("NO2", "year", 40, None), ("PM10", "day", 50, 35),
                                ("PM10", "year", 40, None), ("PM2.5", "year", 25, None)}  # fmt: skip
    assert table("eu-2030") == {("NO2", "hour", 200, 3), ("NO2", "day", 50, 18), ("NO2", "year", 20, None), ("PM10", "day", 45, 18),
                                ("PM10", "year", 20, None), ("PM2.5", "day", 25, 18), ("PM2.5", "year", 10, None)}  # fmt: skip
    assert table("who-2021") == {("NO2", "day", 25, 3), ("NO2", "year", 10, None), ("PM10", "day", 45, 3), ("PM10", "year", 15, None),
                                 ("PM2.5", "day", 15, 3), ("PM2.5", "year", 5, None)}  # fmt: skip


def test_an_hour_needs_45_minutes_of_the_usual_readings() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    points = hours(start, [10.0] * 5, 6) + [SeriesPoint(start + timedelta(hours=5), 4, 99, 99, 99), SeriesPoint(start + timedelta(hours=6), 5, 7, 7, 7)]
    got = hourly_means(points)
    assert [(h.valid, round(h.coverage, 3)) for h in got] == [(True, 1.0)] * 5 + [(False, 0.667), (True, 0.833)]
    assert all(h.valid for h in hourly_means(hours(start, [1.0, 2.0, 3.0])))  # hourly data: each hour with its reading


def test_days_the_clocks_change_have_23_and_25_hours() -> None:
    spring = datetime(2025, 3, 30, tzinfo=AMSTERDAM).astimezone(UTC)  # 23 hours: 18 valid ones are 78 %
    autumn = datetime(2025, 10, 26, tzinfo=AMSTERDAM).astimezone(UTC)  # 25 hours: 18 are 72 %, 19 are 76 %
    for start, length, have, valid in ((spring, 23, 17, False), (spring, 23, 18, True), (autumn, 25, 18, False), (autumn, 25, 19, True)):
        means = hourly_means(hours(start, [40.0] * have))
        days = daily_means(means, start, start + timedelta(hours=length), AMSTERDAM)
        assert [(d.label, d.valid, round(d.coverage, 4)) for d in days] == [(start.astimezone(AMSTERDAM).date().isoformat(), valid, round(have / length, 4))]


def test_a_daily_mean_is_the_mean_of_its_valid_hours() -> None:
    start = datetime(2025, 6, 1, tzinfo=UTC)
    points = hours(start, [10.0] * 20 + [None, None, 50.0, None], 6) + [SeriesPoint(start + timedelta(hours=23), 1, 1000, 1000, 1000)]
    days = daily_means(hourly_means(points), start, start + timedelta(days=2), ZoneInfo("UTC"))
    assert [(d.label, d.mean, d.valid) for d in days] == [("2025-06-01", (200 + 50) / 21, True), ("2025-06-02", None, False)]
    period = period_mean(hourly_means(points), start, start + timedelta(days=1))
    assert (period.mean, period.valid, period.coverage) == ((200 + 50) / 21, False, 21 / 24)  # 87.5 % < 90 %


def test_a_limit_counts_valid_means_above_it() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=10)
    day = Limit("PM2.5", "day", 15.0, 3)  # WHO: 3–4 days a year; the fourth is too many
    values = [16.0] * 24 * 4 + [15.0] * 24 + [5.0] * 24 * 5  # four days above (15 is not above 15)
    means = hourly_means(hours(start, values))
    days = daily_means(means, start, end, ZoneInfo("UTC"))
    result = assess(day, means, days, period_mean(means, start, end), start, end)
    assert (result.exceedances, result.invalid_above, result.exceeded, result.times[0], result.times[-1]) == (4, 0, True, "2025-01-01", "2025-01-04")
    fewer = hourly_means(hours(start, values[: 24 * 3] + [None] * 24 * 7))  # three days above, then nothing: cannot tell
    result = assess(day, fewer, daily_means(fewer, start, end, ZoneInfo("UTC")), period_mean(fewer, start, end), start, end)
    assert (result.exceedances, result.exceeded) == (3, None)
    year = assess(Limit("PM2.5", "year", 5.0, None), means, days, period_mean(means, start, end), start, end)
    assert (year.exceedances, year.exceeded, year.mean and round(year.mean.mean or 0, 3)) == (1, True, round((16 * 96 + 15 * 24 + 5 * 120) / 240, 3))


@pytest.mark.parametrize(("body", "expected"), [
    ({"name": "NO2", "definition": "http://vocab.nerc.ac.uk/collection/P01/current/CONCNO2X/"}, "NO2"),
    ({"name": "PM2.5", "definition": "x"}, "PM2.5"),
    (luchtmeetnet.observed_property_body("PM25", "https://api.luchtmeetnet.nl/open_api"), "PM2.5"),
    (luchtmeetnet.observed_property_body("NO2", "https://api.luchtmeetnet.nl/open_api"), "NO2"),
    ({"name": "fine dust", "definition": "https://api.luchtmeetnet.nl/open_api/components/PM10"}, "PM10"),
    ({"name": "fine dust", "properties": {"formula": "pm10"}}, "PM10"),
    (luchtmeetnet.observed_property_body("O3", "https://api.luchtmeetnet.nl/open_api"), None),
    ({"name": "Temperature", "definition": "http://vocab.nerc.ac.uk/collection/P07/current/CFSN0023/"}, None),
])  # fmt: skip
def test_which_observed_properties_are_assessed(body: dict[str, object], expected: str | None) -> None:
    assert pollutant_of(body) == expected


def test_units_in_micrograms_per_cubic_metre() -> None:
    assert is_microgram(luchtmeetnet.MICROGRAM) and is_microgram({"symbol": "µg/m³"}) and is_microgram({"symbol": "μg/m3"})
    assert is_microgram({"name": "x", "definition": "http://qudt.org/vocab/unit/MicroGM-PER-M3"})
    assert not is_microgram({"symbol": "ppb"}) and not is_microgram({"symbol": "mg/m3"}) and not is_microgram(None)


def test_reference_or_indicative() -> None:
    lmn = luchtmeetnet.sensor_body("NO2")
    citizen = {"name": "SDS011", "metadata": "https://example.org/sds011.pdf", "properties": {}}
    assert measurement_class({}, lmn, None) == "reference"  # Luchtmeetnet's stations
    assert measurement_class({}, citizen, {"owner": "bewoner"}) == "indicative"  # nothing says reference
    assert measurement_class({}, None, None) == "indicative"
    assert measurement_class({"properties": {"measurementClass": "reference"}}, citizen, None) == "reference"
    assert measurement_class({}, citizen, {"measurementClass": "reference"}) == "reference"  # on the Thing
    assert measurement_class({"properties": {"measurementClass": "indicative"}}, lmn, None) == "indicative"  # stated wins
