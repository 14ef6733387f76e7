from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from stadsdata.errors import BadRequest
from stadsdata.model.values import Interval, format_instant, format_time, parse_instant, parse_interval, parse_time


def test_instant_with_offset_is_normalised_to_utc() -> None:
    assert parse_instant("2010-12-23T10:20:00-07:00", field="t") == datetime(2010, 12, 23, 17, 20, tzinfo=UTC)
    assert parse_instant("2010-12-23T10:20:00-0700", field="t") == datetime(2010, 12, 23, 17, 20, tzinfo=UTC)


def test_naive_time_is_utc_and_z_is_accepted() -> None:
    assert parse_instant("2024-01-01T00:00:00", field="t") == parse_instant("2024-01-01T00:00:00Z", field="t")


def test_interval() -> None:
    value = parse_time("2024-01-01T00:00:00Z/2024-01-02T00:00:00Z", field="t")
    assert value == Interval(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC))
    assert format_time(value) == "2024-01-01T00:00:00Z/2024-01-02T00:00:00Z"


@pytest.mark.parametrize("bad", ["", "yesterday", "2024-13-01T00:00:00Z", 5, None])
def test_bad_instants_name_the_field(bad: object) -> None:
    with pytest.raises(BadRequest) as info:
        parse_instant(bad, field="phenomenonTime")
    assert info.value.field == "phenomenonTime"


def test_interval_must_not_end_before_it_starts() -> None:
    with pytest.raises(BadRequest):
        parse_interval("2024-01-02T00:00:00Z/2024-01-01T00:00:00Z", field="validTime")


def test_format_precision_and_early_years() -> None:
    base = datetime(2024, 1, 1, tzinfo=UTC)
    assert format_instant(base) == "2024-01-01T00:00:00Z"
    assert format_instant(base + timedelta(milliseconds=5)) == "2024-01-01T00:00:00.005Z"
    assert format_instant(base + timedelta(microseconds=7)) == "2024-01-01T00:00:00.000007Z"
    assert format_instant(datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01T00:00:00Z"
