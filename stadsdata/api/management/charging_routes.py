"""Endpoints of the EV charging analyses (`analytics/charging/`, `docs/analytics.md`, "EV charging"):

- `GET /charging/occupancy`: occupancy (charging / connected-not-charging / available / …) and
  energy per charge point (EVSE), per area and per hour, from the streams the caller may read;
- `GET /charging/placement`: the areas ranked by where new charge points are most needed;
- `POST /charging/peak-shaving`: the schedule with the lowest peak for the sessions and grid
  capacity sent, as OCPI 2.2.1 charging profiles (an infeasible problem: 422 naming the constraint);
- `GET /charging/peak-shaving`: the same for a day's sessions as the caller's data shows them.

The areas: the server's (setting `catalog_areas`, or the demo city's districts where it runs)."""

# No `from __future__ import annotations`: FastAPI reads the annotations.
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from stadsdata.access.policy import AccessPolicy
from stadsdata.analytics.charging import placement, report
from stadsdata.analytics.charging.peak_shaving import MAX_VARIABLES, Problem, Session, schedule
from stadsdata.api.management.endpoints import Endpoints
from stadsdata.errors import BadRequest
from stadsdata.service.series import parse_time

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
From = Annotated[str | None, Query(alias="from", description="RFC 3339 with a zone; default: `to` minus 24 hours")]
To = Annotated[str | None, Query(description="RFC 3339 with a zone; default: now")]
Capacity = Annotated[float, Field(ge=0, le=10_000_000)]
MAX_SLOTS = 10_000


