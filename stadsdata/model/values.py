"""Domain values and their ISO 8601 text forms (OGC 18-088 §8.2: TM_Instant, TM_Period)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from stadsdata.errors import BadRequest


class Interval(NamedTuple):
    start: datetime
    end: datetime


TimeValue = datetime | Interval


def parse_instant(text: object, *, field: str) -> datetime:
    """An ISO 8601 / RFC 3339 date-time with offset; naive times are taken as UTC."""
    if type(text) is str:
        try:  # fast path for the common '...Z' form (once per observation on bulk ingest)
            value = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            if value.tzinfo is UTC:
                return value
    if not isinstance(text, str):
        raise BadRequest(f"{field} must be an ISO 8601 time string", field=field)
    raw = text.strip()
    try:
        value = datetime.fromisoformat(raw[:-1] + "+00:00" if raw[-1:] in "zZ" and raw else raw)
    except ValueError:
        raise BadRequest(f"{field}: '{text}' is not an ISO 8601 time", field=field) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_interval(text: object, *, field: str) -> Interval:
    if not isinstance(text, str) or "/" not in text:
        raise BadRequest(f"{field} must be an ISO 8601 interval 'start/end'", field=field)
    start_text, _, end_text = text.partition("/")
    start = parse_instant(start_text, field=field)
    end = parse_instant(end_text, field=field)
    if end < start:
        raise BadRequest(f"{field}: the interval ends before it starts", field=field)
    return Interval(start, end)


def parse_time(text: object, *, field: str) -> TimeValue:
    """An instant, or an interval when the text contains '/'."""
    if isinstance(text, str) and "/" in text:
        return parse_interval(text, field=field)
    return parse_instant(text, field=field)


def format_instant(value: datetime) -> str:
    """RFC 3339 in UTC with 'Z'; milliseconds are shown when present, microseconds when needed."""
    value = value.astimezone(UTC).replace(tzinfo=None)
    if value.microsecond == 0:
        return value.isoformat(timespec="seconds") + "Z"
    if value.microsecond % 1000 == 0:
        return value.isoformat(timespec="milliseconds") + "Z"
    return value.isoformat(timespec="microseconds") + "Z"


def format_time(value: TimeValue | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, Interval):
        return f"{format_instant(value.start)}/{format_instant(value.end)}"
    return format_instant(value)


def has_nul(value: Any) -> bool:
    """Whether a text in `value` (at any depth of a JSON value) holds NUL, which no backend
    stores faithfully (PostgreSQL refuses it in text and jsonb): such input is refused."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(v) for v in value)
    return False
