"""The buckets of an interval on the calendar of a time zone, and the parsing of intervals and functions."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from stadsdata.analytics.aggregates.functions import Bucket, parse_functions
from stadsdata.analytics.aggregates.intervals import Interval, buckets, on_the_hour, parse_interval, zone
from stadsdata.errors import BadRequest

AMS = ZoneInfo("Europe/Amsterdam")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_local_days_are_23_and_25_hours_at_the_clock_changes() -> None:
    spring = buckets(datetime(2026, 3, 28, 12, tzinfo=AMS), datetime(2026, 3, 30, tzinfo=AMS), Interval("day"), AMS, 100)
    assert spring == [utc(2026, 3, 27, 23), utc(2026, 3, 28, 23), utc(2026, 3, 29, 22)]
    autumn = buckets(datetime(2026, 10, 25, tzinfo=AMS), datetime(2026, 10, 26, tzinfo=AMS), Interval("day"), AMS, 100)
    assert autumn == [utc(2026, 10, 24, 22), utc(2026, 10, 25, 23)]  # 25 hours
    assert on_the_hour(spring + autumn)


def test_weeks_begin_on_monday_months_and_quarters_and_years_on_the_first() -> None:
    assert buckets(datetime(2026, 4, 2, tzinfo=AMS), datetime(2026, 4, 7, tzinfo=AMS), Interval("week"), AMS, 10)[:2] == [
        utc(2026, 3, 29, 22), utc(2026, 4, 5, 22)]  # fmt: skip
    assert buckets(datetime(2026, 2, 10, tzinfo=UTC), datetime(2026, 8, 1, tzinfo=UTC), Interval("month", 3), ZoneInfo("UTC"), 10) == [
        utc(2026, 2, 1), utc(2026, 5, 1), utc(2026, 8, 1)]  # fmt: skip
    assert buckets(datetime(2025, 6, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC), Interval("year"), ZoneInfo("UTC"), 10) == [
        utc(2025, 1, 1), utc(2026, 1, 1), utc(2027, 1, 1)]  # fmt: skip


def test_minutes_and_hours_are_fixed_lengths_aligned_on_the_zone_offset() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")  # +05:30: its hours begin at half past the UTC hour
    edges = buckets(utc(2026, 1, 1, 0, 10), utc(2026, 1, 1, 2), Interval("hour"), kolkata, 10)
    assert edges == [utc(2025, 12, 31, 23, 30), utc(2026, 1, 1, 0, 30), utc(2026, 1, 1, 1, 30), utc(2026, 1, 1, 2, 30)]
    assert not on_the_hour(edges)
    assert buckets(utc(2026, 1, 1, 0, 7), utc(2026, 1, 1, 0, 31), Interval("minute", 15), ZoneInfo("UTC"), 10) == [
        utc(2026, 1, 1, 0, 0), utc(2026, 1, 1, 0, 15), utc(2026, 1, 1, 0, 30), utc(2026, 1, 1, 0, 45)]  # fmt: skip


def test_too_many_buckets_and_bad_words_name_the_field() -> None:
    with pytest.raises(BadRequest) as caught:
        buckets(utc(2026, 1, 1), utc(2026, 1, 2), Interval("minute"), ZoneInfo("UTC"), 100)
    assert caught.value.field == "interval"
    for text, field, call in (("fortnight", "interval", parse_interval), ("", "functions", parse_functions),
                              ("mean,mode", "functions", parse_functions), ("Mars/Olympus", "timezone", zone)):  # fmt: skip
        with pytest.raises(BadRequest) as caught:
            call(text)
        assert caught.value.field == field, text
    assert parse_interval("15minutes") == Interval("minute", 15) and parse_functions("Mean, p95,mean") == ["mean", "p95"]


def test_a_bucket_from_hours_and_from_values_agree() -> None:
    values = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0]
    raw, hours = Bucket(), Bucket()
    for v in values:
        raw.add_value(v, keep=True)
    hours.add_hour(3, 8.0, 1.0, 4.0, 26.0)  # 3, 1, 4
    hours.add_hour(5, 23.0, 1.0, 9.0, 147.0)  # 1, 5, 9, 2, 6
    functions = ["count", "sum", "min", "max", "mean", "stddev"]
    assert raw.result(functions) == pytest.approx(hours.result(functions))
    assert raw.result(["first", "last", "p50", "p100"]) == {"first": 3.0, "last": 6.0, "p50": 3.5, "p100": 9.0}
    assert Bucket().result(["count", "mean", "stddev"]) == {"count": 0, "mean": None, "stddev": None}
