"""One stream's means against the limits of a standard for its pollutant: per limit the number of
valid means above the value (an exceedance: strictly above, "shall not exceed"), the invalid means
above it (marked, not counted), and whether the allowed number a year is exceeded.

`exceeded` is true when the valid exceedances alone are more than allowed (or the valid annual mean
is above the value); false when they are not and at least 90 % of the period's hourly or daily means
are valid (the directive's minimum data capture, Annex I); None otherwise: too little data to tell
(the answer gives the counts). For an annual mean: None when the mean is not valid."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stadsdata.analytics.air_quality.means import YEAR_RULE, Mean
from stadsdata.analytics.air_quality.standards import Limit

MAX_LISTED = 400  # exceedances listed per limit (all are counted)


@dataclass(frozen=True)
class LimitResult:
    limit: Limit
    means: int  # means of the period (hours or days in it; 1 for the year)
    valid: int  # of them valid
    exceedances: int  # valid means above the value
    invalid_above: int  # means above the value that are not valid: not counted
    exceeded: bool | None
    mean: Mean | None = None  # the annual (period) mean, for a limit on it
    times: list[str] = field(default_factory=list)  # the hours or days with a valid exceedance (at most MAX_LISTED)

    def as_json(self) -> dict[str, Any]:
        body = {**self.limit.as_json(), "means": self.means, "validMeans": self.valid, "exceedances": self.exceedances,
                "invalidAbove": self.invalid_above, "exceeded": self.exceeded}  # fmt: skip
        if self.mean is not None:
            body["annualMean"] = self.mean.as_json()
        else:
            body["times"] = self.times
        return body


def assess(limit: Limit, hours: list[Mean], days: list[Mean], period: Mean, start: datetime, end: datetime) -> LimitResult:
    """`hours`: the hourly means with data; `days`: every day of the period; `period`: its mean."""
    if limit.period == "year":
        above = period.mean is not None and period.mean > limit.value
        exceeded = above if period.valid else None
        return LimitResult(limit, 1, int(period.valid), int(above and period.valid), int(above and not period.valid), exceeded, period)
    means = hours if limit.period == "hour" else days
    expected = int((end - start).total_seconds() // 3600) if limit.period == "hour" else len(days)
    above = [m for m in means if m.mean is not None and m.mean > limit.value]
    counted = [m for m in above if m.valid]
    valid = sum(m.valid for m in means)
    allowed = limit.allowed or 0
    exceeded: bool | None = True if len(counted) > allowed else (False if expected and valid >= YEAR_RULE * expected else None)
    return LimitResult(limit, expected, valid, len(counted), len(above) - len(counted), exceeded,
                       times=[m.time for m in counted[:MAX_LISTED]])  # fmt: skip
