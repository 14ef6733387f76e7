"""What the demo city's sensors measure: one deterministic function per kind of reading, of the
sensor (its `seed`) and the moment. Daily and weekly rhythms (rush hours, office hours, night),
slow drifts and episodes, and a few faults: spikes, a stuck sensor, gaps of a day.

The same (sensor, moment) always gives the same value, so the 30 days of history and the live
readings after them form one continuous, reproducible series."""

from __future__ import annotations

import math
import zlib
from datetime import UTC, datetime, timedelta

CET = timedelta(hours=1)  # local time of the fictional city (winter time is good enough here)


_MASK = (1 << 64) - 1


class _Noise:
    """Deterministic pseudo-random numbers for one (sensor, moment, salt): a splitmix64 stream.
    (random.Random seeded per reading is about ten times slower; 30 days of the city are
    400 000 readings.)"""

    __slots__ = ("state",)

    def __init__(self, state: int) -> None:
        self.state = state & _MASK

    def random(self) -> float:
        self.state = (self.state + 0x9E3779B97F4A7C15) & _MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return ((z ^ (z >> 31)) >> 11) / float(1 << 53)

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.random()

    def gauss(self, mu: float, sigma: float) -> float:
        u = max(self.random(), 1e-12)
        return mu + sigma * math.sqrt(-2 * math.log(u)) * math.cos(2 * math.pi * self.random())


def _rng(seed: int, moment: datetime, salt: str = "") -> _Noise:
    return _Noise(seed * 0x100000001B3 ^ int(moment.timestamp()) * 0xC2B2AE3D27D4EB4F ^ zlib.crc32(salt.encode()) << 20)


def _local(moment: datetime) -> tuple[float, int]:
    """(hour of the day as a fraction, weekday 0 = Monday) in the city's local time."""
    local = moment.astimezone(UTC) + CET
    return local.hour + local.minute / 60, local.weekday()


def _rush(hour: float) -> float:
    """0 … 1: the morning (8h) and evening (17h) peaks of traffic."""
    return math.exp(-((hour - 8) ** 2) / 2.5) + 0.85 * math.exp(-((hour - 17) ** 2) / 3)


def _days(moment: datetime) -> float:
    return moment.timestamp() / 86_400


def in_gap(seed: int, moment: datetime) -> bool:
    """Some sensors are offline for one day in the history (a fault the charts show as a gap)."""
    if seed % 7 != 3:
        return False
    day = int(_days(moment))
    return day % 23 == seed % 23


def air(kind: str, seed: int, moment: datetime) -> float:
    hour, weekday = _local(moment)
    rng = _rng(seed, moment, kind)
    days = _days(moment)
    episode = 1 + 1.2 * math.exp(-(((days % 30) - 12) ** 2) / 3)  # a smog episode each month
    traffic = _rush(hour) * (0.45 if weekday >= 5 else 1.0)
    site = 0.85 + (seed % 5) * 0.08
    if kind == "pm10":
        value = site * episode * (14 + 9 * traffic + 3 * math.sin(days / 3)) + rng.gauss(0, 2)
        if rng.random() < 0.0008:  # a spike: an insect, a barbecue, a fault
            value *= 6
        return round(max(value, 1), 1)
    if kind == "pm25":
        return round(max(0.62 * air("pm10", seed, moment) + rng.gauss(0, 1.2), 0.5), 1)
    if kind == "no2":
        return round(max(site * (9 + 32 * traffic) + rng.gauss(0, 3), 1), 1)
    if kind == "temperature":
        return round(temperature(moment) + (seed % 3) * 0.3 + rng.gauss(0, 0.3), 1)
    if kind == "humidity":
        return round(min(100, max(25, 88 - 2.6 * (temperature(moment) - 6) + rng.gauss(0, 2.5))), 1)
    if kind == "pressure":
        return round(1013 + 9 * math.sin(days / 4.7) + 4 * math.sin(days / 1.9) + rng.gauss(0, 0.4), 1)
    raise ValueError(kind)


def temperature(moment: datetime) -> float:
    hour, _ = _local(moment)
    days = _days(moment)
    return 7 + 4.5 * math.sin((hour - 9) / 24 * 2 * math.pi) + 3 * math.sin(days / 6.3)


