"""The limit values a report compares with, as data: one `Standard` per legal text or guideline,
each a list of `Limit`s (pollutant, averaging period, value in µg/m³, how many exceedances a calendar
year are allowed). An exceedance is a mean strictly above the value ("shall not exceed").

Sources:
- `eu-2008`: Directive 2008/50/EC of 21 May 2008 on ambient air quality and cleaner air for Europe,
  OJ L 152, 11.6.2008. Annex XI, B (limit values for the protection of human health): NO2 one hour
  200 µg/m³ "not to be exceeded more than 18 times a calendar year", NO2 calendar year 40; PM10 one
  day 50 "not to be exceeded more than 35 times a calendar year", PM10 calendar year 40. Annex XIV, E
  (PM2.5 limit value, stage 1, from 1 January 2015): calendar year 25.
- `eu-2030`: Directive (EU) 2024/2881 of 23 October 2024 on ambient air quality and cleaner air for
  Europe (recast), OJ L, 2024/2881, 20.11.2024. Annex I, Section 1, Table 1 (limit values to be
  attained by 1 January 2030): PM2.5 one day 25 (not more than 18 times a calendar year), calendar
  year 10; PM10 one day 45 (18 times), calendar year 20; NO2 one hour 200 (3 times), one day 50
  (18 times), calendar year 20.
- `who-2021`: WHO global air quality guidelines (2021), ISBN 978-92-4-003422-8, Executive summary,
  Table 0.1 (recommended AQG levels): PM2.5 annual 5, 24-hour 15; PM10 annual 15, 24-hour 45; NO2
  annual 10, 24-hour 25. The 24-hour levels are the 99th percentile of the annual distribution of
  daily means, "i.e. 3–4 exceedance days per year": here 3 allowed (1 % of 365 days is 3.65, so a
  fourth day puts the 99th percentile above the level).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

POLLUTANTS = ("NO2", "PM10", "PM2.5")
PERIODS = ("hour", "day", "year")


@dataclass(frozen=True)
class Limit:
    pollutant: str  # one of POLLUTANTS
    period: str  # one of PERIODS: the averaging period of the mean compared
    value: float  # µg/m³
    allowed: int | None  # exceedances allowed a calendar year (None for an annual mean)

    def as_json(self) -> dict[str, Any]:
        return {"pollutant": self.pollutant, "period": self.period, "value": self.value, "allowedPerYear": self.allowed}


@dataclass(frozen=True)
class Standard:
    key: str
    title: str
    source: str  # the text the values come from
    limits: tuple[Limit, ...]

    def of(self, pollutant: str) -> tuple[Limit, ...]:
        return tuple(limit for limit in self.limits if limit.pollutant == pollutant)

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "source": self.source}


STANDARDS: dict[str, Standard] = {
    s.key: s
    for s in (
        Standard("eu-2008", "EU limit values (2008/50/EC)", "Directive 2008/50/EC, Annex XI B and Annex XIV E", (
            Limit("NO2", "hour", 200.0, 18),
            Limit("NO2", "year", 40.0, None),
            Limit("PM10", "day", 50.0, 35),
            Limit("PM10", "year", 40.0, None),
            Limit("PM2.5", "year", 25.0, None),
        )),
        Standard("eu-2030", "EU limit values from 2030 ((EU) 2024/2881)", "Directive (EU) 2024/2881, Annex I, Section 1, Table 1", (
            Limit("NO2", "hour", 200.0, 3),
            Limit("NO2", "day", 50.0, 18),
            Limit("NO2", "year", 20.0, None),
            Limit("PM10", "day", 45.0, 18),
            Limit("PM10", "year", 20.0, None),
            Limit("PM2.5", "day", 25.0, 18),
            Limit("PM2.5", "year", 10.0, None),
        )),
        Standard("who-2021", "WHO air quality guidelines (2021)", "WHO global air quality guidelines 2021, Table 0.1", (
            Limit("NO2", "day", 25.0, 3),
            Limit("NO2", "year", 10.0, None),
            Limit("PM10", "day", 45.0, 3),
            Limit("PM10", "year", 15.0, None),
            Limit("PM2.5", "day", 15.0, 3),
            Limit("PM2.5", "year", 5.0, None),
        )),
    )
}  # fmt: skip
