"""The sun's height above the horizon at a place and moment, by the NOAA solar-position
approximations (Spencer's series for the declination and the equation of time): within about half a
degree, which is all a street light's day/night needs (civil twilight is 6° below the horizon)."""

from __future__ import annotations

import math
from datetime import UTC, datetime


def elevation(lon: float, lat: float, moment: datetime) -> float:
    """Degrees above the horizon (negative: below) of the sun's centre, without refraction."""
    utc = moment.astimezone(UTC)
    day = utc.timetuple().tm_yday
    hours = utc.hour + utc.minute / 60 + utc.second / 3600
    g = 2 * math.pi / 365 * (day - 1 + (hours - 12) / 24)  # the fractional year, in radians
    declination = (0.006918 - 0.399912 * math.cos(g) + 0.070257 * math.sin(g) - 0.006758 * math.cos(2 * g)
                   + 0.000907 * math.sin(2 * g) - 0.002697 * math.cos(3 * g) + 0.00148 * math.sin(3 * g))  # fmt: skip
    equation_of_time = 229.18 * (0.000075 + 0.001868 * math.cos(g) - 0.032077 * math.sin(g) - 0.014615 * math.cos(2 * g)
                                 - 0.040849 * math.sin(2 * g))  # minutes  # fmt: skip
    solar_minutes = hours * 60 + equation_of_time + 4 * lon
    hour_angle = math.radians(solar_minutes / 4 - 180)
    phi = math.radians(lat)
    cos_zenith = math.sin(phi) * math.sin(declination) + math.cos(phi) * math.cos(declination) * math.cos(hour_angle)
    return 90 - math.degrees(math.acos(max(-1.0, min(1.0, cos_zenith))))
