"""Street lights that failed or burn by day, from their light-level streams (per cent of full power).

Over the range, each hour's mean level is compared with the sun at the light's place (`sun.py`, at
the middle of the hour): an hour when the sun is more than 6° below the horizon (darker than civil
twilight) with a mean level below `OFF_PERCENT` is a *dark hour off*; an hour when the sun is more
than 6° above it with a mean level at or above `OFF_PERCENT` is an *hour burning by day*. Hours
around sunrise and sunset (between −6° and +6°) count for neither: lights switch within them. A light
is `failed` when at least half of its dark hours with data were off, `burns_by_day` when it burned
in at least `DAY_HOURS` daylight hours, otherwise `ok`; `no_data` without hourly means."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from stadsdata.analytics.public_space.readings import StreamSeries
from stadsdata.analytics.public_space.sun import elevation

OFF_PERCENT = 1.0
DAY_HOURS = 2
TWILIGHT = 6.0


@dataclass(frozen=True)
class Light:
    series: StreamSeries
    dark_hours: int
    dark_hours_off: int
    day_hours: int
    day_hours_on: int
    state: str  # failed, burns_by_day, ok, no_data

    def as_json(self) -> dict[str, Any]:
        return {**self.series.place(), "state": self.state, "darkHours": self.dark_hours, "darkHoursOff": self.dark_hours_off,
                "dayHours": self.day_hours, "dayHoursOn": self.day_hours_on}  # fmt: skip


def assess_lights(lights: list[StreamSeries], default_place: tuple[float, float]) -> list[Light]:
    """`default_place` (lon, lat) stands in for a light without a point Location."""
    order = {"failed": 0, "burns_by_day": 1, "ok": 2, "no_data": 3}
    out = [_light(s, default_place) for s in lights]
    return sorted(out, key=lambda light: (order[light.state], -light.dark_hours_off, -light.day_hours_on, light.series.latest.thing_name))


def _light(series: StreamSeries, default_place: tuple[float, float]) -> Light:
    location = series.place()["location"]
    lon, lat = location["coordinates"][:2] if isinstance(location, dict) and location.get("type") == "Point" else default_place
    dark = dark_off = day = day_on = 0
    for point in series.points:
        sun = elevation(lon, lat, point.time + timedelta(minutes=30))
        if sun < -TWILIGHT:
            dark += 1
            dark_off += point.mean < OFF_PERCENT
        elif sun > TWILIGHT:
            day += 1
            day_on += point.mean >= OFF_PERCENT
    if not series.points:
        state = "no_data"
    elif dark and dark_off * 2 >= dark:
        state = "failed"
    elif day_on >= DAY_HOURS:
        state = "burns_by_day"
    else:
        state = "ok"
    return Light(series, dark, dark_off, day, day_on, state)