class SessionAsk(BaseModel):
    """One charging session: the car is there from arrival to departure and wants its energy."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=200)
    arrival: AwareDatetime
    departure: AwareDatetime
    energyKwh: float = Field(ge=0, le=10_000, description="energy wanted (kWh)")
    maxPowerKw: float = Field(
        ge=0.001, le=10_000, description="the most the car and the charge point can take (kW; at least 1 W)"
    )


class PeakShavingAsk(BaseModel):
    """Sessions and the grid capacity per slot (`docs/analytics.md`, "Peak shaving")."""

    model_config = ConfigDict(extra="forbid")
    sessions: list[SessionAsk] = Field(max_length=5000)
    slotMinutes: int = Field(15, ge=1, le=1440, description="the length of a time slot")
    start: AwareDatetime | None = Field(
        None, description="the first slot's start; default: the first arrival, at a whole slot"
    )
    capacityKw: list[Capacity | None] | None = Field(
        None, max_length=MAX_SLOTS, description="the grid capacity per slot from `start` (kW; null: no limit)"
    )
    constantCapacityKw: Capacity | None = Field(
        None, description="one grid capacity for every slot (kW), instead of `capacityKw`"
    )
    slots: int | None = Field(
        None,
        ge=1,
        le=MAX_SLOTS,
        description="how many slots; default: to the last departure (or the capacity's length)",
    )


def add_charging_routes(
    router: APIRouter,
    tools: Endpoints,
    Who: Any,
    access: AccessPolicy,
    areas: Callable[[], list[Any]],  # noqa: N803 - a type
) -> None:
    server_areas = areas  # the setting's areas, or the demo city's districts (`app.named_areas`)

    @router.get(
        "/charging/occupancy", tags=["analytics"], summary="Occupancy and energy per charge point, area and hour"
    )
    def get_occupancy(
        request: Request, who: Who, from_: From = None, to: To = None,
        area: Annotated[str | None, Query(min_length=1, max_length=200, description="only the charge points in this area")] = None,
    ) -> dict[str, Any]:  # fmt: skip
        start, end = _range(from_, to)
        return report.occupancy_report(tools.store, access, who, _request(request), start, end, server_areas(), area)

    @router.get(
        "/charging/placement", tags=["analytics"], summary="The areas ranked by where new charge points are most needed"
    )
    def get_placement(
        request: Request, who: Who, from_: From = None, to: To = None,
        occupancyWeight: Annotated[float, Query(ge=0, le=100)] = 0.4,
        unservedWeight: Annotated[float, Query(ge=0, le=100, description="weight of the share of time no point was free")] = 0.4,
        distanceWeight: Annotated[float, Query(ge=0, le=100, description="weight of the distance to the nearest free point")] = 0.2,
        distanceScaleM: Annotated[float, Query(gt=0, le=100_000, description="metres at which the distance part is 1")] = 1000.0,
    ) -> dict[str, Any]:  # fmt: skip
        if occupancyWeight + unservedWeight + distanceWeight <= 0:
            raise BadRequest("at least one weight must be above 0", field="occupancyWeight")
        start, end = _range(from_, to)
        weights = placement.Weights(occupancyWeight, unservedWeight, distanceWeight, distanceScaleM)
        return report.placement_report(tools.store, access, who, _request(request), start, end, server_areas(), weights)

    @router.post(
        "/charging/peak-shaving",
        tags=["analytics"],
        summary="A charging schedule with the lowest peak within the grid capacity",
    )
    def post_peak_shaving(body: PeakShavingAsk) -> dict[str, Any]:
        return schedule(_problem(body)).as_json()

    @router.get(
        "/charging/peak-shaving",
        tags=["analytics"],
        summary="Peak shaving of a day's charging sessions as the data shows them",
    )
    def get_peak_shaving(
        request: Request, who: Who,
        day: Annotated[date | None, Query(alias="date", description="a day (Europe/Amsterdam); default: yesterday")] = None,
        slotMinutes: Annotated[int, Query(ge=1, le=1440)] = 15,
        capacityKw: Annotated[float | None, Query(gt=0, le=1_000_000, description="the grid capacity in every slot (kW)")] = None,
        maxPowerKw: Annotated[float, Query(ge=0.001, le=10_000, description="a session's maximum power (kW)")] = 11.0,
    ) -> dict[str, Any]:  # fmt: skip
        day = day or (datetime.now(AMSTERDAM).date() - timedelta(days=1))
        start = datetime.combine(day, time(), AMSTERDAM).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time(), AMSTERDAM).astimezone(UTC)
        found = report.assess(tools.store, access, who, _request(request), start, end, [])
        sessions = report.day_sessions(found, maxPowerKw)
        slot = timedelta(minutes=slotMinutes)
        slots = int((end - start) / slot) + (1 if (end - start) % slot else 0)
        if len(sessions) * slots > MAX_VARIABLES:
            raise BadRequest(
                f"{len(sessions)} sessions × {slots} slots is too many: ask for longer slots", field="slotMinutes"
            )
        answer = schedule(Problem(start, slot, [capacityKw] * slots, sessions)).as_json()
        return {"date": day.isoformat(), "maxPowerKw": maxPowerKw, **answer}


def _problem(body: PeakShavingAsk) -> Problem:
    slot = timedelta(minutes=body.slotMinutes)
    sessions = [
        Session(s.id, s.arrival.astimezone(UTC), s.departure.astimezone(UTC), s.energyKwh, s.maxPowerKw)
        for s in body.sessions
    ]
    for i, s in enumerate(sessions):
        if s.departure <= s.arrival:
            raise BadRequest(f"session {s.id!r}: departure must be after arrival", field=f"sessions[{i}].departure")
    if body.start is not None:
        start = body.start.astimezone(UTC)
    elif sessions:
        first = min(s.arrival for s in sessions)
        start = first - timedelta(seconds=first.timestamp() % slot.total_seconds())
    else:
        raise BadRequest("send `start` or at least one session", field="start")
    if body.capacityKw is not None:
        if body.constantCapacityKw is not None:
            raise BadRequest(
                "send `capacityKw` (per slot) or `constantCapacityKw`, not both", field="constantCapacityKw"
            )
        count = body.slots or len(body.capacityKw)
        if len(body.capacityKw) != count:
            raise BadRequest(f"capacityKw has {len(body.capacityKw)} slots, `slots` says {count}", field="capacityKw")
        capacity = list(body.capacityKw)
    else:
        last = max((s.departure for s in sessions), default=start + slot)
        count = body.slots or max(1, -int(-(last - start).total_seconds() // slot.total_seconds()))
        if count > MAX_SLOTS:
            raise BadRequest(f"at most {MAX_SLOTS} slots: the last departure is too far after `start`", field="slots")
        capacity = [body.constantCapacityKw] * count
    return Problem(start, slot, capacity, sessions)


def _range(from_: str | None, to: str | None) -> tuple[datetime, datetime]:
    end = parse_time(to, "to", datetime.now(UTC))
    return parse_time(from_, "from", end - timedelta(hours=24)), end


def _request(request: Request) -> str:
    return "GET " + request.url.path + (f"?{request.url.query}" if request.url.query else "")
