"""PostgreSQL spellings of the dialect-specific SQL constructs in `store/sql/functions.py`.

Importing this module registers them (`@compiles(..., "postgresql")`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text, literal
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import ClauseElement

from stadsdata.geo.sphere import EARTH_RADIUS
from stadsdata.store.sql.functions import (
    GeoFunction,
    JsonIsText,
    JsonValue,
    RegexMatch,
    Remainder,
    Rounding,
    ScanHint,
    SphereDistance,
    StrPosition,
    TimeDiff,
    TimePart,
    TimeShift,
)
from stadsdata.store.types import JsonText


class Explain(Executable, ClauseElement):
    """`EXPLAIN (FORMAT JSON) <select>`: the plan, with the row estimate, without running it."""

    inherit_cache = False

    def __init__(self, stmt: Any) -> None:
        self.stmt = stmt


@compiles(Explain, "postgresql")
def _explain(element: Explain, compiler: Any, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.stmt, **kw)


_JSON_TYPE = {"number": ("number", "::float8"), "string": ("string", ""), "bool": ("boolean", "::boolean")}


@compiles(JsonValue, "postgresql")
def _json_value(element: JsonValue, compiler: Any, **kw: Any) -> str:
    (column,) = element.clauses
    col = compiler.process(column, **kw)
    path = compiler.process(literal(list(element.path), ARRAY(Text())), **kw)
    if element.as_type is None:  # jsonb: numbers compare and sort as numbers, like SQLite's json_extract
        return f"({col} #> {path})"
    json_type, cast = _JSON_TYPE[element.as_type]
    # A value of another JSON type is NULL (never a cast error), like json_extract on SQLite.
    return f"(CASE WHEN jsonb_typeof({col} #> {path}) = '{json_type}' THEN ({col} #>> {path}){cast} END)"


@compiles(TimePart, "postgresql")
def _time_part(element: TimePart, compiler: Any, **kw: Any) -> str:
    (value,) = element.clauses
    utc = f"(({compiler.process(value, **kw)}) AT TIME ZONE 'UTC')"
    field = element.field
    if field == "date":
        return f"to_char({utc}, 'YYYY-MM-DD')"
    if field == "time":
        return f"to_char({utc}, 'HH24:MI:SS')"
    if field == "fractionalseconds":
        return f"(mod(EXTRACT(MICROSECONDS FROM {utc})::bigint, 1000000) / 1000000.0)::float8"
    if field == "second":
        return f"floor(EXTRACT(SECOND FROM {utc}))::integer"
    return f"EXTRACT({field.upper()} FROM {utc})::integer"


@compiles(TimeShift, "postgresql")
def _time_shift(element: TimeShift, compiler: Any, **kw: Any) -> str:
    value, micros = element.clauses
    return f"({compiler.process(value, **kw)} + ({compiler.process(micros, **kw)}) * INTERVAL '1 microsecond')"


@compiles(TimeDiff, "postgresql")
def _time_diff(element: TimeDiff, compiler: Any, **kw: Any) -> str:
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({a} - {b})) * 1000000)::bigint"


@compiles(Remainder, "postgresql")
def _remainder(element: Remainder, compiler: Any, **kw: Any) -> str:
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"(({a}) - ({b}) * trunc(({a})::float8 / ({b})))"


@compiles(StrPosition, "postgresql")
def _str_position(element: StrPosition, compiler: Any, **kw: Any) -> str:
    haystack, needle = (compiler.process(c, **kw) for c in element.clauses)
    return f"strpos({haystack}, {needle})"


@compiles(Rounding, "postgresql")
def _rounding(element: Rounding, compiler: Any, **kw: Any) -> str:
    (value,) = element.clauses
    inner = compiler.process(value, **kw)
    if element.function == "round":  # round(numeric) rounds halves away from zero; round(float8) to even
        return f"round(({inner})::numeric)::float8"
    return f"{element.function}(({inner})::float8)"


_GEO = {
    "st_equals": "ST_Equals",
    "st_disjoint": "ST_Disjoint",
    "st_touches": "ST_Touches",
    "st_within": "ST_Within",
    "st_overlaps": "ST_Overlaps",
    "st_crosses": "ST_Crosses",
    "st_intersects": "ST_Intersects",
    "st_contains": "ST_Contains",
    "st_relate": "ST_Relate",
    "geo_intersects": "ST_Intersects",
    "geo_distance": "ST_Distance",
    "geo_length": "ST_Length",
}


@compiles(GeoFunction, "postgresql")
def _geo(element: GeoFunction, compiler: Any, **kw: Any) -> str:
    clauses = list(element.clauses)
    geometry_args = clauses[:2] if element.function != "geo_length" else clauses[:1]
    args = [_geometry(c, compiler, **kw) for c in geometry_args]
    args += [compiler.process(c, **kw) for c in clauses[len(geometry_args) :]]
    call = f"{_GEO[element.function]}({', '.join(args)})"
    if element.function in ("geo_distance", "geo_length"):
        return call
    return f"({call})::integer"


def _geometry(clause: Any, compiler: Any, **kw: Any) -> str:
    """A stored GeoJSON column through `stadsdata_geometry(jsonb)`, a WKT literal through EWKT."""
    sql = compiler.process(clause, **kw)
    if isinstance(clause.type, JsonText):
        return f"stadsdata_geometry({sql})"
    return f"ST_SetSRID(ST_GeomFromEWKT({sql}), 4326)"


@compiles(ScanHint, "postgresql")
def _scan_hint(element: ScanHint, compiler: Any, **kw: Any) -> str:
    (column,) = element.clauses
    return str(compiler.process(column, **kw))


@compiles(RegexMatch, "postgresql")
def _regex_match(element: RegexMatch, compiler: Any, **kw: Any) -> str:
    value, pattern = (compiler.process(c, **kw) for c in element.clauses)
    if element.full:
        pattern = f"('^(?:' || {pattern} || ')$')"
    return f"(({value}) ~ {pattern})::integer"


@compiles(JsonIsText, "postgresql")
def _json_is_text(element: JsonIsText, compiler: Any, **kw: Any) -> str:
    (column,) = element.clauses
    path = compiler.process(literal(list(element.path), ARRAY(Text())), **kw)
    return f"(jsonb_typeof({compiler.process(column, **kw)} #> {path}) = 'string')::integer"


@compiles(SphereDistance, "postgresql")
def _sphere_distance(element: SphereDistance, compiler: Any, **kw: Any) -> str:
    """The haversine of `stadsdata.geo.sphere.metres`, term by term, from the point (or the
    representative point, GEOS PointOnSurface as shapely's) of the stored geometry."""
    column, lon, lat = (compiler.process(c, **kw) for c in element.clauses)
    point = (
        f"(SELECT CASE WHEN GeometryType(g) = 'POINT' THEN g ELSE ST_PointOnSurface(g) END AS p "
        f"FROM (SELECT stadsdata_geometry({column}) AS g) AS geometry_of_row)"
    )
    haversine = (
        f"2 * {EARTH_RADIUS} * asin(least(1.0, sqrt(power(sin((radians({lat}) - radians(ST_Y(p))) / 2), 2) "
        f"+ cos(radians(ST_Y(p))) * cos(radians({lat})) * power(sin((radians({lon}) - radians(ST_X(p))) / 2), 2))))"
    )
    return f"(SELECT {haversine} FROM {point} AS point_of_row)"
