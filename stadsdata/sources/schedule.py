"""When a source runs: every N seconds (`{"every": 300}`, or an ISO 8601 duration such as
`"PT5M"`) or by a cron expression (`{"cron": "*/10 * * * *"}`, UTC, with croniter); after failed
runs, sooner (back-off from 30 s, doubling, at most an hour or the interval)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from croniter import croniter

from stadsdata.errors import BadRequest

_DURATION = re.compile(r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$")
SCHEMA: dict[str, Any] = {
    "oneOf": [
        {"type": "object", "properties": {"every": {"oneOf": [{"type": "number", "minimum": 1}, {"type": "string"}]}},
         "required": ["every"], "additionalProperties": False},
        {"type": "object", "properties": {"cron": {"type": "string"}}, "required": ["cron"], "additionalProperties": False},
    ]
}  # fmt: skip


def seconds(value: int | float | str) -> float:
    """Seconds of an interval: a number, or an ISO 8601 duration (PT5M, P1D, PT1H30M)."""
    if isinstance(value, int | float):
        return float(value)
    match = _DURATION.match(value)
    if not match or value in ("P", "PT"):
        raise BadRequest(f"{value!r} is not a number of seconds or an ISO 8601 duration such as PT5M", field="schedule.every")
    parts = {k: float(v) if v else 0.0 for k, v in match.groupdict().items()}
    return parts["d"] * 86400 + parts["h"] * 3600 + parts["m"] * 60 + parts["s"]


def check(schedule: Any) -> dict[str, Any]:
    """A schedule as stored; BadRequest naming the member otherwise."""
    if not isinstance(schedule, dict) or len(schedule) != 1 or not ({"every", "cron"} & set(schedule)):
        raise BadRequest('a schedule is {"every": seconds or "PT5M"} or {"cron": "*/10 * * * *"}', field="schedule")
    if "every" in schedule:
        if isinstance(schedule["every"], bool) or not isinstance(schedule["every"], int | float | str):
            raise BadRequest("every is a number of seconds or an ISO 8601 duration", field="schedule.every")
        if seconds(schedule["every"]) < 1:
            raise BadRequest("a source runs at most once a second", field="schedule.every")
    elif not isinstance(schedule["cron"], str) or not croniter.is_valid(schedule["cron"]):
        raise BadRequest(f"{schedule['cron']!r} is not a cron expression (minute hour day month weekday)", field="schedule.cron")
    return schedule


def next_run(schedule: dict[str, Any], *, started: datetime, now: datetime) -> datetime:
    """The time of the next run after a successful run that started at `started`."""
    if "cron" in schedule:
        return croniter(schedule["cron"], now).get_next(datetime)
    return max(now, started + timedelta(seconds=seconds(schedule["every"])))


def retry_at(schedule: dict[str, Any], failures: int, *, now: datetime) -> datetime:
    """The time of the next try after `failures` failed runs in a row."""
    longest = 3600.0 if "cron" in schedule else min(3600.0, max(30.0, seconds(schedule["every"])))
    return now + timedelta(seconds=min(longest, 30.0 * 2 ** max(0, failures - 1)))
