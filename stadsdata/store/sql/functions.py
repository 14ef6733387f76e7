"""SQL constructs whose spelling differs per database. Written once as SQLAlchemy elements;
each backend adds its compile rule (`@compiles(..., dialect)`) in its own package. The default
rules here are SQLite's (the embedded default)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Float, Integer, Text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal


class JsonValue(FunctionElement[Any]):
    """The scalar at a path inside a JSON column: json_value(col, 'a', 'b').
    `as_type` ('number', 'string', 'bool' or None) hints the comparison type."""

    inherit_cache = True
    name = "json_value"
    # path and as_type shape the SQL, so they must be part of the statement cache key
    _traverse_internals = FunctionElement._traverse_internals + [
        ("path", InternalTraversal.dp_plain_obj),
        ("as_type", InternalTraversal.dp_plain_obj),
    ]

    def __init__(self, column: Any, path: tuple[str, ...], as_type: str | None = None) -> None:
        self.path = path
        self.as_type = as_type
        super().__init__(column)
        if as_type == "number":
            self.type = Float()
        elif as_type == "string":
            self.type = Text()


def _json_path(path: tuple[str, ...]) -> str:
    parts = []
    for segment in path:
        if segment.isdigit():
            parts.append(f"[{segment}]")
        else:
            parts.append('."' + segment.replace('"', '""') + '"')
    return "$" + "".join(parts)


@compiles(JsonValue)
def _json_value_sqlite(element: JsonValue, compiler: Any, **kw: Any) -> str:
    (column,) = element.clauses
    path = compiler.process(_literal_text(_json_path(element.path)), **kw)
    return f"json_extract({compiler.process(column, **kw)}, {path})"


def _literal_text(text: str) -> Any:
    from sqlalchemy import literal

    return literal(text, Text())


class TimePart(FunctionElement[Any]):
    """A calendar field of a timestamp: year, month, day, hour, minute, second,
    fractionalseconds, date (as 'YYYY-MM-DD' text) or time (as 'HH:MM:SS' text)."""

    inherit_cache = True
    name = "time_part"
    _traverse_internals = FunctionElement._traverse_internals + [("field", InternalTraversal.dp_string)]

    def __init__(self, field: str, value: Any) -> None:
        self.field = field
        super().__init__(value)
        self.type = Text() if field in ("date", "time") else (Float() if field == "fractionalseconds" else Integer())


_SQLITE_STRFTIME = {"year": "%Y", "month": "%m", "day": "%d", "hour": "%H", "minute": "%M", "second": "%S"}


@compiles(TimePart)
def _time_part_sqlite(element: TimePart, compiler: Any, **kw: Any) -> str:
    (value,) = element.clauses
    micros = compiler.process(value, **kw)
    seconds = f"({micros}) / 1000000"
    if element.field == "fractionalseconds":
        return f"((({micros}) % 1000000) / 1000000.0)"
    if element.field == "date":
        return f"date({seconds}, 'unixepoch')"
    if element.field == "time":
        return f"time({seconds}, 'unixepoch')"
    return f"CAST(strftime('{_SQLITE_STRFTIME[element.field]}', {seconds}, 'unixepoch') AS INTEGER)"


class TimeShift(FunctionElement[Any]):
    """A timestamp plus a number of microseconds (a duration)."""

    inherit_cache = True
    name = "time_shift"

    def __init__(self, value: Any, micros: Any) -> None:
        super().__init__(value, micros)
        self.type = value.type


@compiles(TimeShift)
def _time_shift_sqlite(element: TimeShift, compiler: Any, **kw: Any) -> str:
    value, micros = element.clauses
    return f"({compiler.process(value, **kw)} + {compiler.process(micros, **kw)})"


class TimeDiff(FunctionElement[Any]):
    """The difference of two timestamps in microseconds."""

    inherit_cache = True
    name = "time_diff"
    type = BigInteger()


@compiles(TimeDiff)
def _time_diff_sqlite(element: TimeDiff, compiler: Any, **kw: Any) -> str:
    a, b = element.clauses
    return f"({compiler.process(a, **kw)} - {compiler.process(b, **kw)})"


class Remainder(FunctionElement[Any]):
    """OData `mod`: the remainder of a / b with the sign of a, also for non-integers
    (12.5 mod 2 is 0.5); SQLite's `%` would truncate both operands to integers first."""

    inherit_cache = True
    name = "remainder"
    type = Float()


@compiles(Remainder)
def _remainder_sqlite(element: Remainder, compiler: Any, **kw: Any) -> str:
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"(({a}) - ({b}) * CAST(({a}) / ({b}) AS INTEGER))"  # CAST truncates toward zero


class StrPosition(FunctionElement[Any]):
    """1-based position of needle in haystack, 0 when absent: str_position(haystack, needle)."""

    inherit_cache = True
    name = "str_position"
    type = Integer()