def garage_vacant(seed: int, capacity: int, moment: datetime) -> int:
    hour, weekday = _local(moment)
    rng = _rng(seed, moment, "garage")
    if weekday < 5:
        occupied = 0.25 + 0.6 * math.exp(-((hour - 13) ** 2) / 14)
    elif weekday == 5:  # Saturday shopping
        occupied = 0.2 + 0.75 * math.exp(-((hour - 14.5) ** 2) / 8)
    else:
        occupied = 0.15 + 0.35 * math.exp(-((hour - 14) ** 2) / 8)
    occupied = min(1.0, max(0.0, occupied + rng.gauss(0, 0.03)))
    return int(round(capacity * (1 - occupied)))


CHARGE_STATES = ("Available", "Charging", "Faulted")


def charge_status(seed: int, moment: datetime) -> str:
    hour, _ = _local(moment)
    rng = _rng(seed, moment, "status")
    if seed % 11 == 5 and int(_days(moment)) % 9 == 0:  # one charge point fails now and then
        return "Faulted"
    busy = 0.25 + 0.5 * math.exp(-((hour - 19) ** 2) / 10) + 0.3 * math.exp(-((hour - 10) ** 2) / 6)
    return "Charging" if rng.random() < busy else "Available"


def charge_session_kwh(seed: int, moment: datetime) -> float | None:
    """Energy of a session that ends at this (whole) hour, or None when none ends."""
    if charge_status(seed, moment) == "Charging" and charge_status(seed, moment + timedelta(hours=1)) != "Charging":
        return round(_rng(seed, moment, "kwh").uniform(4, 38), 2)
    return None


def groundwater(seed: int, moment: datetime) -> float:
    """Groundwater level in m relative to NAP: a slow decline, raised by rain spells."""
    days = _days(moment)
    rain = sum(0.12 * math.exp(-max(0.0, days - spell) / 4) for spell in _rain_spells(days))
    base = -0.6 - (seed % 4) * 0.35
    return round(base - 0.004 * (days % 60) + rain + _rng(seed, moment, "gw").gauss(0, 0.004), 3)


def _rain_spells(days: float) -> list[float]:
    start = int(days) - 20
    return [float(d) for d in range(start, int(days) + 1) if _Noise(d * 0x2545F4914F6CDD1D).random() < 0.18]


def grass_height(seed: int, moment: datetime) -> float:
    """cm; grows about 0.45 cm a day, mown back to 4 cm every 18 days (per field, staggered)."""
    days = _days(moment) + seed * 2.7
    since_mowing = days % 18
    return round(4 + 0.45 * since_mowing + _rng(seed, moment, "grass").gauss(0, 0.15), 1)


def street_light(seed: int, moment: datetime) -> float:
    """Dimming level in % of full power: off by day, full in the evening, dimmed at night."""
    if seed % 13 == 7:  # a lamp that has failed: always 0 (what a fault looks like)
        return 0.0
    hour, _ = _local(moment)
    if 8 <= hour < 16.5:
        return 0.0
    if 16.5 <= hour < 23 or 6 <= hour < 8:
        return 100.0
    return 40.0


def waste_fill(seed: int, moment: datetime) -> float:
    """% full: rises with the day's use, emptied on Monday and Thursday mornings."""
    local = moment.astimezone(UTC) + CET
    emptied = local.replace(hour=7, minute=0, second=0, microsecond=0)
    while emptied.weekday() not in (0, 3) or emptied > local:
        emptied -= timedelta(days=1)
    hours = (local - emptied).total_seconds() / 3600
    rate = 0.55 + (seed % 6) * 0.12
    level = 4 + rate * hours + _rng(seed, moment, "waste").gauss(0, 1.5)
    return round(min(100.0, max(0.0, level)), 1)


def heavy_traffic(seed: int, moment: datetime) -> int:
    """Heavy vehicles counted in the hour before `moment`."""
    hour, weekday = _local(moment)
    rng = _rng(seed, moment, "traffic")
    scale = (0.2 if weekday == 6 else 0.45 if weekday == 5 else 1.0) * (60 + (seed % 4) * 25)
    return max(0, int(round(scale * (0.08 + _rush(hour)) + rng.gauss(0, 4))))
