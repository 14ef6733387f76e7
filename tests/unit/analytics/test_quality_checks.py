"""The data-quality checks on hand-made readings whose findings are known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from stadsdata.analytics.quality.checks import DEFAULT_RULES, Reading, Rules, assess
from stadsdata.analytics.quality.ranges import valid_range

T0 = datetime(2026, 6, 1, tzinfo=UTC)
MIN = timedelta(minutes=1)


def every_minute(values: list[float | None], start: datetime = T0) -> list[Reading]:
    return [Reading(10 * (i + 1), start + i * MIN, v) for i, v in enumerate(values)]  # ids 10, 20, …: room between


def kinds(readings: list[Reading], end: datetime | None = None, valid: tuple[float | None, float | None] = (None, None), rules: Rules = DEFAULT_RULES) -> list[tuple[str, datetime, datetime, int]]:
    end = end or readings[-1].time + MIN
    return [(f.kind, f.start, f.end, f.count) for f in assess(readings, T0, end, valid, rules).findings]


def wave(n: int) -> list[float | None]:
    return [10.0 + (i % 7) for i in range(n)]  # no value repeats six times in a row, no outlier


def test_a_clean_series_has_no_findings_and_is_complete() -> None:
    readings = every_minute(wave(120))
    report = assess(readings, T0, T0 + 120 * MIN, (0, None))
    assert report.findings == [] and report.usual_interval == MIN and report.completeness == 1.0
    assert (report.readings, report.numeric) == (120, 120)


def test_a_gap_longer_than_three_usual_intervals_and_five_minutes_is_found_also_at_the_edges() -> None:
    readings = every_minute(wave(60))
    kept = readings[:20] + readings[24:30] + readings[36:]  # a hole of 5 min (20→24: 4 intervals, 4 min) and one of 7 min
    found = kinds(kept, end=T0 + 80 * MIN)
    assert found == [
        ("gap", T0 + 29 * MIN, T0 + 36 * MIN, 0),  # 7 minutes > max(3 × 1 min, 5 min)
        ("gap", T0 + 59 * MIN, T0 + 80 * MIN, 0),  # the sensor went quiet before the end of the range
    ]
    report = assess(kept, T0, T0 + 80 * MIN, (None, None))
    assert report.completeness == round(len(kept) / 80, 4)


def test_an_outlier_by_the_robust_z_score() -> None:
    values = wave(50)
    values[30] = 60.0  # median 13, MAD 2 → z = 0.6745 × 47 / 2 ≈ 15.9
    values[10] = 19.0  # z = 0.6745 × 6 / 2 ≈ 2.0: not an outlier
    found = assess(every_minute(values), T0, T0 + 50 * MIN, (None, None)).findings
    assert [(f.kind, f.start, f.value) for f in found] == [("outlier", T0 + 30 * MIN, 60.0)]
    assert found[0].detail == "robust z-score 15.9"


def test_when_most_values_are_equal_the_mean_absolute_deviation_stands_in_for_the_mad() -> None:
    values: list[float | None] = [5.0, 6.0] * 3 + [5.0] * 4 + [9.0]  # median 5, MAD 0; mean |dev| = 7/11
    found = assess(every_minute(values), T0, T0 + 11 * MIN, (None, None), Rules(flat_run=100)).findings
    # z of 9 = 4 / (1.2533 × 7/11) ≈ 5.0; of 6 = 1 / 0.7975 ≈ 1.25
    assert [(f.kind, f.value, f.detail) for f in found] == [("outlier", 9.0, "robust z-score 5.0")]


def test_a_flat_line_of_six_equal_values_and_not_of_five() -> None:
    values = wave(40)
    values[5:11] = [3.0] * 6
    values[20:25] = [4.0] * 5
    found = kinds(every_minute(values), rules=Rules(outlier_z=1000))
    assert found == [("flat_line", T0 + 5 * MIN, T0 + 10 * MIN, 6)]


def test_out_of_range_values_in_a_row_are_one_finding() -> None:
    values = wave(30)
    values[3:6] = [-1.0, -2.0, -0.5]
    values[20] = 150.0
    found = kinds(every_minute(values), valid=(0, 100), rules=Rules(outlier_z=1000))
    assert found == [("out_of_range", T0 + 3 * MIN, T0 + 5 * MIN, 3), ("out_of_range", T0 + 20 * MIN, T0 + 20 * MIN, 1)]


def test_late_data_arrived_after_later_readings_or_with_a_late_result_time() -> None:
    readings = every_minute(wave(180))
    # stored after the reading of minute 179 (ids in arrival order): 2 h behind → late
    readings[10] = Reading(9_999, readings[10].time, readings[10].value)
    # stored in order, but its resultTime says it was known 90 minutes after it happened
    readings[50] = Reading(readings[50].id, readings[50].time, readings[50].value, readings[50].time + timedelta(minutes=90))
    # stored just after minute 59 (id 600), 19 minutes behind: within the hour allowed
    readings[40] = Reading(605, readings[40].time, readings[40].value)
    late = [(f.start, f.detail) for f in assess(readings, T0, T0 + 180 * MIN, (None, None)).findings if f.kind == "late"]
    assert late == [(T0 + 10 * MIN, "arrived after a reading 2.8 h later"), (T0 + 50 * MIN, "resultTime 1.5 h after the phenomenon")]


def test_text_results_count_for_gaps_and_lateness_only() -> None:
    readings = [Reading(i + 1, T0 + i * MIN, None) for i in range(20)]
    report = assess(readings, T0, T0 + 20 * MIN, (0, 100))
    assert (report.readings, report.numeric, report.findings) == (20, 0, [])


def test_the_valid_range_of_a_stream_comes_from_its_properties_or_its_unit() -> None:
    assert valid_range({"unitOfMeasurement": {"symbol": "µg/m³"}}) == (0, None)
    assert valid_range({"unitOfMeasurement": {"symbol": "% RH"}}) == (0, 100)
    assert valid_range({"unitOfMeasurement": {"symbol": "°C"}, "properties": {"validRange": [-5, 40]}}) == (-5, 40)
    assert valid_range({"unitOfMeasurement": {"symbol": "furlong"}}) == (None, None)
    assert valid_range({"unitOfMeasurement": {"symbol": "%"}, "properties": {"validRange": "0-10"}}) == (0, 100)  # not a pair: ignored
