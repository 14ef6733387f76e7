"""The three public-space reports as the API and the page ask for them: which streams (by their
ObservedProperty's name; the demo city's names by default), over how many days up to now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.analytics.public_space.groundwater import assess_wells
from stadsdata.analytics.public_space.mowing import mowing_list
from stadsdata.analytics.public_space.readings import read_streams
from stadsdata.analytics.public_space.street_lights import assess_lights
from stadsdata.errors import BadRequest
from stadsdata.store.base import Store

GRASS, GROUNDWATER, LIGHT = "Grass height", "Groundwater level", "Light level"
DEFAULT_PLACE = (5.0, 52.0)  # (lon, lat) for a light without a point Location: the middle of the Netherlands
MAX_DAYS = 366


def _range(days: int, now: datetime | None) -> tuple[datetime, datetime]:
    if not 1 <= days <= MAX_DAYS:
        raise BadRequest(f"days must be 1 to {MAX_DAYS}", field="days")
    end = (now or datetime.now(UTC)).astimezone(UTC)
    return end - timedelta(days=days), end + timedelta(seconds=1)


def mowing_report(
    store: Store, access: AccessPolicy, caller: Caller, request: str, *, mowing_height: float = 10.0,
    observed_property: str = GRASS, days: int = 21, now: datetime | None = None,
) -> dict[str, Any]:  # fmt: skip
    if not 0 < mowing_height < 1000:
        raise BadRequest("mowingHeight must be above 0 and below 1000 (cm)", field="mowingHeight")
    start, end = _range(days, now)
    fields = mowing_list(read_streams(store, access, caller, observed_property, start, end, "day", request), mowing_height)
    return {"observedProperty": observed_property, "mowingHeightCm": mowing_height, "days": days,
            "mowNow": sum(f.days_until == 0 for f in fields), "fields": [f.as_json() for f in fields]}  # fmt: skip


def groundwater_report(
    store: Store, access: AccessPolicy, caller: Caller, request: str, *, low: float | None = None, high: float | None = None,
    observed_property: str = GROUNDWATER, days: int = 30, now: datetime | None = None,
) -> dict[str, Any]:  # fmt: skip
    if low is not None and high is not None and low >= high:
        raise BadRequest("low must be below high", field="low")
    start, end = _range(days, now)
    wells = assess_wells(read_streams(store, access, caller, observed_property, start, end, "day", request), low, high)
    return {"observedProperty": observed_property, "low": low, "high": high, "days": days,
            "wells": [w.as_json() for w in wells]}  # fmt: skip


def street_light_report(
    store: Store, access: AccessPolicy, caller: Caller, request: str, *, observed_property: str = LIGHT, days: int = 7,
    now: datetime | None = None,
) -> dict[str, Any]:  # fmt: skip
    if days > 92:
        raise BadRequest("days must be 1 to 92 for street lights (hourly data)", field="days")
    start, end = _range(days, now)
    lights = assess_lights(read_streams(store, access, caller, observed_property, start, end, "hour", request), DEFAULT_PLACE)
    counts = {state: sum(light.state == state for light in lights) for state in ("failed", "burns_by_day", "ok", "no_data")}
    return {"observedProperty": observed_property, "days": days, "counts": counts, "lights": [light.as_json() for light in lights]}