@compiles(StrPosition)
def _str_position_sqlite(element: StrPosition, compiler: Any, **kw: Any) -> str:
    haystack, needle = element.clauses
    return f"instr({compiler.process(haystack, **kw)}, {compiler.process(needle, **kw)})"


class GeoFunction(FunctionElement[Any]):
    """A spatial function on two geometries (GeoJSON columns or WKT literals):
    st_intersects, st_within, ..., st_relate (3 args), geo_distance, geo_length (1 arg)."""

    inherit_cache = True
    name = "geo_function"
    _traverse_internals = FunctionElement._traverse_internals + [("function", InternalTraversal.dp_string)]

    def __init__(self, function: str, *args: Any) -> None:
        self.function = function
        super().__init__(*args)
        self.type = Float() if function in ("geo_distance", "geo_length") else Integer()


@compiles(GeoFunction)
def _geo_sqlite(element: GeoFunction, compiler: Any, **kw: Any) -> str:
    args = ", ".join(compiler.process(c, **kw) for c in element.clauses)
    return f"{element.function}({args})"


class Rounding(FunctionElement[Any]):
    """OData round/floor/ceiling of a number; `round` rounds halves away from zero."""

    inherit_cache = True
    name = "rounding"
    type = Float()
    _traverse_internals = FunctionElement._traverse_internals + [("function", InternalTraversal.dp_string)]

    def __init__(self, function: str, value: Any) -> None:
        self.function = function
        super().__init__(value)


@compiles(Rounding)
def _rounding_sqlite(element: Rounding, compiler: Any, **kw: Any) -> str:
    (value,) = element.clauses
    return f"{element.function}({compiler.process(value, **kw)})"


class ScanHint(FunctionElement[Any]):
    """An integer column whose index the planner should not pick for this term (SQLite: unary
    `+`; PostgreSQL: the column, its planner has statistics). Used by the access filter on
    Observations: with most streams visible, reading Observations in the query's own order and
    testing each row's stream beats reading every visible row through the stream index and
    sorting them all for one page."""

    inherit_cache = True
    name = "scan_hint"
    type = BigInteger()


@compiles(ScanHint)
def _scan_hint_sqlite(element: ScanHint, compiler: Any, **kw: Any) -> str:
    (column,) = element.clauses
    return f"+{compiler.process(column, **kw)}"


class RegexMatch(FunctionElement[Any]):
    """Whether a regular expression matches a text: found anywhere in it, or (`full`) the whole
    text. SQLite: Python's `re` (`stadsdata_regexp`, registered on each connection); PostgreSQL:
    its `~` operator (callers keep to what both read alike, see api/ngsild/regex.py)."""

    inherit_cache = True
    name = "regex_match"
    type = Integer()
    _traverse_internals = FunctionElement._traverse_internals + [("full", InternalTraversal.dp_plain_obj)]

    def __init__(self, value: Any, pattern: Any, *, full: bool) -> None:
        self.full = full
        super().__init__(value, pattern)


@compiles(RegexMatch)
def _regex_match_sqlite(element: RegexMatch, compiler: Any, **kw: Any) -> str:
    value, pattern = (compiler.process(c, **kw) for c in element.clauses)
    return f"stadsdata_regexp({pattern}, {value}, {1 if element.full else 0})"


class JsonIsText(FunctionElement[Any]):
    """Whether the member at a path of a JSON column is a JSON string."""

    inherit_cache = True
    name = "json_is_text"
    type = Integer()
    _traverse_internals = FunctionElement._traverse_internals + [("path", InternalTraversal.dp_plain_obj)]

    def __init__(self, column: Any, path: tuple[str, ...]) -> None:
        self.path = path
        super().__init__(column)


@compiles(JsonIsText)
def _json_is_text_sqlite(element: JsonIsText, compiler: Any, **kw: Any) -> str:
    (column,) = element.clauses
    path = compiler.process(_literal_text(_json_path(element.path)), **kw)
    return f"(json_type({compiler.process(column, **kw)}, {path}) = 'text')"


class SphereDistance(FunctionElement[Any]):
    """Great-circle metres from a stored GeoJSON geometry (a point, else its representative point)
    to the point (lon, lat): `stadsdata.geo.sphere.metres`. SQLite: `geo_sphere_distance`
    (registered with the spatial functions); PostgreSQL: the same formula in SQL."""

    inherit_cache = True
    name = "sphere_distance"
    type = Float()


@compiles(SphereDistance)
def _sphere_distance_sqlite(element: SphereDistance, compiler: Any, **kw: Any) -> str:
    column, lon, lat = (compiler.process(c, **kw) for c in element.clauses)
    return f"geo_sphere_distance({column}, {lon}, {lat})"
