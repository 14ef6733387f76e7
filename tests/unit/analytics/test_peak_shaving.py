"""The peak-shaving programme (`analytics/charging/peak_shaving.py`) on cases whose optimum is known
by hand, on random cases against the constraints and a lower bound, and on infeasible ones (which
constraint the 422 names)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from stadsdata.analytics.charging.peak_shaving import Infeasible, Problem, Session, schedule

T0 = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)
H = timedelta(hours=1)


def at(hours: float) -> datetime:
    return T0 + hours * H


def test_two_sessions_that_must_share_their_only_slot_add_up() -> None:
    # Both cars are there for slot 0 only and want 6 kWh each: 12 kW, with or without control.
    found = schedule(Problem(T0, H, [None], [Session("a", at(0), at(1), 6, 11), Session("b", at(0), at(1), 6, 11)]))
    assert found.peak_before_kw == pytest.approx(12) and found.peak_after_kw == pytest.approx(12, abs=1e-6)


def test_a_long_stay_gives_way_to_a_short_one() -> None:
    # A: slots 0–1, 10 kWh; B: slot 1 only, 8 kWh, both at most 11 kW. Uncontrolled: A takes 10 kWh in
    # slot 0 (10 kW), B 8 in slot 1: peak 10. Best: A 9 in slot 0 and 1 in slot 1 beside B's 8: peak 9.
    found = schedule(
        Problem(T0, H, [None, None], [Session("A", at(0), at(2), 10, 11), Session("B", at(1), at(2), 8, 11)])
    )
    assert found.peak_before_kw == pytest.approx(10)
    assert found.peak_after_kw == pytest.approx(9, abs=1e-6)
    assert found.power_kw[0] == pytest.approx([9, 1], abs=1e-6) and found.power_kw[1] == pytest.approx([0, 8], abs=1e-6)


def test_a_capacity_forces_the_energy_later() -> None:
    # 12 kWh in slots 0–1 at most 11 kW; the grid gives 2 kW in slot 0: 2 then 10 — a peak of 10 (without
    # the capacity it would be 6 and 6). Uncontrolled: 11 then 1.
    found = schedule(Problem(T0, H, [2.0, None], [Session("car", at(0), at(2), 12, 11)]))
    assert found.peak_before_kw == pytest.approx(11)
    assert found.peak_after_kw == pytest.approx(10, abs=1e-6)
    assert found.power_kw[0] == pytest.approx([2, 10], abs=1e-6)
    free = schedule(Problem(T0, H, [None, None], [Session("car", at(0), at(2), 12, 11)]))
    assert free.peak_after_kw == pytest.approx(6, abs=1e-6)


def test_the_evening_peak_is_spread_over_the_night() -> None:
    # Four cars arrive at 18:00 (slot 2) and leave at 07:00 (slot 15), 22 kWh each at 11 kW: uncontrolled
    # 44 kW for two hours; spread over 13 hours: 88 / 13 kW.
    cars = [Session(f"car{n}", at(2), at(15), 22, 11) for n in range(4)]
    found = schedule(Problem(T0, H, [None] * 16, cars))
    assert found.peak_before_kw == pytest.approx(44)
    assert found.peak_after_kw == pytest.approx(88 / 13, abs=1e-6)


def test_part_slots_power_and_the_charging_profile() -> None:
    # One car from 16:30 to 17:30 (half of slot 0 and half of slot 1, slots of an hour), 4 kWh at 10 kW.
    # Mean power per slot at most 5 kW; the best is 2 kW mean in each, i.e. 4 kW while it is there.
    found = schedule(Problem(T0, H, [None, None], [Session("car", at(0.5), at(1.5), 4, 10)]))
    assert found.presence[0] == pytest.approx([0.5, 0.5])
    assert found.peak_before_kw == pytest.approx(4) and found.peak_after_kw == pytest.approx(2, abs=1e-6)
    profile = found.charging_profile(0)
    assert profile["charging_rate_unit"] == "W" and profile["start_date_time"] == "2026-12-03T16:00:00Z"
    assert profile["duration"] == 7200
    assert profile["charging_profile_period"] == [{"start_period": 0, "limit": pytest.approx(4000, abs=0.2)}]
    body = found.as_json()
    assert body["sessions"][0]["deliveredKwh"] == pytest.approx(4, abs=1e-6)
    assert [s["afterKw"] for s in body["slots"]] == pytest.approx([2, 2], abs=1e-3)
    assert isinstance(profile["charging_profile_period"][0]["limit"], float)


def test_a_lone_car_is_spread_over_its_stay() -> None:
    found = schedule(Problem(T0, H, [None] * 3, [Session("car", at(0), at(3), 5, 11)]))
    assert found.peak_after_kw == pytest.approx(5 / 3, abs=1e-6)
    assert found.power_kw[0] == pytest.approx([5 / 3] * 3, abs=1e-6)


def test_among_equal_peaks_the_earliest_charging_is_taken() -> None:
    # B alone in slot 2 sets the peak (10 kW); A's 2 kWh fit in slot 0 or 1 alike: the schedule takes slot 0.
    found = schedule(
        Problem(T0, H, [None] * 3, [Session("A", at(0), at(2), 2, 11), Session("B", at(2), at(3), 10, 11)])
    )
    assert found.peak_after_kw == pytest.approx(10, abs=1e-6)
    assert found.power_kw[0] == pytest.approx([2, 0, 0], abs=1e-6)


@pytest.mark.parametrize("seed", range(8))
def test_random_schedules_meet_every_constraint_and_the_lower_bound(seed: int) -> None:
    rng = random.Random(seed)
    slots = 12
    sessions = []
    for n in range(rng.randint(1, 7)):
        a = rng.randint(0, slots - 2)
        d = rng.randint(a + 1, slots)
        power = rng.choice([3.7, 7.4, 11.0, 22.0])
        sessions.append(Session(f"s{n}", at(a), at(d), round(rng.uniform(0.1, 1.0) * power * (d - a), 3), power))
    found = schedule(Problem(T0, H, [None] * slots, sessions))
    p = found.power_kw
    assert p.min() >= -1e-9
    for i, s in enumerate(sessions):
        assert p[i].sum() == pytest.approx(s.energy_kwh, abs=1e-5)
        assert np.all(p[i] <= s.max_power_kw * found.presence[i] + 1e-6)
    # Lower bound, by hand: in any window of slots, what must be charged in it (energy minus the most
    # that can be charged outside it), spread evenly over the window.
    bound = 0.0
    for first in range(slots):
        for last in range(first, slots):
            must = sum(max(0.0, s.energy_kwh - s.max_power_kw * (found.presence[i].sum() - found.presence[i, first:last + 1].sum()))
                       for i, s in enumerate(sessions))  # fmt: skip
            bound = max(bound, must / (last - first + 1))
    assert found.peak_after_kw >= bound - 1e-6
    assert found.peak_after_kw <= found.peak_before_kw + 1e-6
    assert found.peak_after_kw <= sum(s.max_power_kw for s in sessions) + 1e-6


def test_a_session_that_cannot_get_its_energy_is_named() -> None:
    with pytest.raises(Infeasible) as caught:
        schedule(
            Problem(T0, H, [None] * 4, [Session("ok", at(0), at(2), 5, 11), Session("greedy", at(1), at(3), 30, 11)])
        )
    assert caught.value.status == 422 and caught.value.field == "sessions[1].energyKwh"
    assert caught.value.extra["maxKwh"] == pytest.approx(22) and "'greedy'" in caught.value.detail


def test_a_capacity_below_the_must_charge_need_is_named() -> None:
    # Two cars in slots 1–2 want 8 kWh each: 16 kWh, but the grid gives 5 + 5 there — 6 kW short in all.
    with pytest.raises(Infeasible) as caught:
        schedule(
            Problem(T0, H, [None, 5, 5, None], [Session("a", at(1), at(3), 8, 11), Session("b", at(1), at(3), 8, 11)])
        )
    problem = caught.value
    assert problem.status == 422 and problem.extra["constraint"] == "capacity"
    short = problem.extra["shortSlots"]
    assert {s["slot"] for s in short} <= {1, 2} and sum(s["shortKw"] for s in short) == pytest.approx(6, abs=1e-6)
    assert problem.field == f"capacity[{short[0]['slot']}]"


def test_a_session_outside_the_slots_is_named() -> None:
    with pytest.raises(Infeasible) as caught:
        schedule(Problem(T0, H, [None, None], [Session("late", at(5), at(6), 1, 11)]))
    assert caught.value.field == "sessions[0].arrival"
