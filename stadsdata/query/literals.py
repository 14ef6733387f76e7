"""Literal tokens of the `$filter` grammar (`odata.lark`) converted to `query.ast.Literal`s.

Also home of `ParseFailure` and `syntax_error`, the failure shared by the query parser modules
(`query.literals`, `query.parser`, `query.options`); it lives here because this module imports
neither of the others.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time, timedelta, timezone

from lark import Token

from stadsdata.errors import QuerySyntaxError
from stadsdata.query.ast import Literal

_DATETIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:\.([0-9]+))?)?([Zz]|([+-])([0-9]{2}):([0-9]{2}))?"
)
_TIME = re.compile(r"([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?")
_NUM = r"([0-9]+(?:\.[0-9]+)?)"
_DURATION = re.compile(
    rf"(-)?P(?:{_NUM}D)?(?:T(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?", re.IGNORECASE
)
_CALENDAR_DURATION = re.compile(r"-?P[^T]*[YM]", re.IGNORECASE)


class ParseFailure(Exception):
    """A parse failure at `pos` in the text being parsed; internal to the query parser modules,
    which turn it into a `QuerySyntaxError` with `syntax_error`."""

    def __init__(self, what: str, pos: int, hint: str = "") -> None:
        super().__init__(what)
        self.what, self.pos, self.hint = what, pos, hint


def syntax_error(fail: ParseFailure, field: str, offset: int) -> QuerySyntaxError:
    """The public error for `fail`, whose text starts at `offset` in option `field`'s text."""
    position = offset + fail.pos
    detail = f"{fail.what} at position {position}{fail.hint}"
    return QuerySyntaxError(detail, field=field, position=position)


def literal_from_token(token: Token) -> Literal:
    """Convert a literal token to a `Literal` of the right kind."""
    kind, text, pos = token.type, str(token), token.start_pos
    try:
        if kind == "STRING":
            return Literal(text[1:-1].replace("''", "'"), "string", pos)
        if kind == "NUMBER":
            return _number(text, pos)
        if kind in ("TRUE", "FALSE"):
            return Literal(kind == "TRUE", "bool", pos)
        if kind == "NULL":
            return Literal(None, "null", pos)
        if kind == "DATETIME":
            return Literal(_datetime(text), "datetime", pos)
        if kind == "DATE":
            return Literal(date.fromisoformat(text), "date", pos)
        if kind == "TIME":
            return Literal(_time(text), "time", pos)
        if kind == "DURATION":
            return Literal(_duration(text[text.index("'") + 1 : -1], pos), "duration", pos)
        wkt = text[text.index("'") + 1 : -1].strip()
        if not wkt:
            raise ParseFailure("empty geography literal", pos)
        return Literal(wkt, "geography", pos)
    except (ValueError, OverflowError):
        raise ParseFailure(f"invalid {kind.lower()} literal '{text[:40]}'", pos) from None


def _number(text: str, pos: int) -> Literal:
    if re.fullmatch(r"-?[0-9]+", text):
        return Literal(int(text), "int", pos)
    value = float(text)
    if not math.isfinite(value):
        raise ParseFailure(f"number '{text[:40]}' out of range", pos)
    return Literal(value, "float", pos)


def _fraction(digits: str | None) -> int:
    """Microseconds from the digits after a decimal point (extra digits are truncated)."""
    return int((digits or "0")[:6].ljust(6, "0"))


def _datetime(text: str) -> datetime:
    """An aware UTC datetime; a missing offset is read as UTC."""
    y, mo, d, h, mi, s, frac, _zone, sign, tzh, tzm = _DATETIME.fullmatch(text).groups()
    zone = UTC
    if sign:
        offset = timedelta(hours=int(tzh), minutes=int(tzm))
        zone = timezone(-offset if sign == "-" else offset)
    parts = (int(y), int(mo), int(d), int(h), int(mi), int(s or 0), _fraction(frac))
    return datetime(*parts, tzinfo=zone).astimezone(UTC)


def _time(text: str) -> time:
    h, mi, s, frac = _TIME.fullmatch(text).groups()
    return time(int(h), int(mi), int(s or 0), _fraction(frac))


def _duration(text: str, pos: int) -> timedelta:
    """ISO 8601 days/hours/minutes/seconds, e.g. 'P1DT2H', '-PT1.5S' (no years or months)."""
    match = _DURATION.fullmatch(text)
    if not match or text.upper().endswith(("P", "T")):
        if _CALENDAR_DURATION.match(text):
            raise ParseFailure(f"duration '{text[:40]}' has years or months (no fixed length)", pos)
        raise ParseFailure(f"invalid duration '{text[:40]}'", pos, ", expected e.g. 'P1DT2H30M'")
    sign, *parts = match.groups()
    days, hours, minutes, seconds = (float(part or 0) for part in parts)
    value = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if value // timedelta(microseconds=1) >= 2**63:  # the store counts microseconds in 64 bits
        raise ParseFailure(f"duration '{text[:40]}' out of range", pos)
    return -value if sign else value
