"""Peak shaving of EV charging (Utrecht's case): given charging sessions (arrival, departure, energy
wanted, maximum power) and the grid operator's capacity per time slot, the schedule that delivers
every session's energy within its window, its power limit and the capacity, with the lowest peak.

The linear programme (solved with scipy's HiGHS, `scipy.optimize.linprog(method="highs")`):
variables p[i, t] ≥ 0, the mean power (kW) of session i over slot t, and z, the peak:

    minimise z
    Σ_t p[i, t] · Δ = E_i                    every session gets its energy (Δ: the slot in hours)
    p[i, t] ≤ P_i · f[i, t]                  its power limit, f[i, t] the share of slot t it is there
    Σ_i p[i, t] ≤ C_t                        the grid capacity of slot t
    Σ_i p[i, t] ≤ z                          the peak

Power is a slot's mean (as the grid operator settles per quarter hour). Among the schedules with the
lowest peak a second solve takes the one that charges earliest (Σ t · p[i, t] least, the peak held),
so the answer is definite. The uncontrolled peak ("before") is every car at its maximum power from
arrival until full. An infeasible problem raises `Infeasible` (422) naming the constraint: the
session that cannot get its energy within its window, or the slots whose capacity is below what
must be charged in them (found with a second programme that lets capacity be exceeded at a cost)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, hstack, vstack

from stadsdata.errors import ProblemError, ServiceUnavailable

MAX_VARIABLES = 500_000  # sessions × slots
TOLERANCE = 1e-6  # kWh / kW


class Infeasible(ProblemError):
    """A problem no schedule can meet (422), naming the constraint that cannot hold."""

    status = 422
    title = "Unprocessable Content"


@dataclass(frozen=True)
class Session:
    id: str
    arrival: datetime
    departure: datetime
    energy_kwh: float
    max_power_kw: float


@dataclass(frozen=True)
class Problem:
    start: datetime  # the first slot's start
    slot: timedelta
    capacity_kw: list[float | None]  # per slot (None: no limit); its length is the number of slots
    sessions: list[Session]

    @property
    def hours(self) -> float:
        return self.slot.total_seconds() / 3600

    def slot_start(self, t: int) -> datetime:
        return self.start + t * self.slot


@dataclass(frozen=True)
class Schedule:
    problem: Problem
    power_kw: np.ndarray  # sessions × slots: the controlled mean power
    uncontrolled_kw: np.ndarray  # sessions × slots: at maximum power from arrival until full
    presence: np.ndarray  # sessions × slots: the share of each slot the car is there

    @property
    def peak_before_kw(self) -> float:
        return float(self.uncontrolled_kw.sum(axis=0).max(initial=0.0))

    @property
    def peak_after_kw(self) -> float:
        return float(self.power_kw.sum(axis=0).max(initial=0.0))

    def charging_profile(self, i: int) -> dict[str, Any]:
        """Session i's schedule as an OCPI 2.2.1 ChargingProfile: from the slot it arrives in, a
        `charging_profile_period` (start_period in seconds, limit in W) wherever the limit changes.
        The limit is the power while the car is there (the slot's mean ÷ the share it is there)."""
        present = np.flatnonzero(self.presence[i] > 0)
        first, last = int(present[0]), int(present[-1])
        periods: list[dict[str, Any]] = []
        for t in range(first, last + 1):
            share = self.presence[i, t]
            limit = round(float(1000 * self.power_kw[i, t] / share), 1) if share > 0 else 0.0
            if not periods or periods[-1]["limit"] != limit:
                periods.append({"start_period": int((t - first) * self.problem.slot.total_seconds()), "limit": limit})
        return {
            "start_date_time": _iso(self.problem.slot_start(first)),
            "duration": int((last + 1 - first) * self.problem.slot.total_seconds()),
            "charging_rate_unit": "W",
            "charging_profile_period": periods,
        }

    def as_json(self) -> dict[str, Any]:
        p = self.problem
        before, after = self.uncontrolled_kw.sum(axis=0), self.power_kw.sum(axis=0)
        return {
            "start": _iso(p.start), "slotMinutes": p.slot.total_seconds() / 60,
            "peakBeforeKw": round(self.peak_before_kw, 3), "peakAfterKw": round(self.peak_after_kw, 3),
            "peakReductionKw": round(self.peak_before_kw - self.peak_after_kw, 3),
            "slots": [{"start": _iso(p.slot_start(t)), "capacityKw": p.capacity_kw[t], "beforeKw": round(float(before[t]), 3),
                       "afterKw": round(float(after[t]), 3)} for t in range(len(p.capacity_kw))],
            "sessions": [{"id": s.id, "energyKwh": s.energy_kwh, "maxPowerKw": s.max_power_kw,
                          "deliveredKwh": round(float(self.power_kw[i].sum() * p.hours), 6),
                          "powerKw": [round(float(v), 4) for v in self.power_kw[i]],
                          "chargingProfile": self.charging_profile(i)} for i, s in enumerate(p.sessions)],
        }  # fmt: skip


def presence(problem: Problem) -> np.ndarray:
    """sessions × slots: the share of each slot that each car is there."""
    slots = len(problem.capacity_kw)
    share = np.zeros((len(problem.sessions), slots))
    width = problem.slot.total_seconds()
    for i, s in enumerate(problem.sessions):
        a = (s.arrival - problem.start).total_seconds() / width
        d = (s.departure - problem.start).total_seconds() / width
        for t in range(max(0, int(np.floor(a))), min(slots, int(np.ceil(d)))):
            share[i, t] = max(0.0, min(d, t + 1) - max(a, t))
    return share


def uncontrolled(problem: Problem, share: np.ndarray) -> np.ndarray:
    """Every car at its maximum power from arrival until it has its energy (or leaves)."""
    power = np.zeros_like(share)
    for i, s in enumerate(problem.sessions):
        left = s.energy_kwh
        for t in np.flatnonzero(share[i] > 0):
            energy = min(left, s.max_power_kw * share[i, t] * problem.hours)
            power[i, t] = energy / problem.hours
            left -= energy
            if left <= TOLERANCE:
                break
    return power


def schedule(problem: Problem) -> Schedule:
    """The schedule with the lowest peak (see the module's docstring), or `Infeasible`."""
    n, slots = len(problem.sessions), len(problem.capacity_kw)
    if n * slots > MAX_VARIABLES:
        raise Infeasible(f"{n} sessions × {slots} slots is more than {MAX_VARIABLES} variables: ask for fewer slots or sessions",
                         field="sessions", status=400)  # fmt: skip
    share = presence(problem)
    _check_sessions(problem, share)
    before = uncontrolled(problem, share)
    if n == 0:
        return Schedule(problem, np.zeros((0, slots)), before, share)
    equality, energy, bounds, rows = _programme(problem, share)
    capacity = np.array([np.inf if c is None else c for c in problem.capacity_kw])
    finite = np.flatnonzero(np.isfinite(capacity))
    # Σ_i p[i,t] - z ≤ 0 (the peak) for every slot; Σ_i p[i,t] ≤ C_t where C_t is finite
    peak_rows = hstack([rows, coo_matrix(-np.ones((slots, 1)))]).tocsr()
    upper = vstack([peak_rows, _with_zero(rows[finite])]).tocsr()
    limits = np.concatenate([np.zeros(slots), capacity[finite]])
    cost = np.zeros(n * slots + 1)
    cost[-1] = 1.0
    eq = _with_zero(equality)
    first = linprog(cost, A_ub=upper, b_ub=limits, A_eq=eq, b_eq=energy, bounds=[*bounds, (0, None)], method="highs")
    if first.status == 2:
        _explain_capacity(problem, share, equality, energy, bounds, rows, capacity)
    if first.status != 0:
        # not infeasible, yet no optimum (an iteration or time limit, numerical trouble): the solver's
        # failure, not the caller's, and never a 500 — the answer says what HiGHS said
        raise ServiceUnavailable(f"the charging schedule could not be solved now (HiGHS: {first.message}); try again or with fewer slots")
    peak = float(first.x[-1])
    # Second solve: among schedules with this peak, the one that charges earliest.
    late = np.concatenate([np.tile(np.arange(slots, dtype=float), n) / max(slots, 1), [0.0]])
    hold = (0, peak * (1 + 1e-9) + 1e-9)
    second = linprog(late, A_ub=upper, b_ub=limits, A_eq=eq, b_eq=energy, bounds=[*bounds, hold], method="highs")
    x = second.x if second.status == 0 else first.x
    power = np.clip(x[:-1].reshape(n, slots), 0.0, None)
    return Schedule(problem, power, before, share)


def _check_sessions(problem: Problem, share: np.ndarray) -> None:
    for i, s in enumerate(problem.sessions):
        if s.departure <= s.arrival:
            raise Infeasible(f"session {s.id!r}: departure is not after arrival", field=f"sessions[{i}].departure")
        if share[i].sum() <= 0:
            raise Infeasible(
                f"session {s.id!r} is not within the slots of the schedule", field=f"sessions[{i}].arrival"
            )
        reachable = float(s.max_power_kw * share[i].sum() * problem.hours)
        if s.energy_kwh > reachable + TOLERANCE:
            raise Infeasible(
                f"session {s.id!r} cannot get {s.energy_kwh} kWh within its window: at most {reachable:.3f} kWh at "
                f"{s.max_power_kw} kW between arrival and departure (within the schedule)", field=f"sessions[{i}].energyKwh",
                extra={"constraint": "energy", "session": s.id, "maxKwh": round(reachable, 6)},
            )  # fmt: skip


def _programme(problem: Problem, share: np.ndarray) -> tuple[Any, np.ndarray, list[tuple[float, float]], Any]:
    """The energy equalities, the variables' bounds and the per-slot sum rows (without z)."""
    n, slots = share.shape
    index = np.arange(n * slots)
    equality = coo_matrix(
        (np.full(n * slots, problem.hours), (np.repeat(np.arange(n), slots), index)), shape=(n, n * slots)
    ).tocsr()
    energy = np.array([s.energy_kwh for s in problem.sessions])
    bounds = [(0.0, problem.sessions[i].max_power_kw * share[i, t]) for i in range(n) for t in range(slots)]
    rows = coo_matrix((np.ones(n * slots), (np.tile(np.arange(slots), n), index)), shape=(slots, n * slots)).tocsr()
    return equality, energy, bounds, rows


def _with_zero(matrix: Any) -> Any:
    """The matrix with a zero column for z."""
    return hstack([matrix, coo_matrix((matrix.shape[0], 1))]).tocsr()


def _explain_capacity(
    problem: Problem, share: np.ndarray, equality: Any, energy: np.ndarray, bounds: list[tuple[float, float]], rows: Any,
    capacity: np.ndarray,
) -> None:  # fmt: skip
    """Every session can get its energy on its own, so capacity is short: the least extra capacity
    (per slot, in kW) that makes the problem feasible names the slots that are short."""
    n, slots = share.shape
    finite = np.flatnonzero(np.isfinite(capacity))
    extra = len(finite)
    # variables: p (n·slots), s (one per finite slot); Σ_i p[i,t] - s_t ≤ C_t; minimise Σ s_t
    slack = coo_matrix((-np.ones(extra), (np.arange(extra), np.arange(extra))), shape=(extra, extra))
    upper = hstack([rows[finite], slack]).tocsr()
    eq = hstack([equality, coo_matrix((n, extra))]).tocsr()
    cost = np.concatenate([np.zeros(n * slots), np.ones(extra)])
    found = linprog(
        cost,
        A_ub=upper,
        b_ub=capacity[finite],
        A_eq=eq,
        b_eq=energy,
        bounds=[*bounds, *[(0, None)] * extra],
        method="highs",
    )
    short = [(int(finite[k]), float(v)) for k, v in enumerate(found.x[n * slots :])] if found.status == 0 else []
    short = [(t, v) for t, v in short if v > TOLERANCE]
    if not short:
        raise Infeasible(
            "the grid capacity is below what the sessions must charge",
            field="capacity",
            extra={"constraint": "capacity"},
        )
    t0 = short[0][0]
    slots_named = ", ".join(f"{t} ({_iso(problem.slot_start(t))}): {v:.3f} kW short" for t, v in short[:8])
    raise Infeasible(
        f"the grid capacity is below what the sessions must charge in slot(s) {slots_named}"
        + (" …" if len(short) > 8 else ""), field=f"capacity[{t0}]",
        extra={"constraint": "capacity", "shortSlots": [{"slot": t, "start": _iso(problem.slot_start(t)), "shortKw": round(v, 6)}
                                                       for t, v in short]},
    )  # fmt: skip


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
