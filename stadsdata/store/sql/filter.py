"""Translate `$filter` / `$orderby` expressions (query.ast) into SQLAlchemy expressions.

Paths across navigation properties become EXISTS sub-queries around the smallest boolean
expression that uses them (`Datastream/Thing/Locations/name eq 'x'` means "some Location of
the Thing of the Datastream is named x"). Every entity reached that way is also restricted by
the access scope, so a filter cannot reveal hidden data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Integer,
    and_,
    cast,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.sql.elements import ColumnElement

from stadsdata.errors import BadRequest
from stadsdata.geo.geojson import bbox, from_wkt
from stadsdata.model.entities import ENTITY_TYPES, EntityType, Kind, Prop
from stadsdata.query import ast
from stadsdata.store.base import ScopeFn, unrestricted
from stadsdata.store.schema import JOINS, RESULT_BOOL, RESULT_FLOAT, RESULT_INT, RESULT_NULL, TABLES
from stadsdata.store.sql.codec import column_name, time_columns
from stadsdata.store.sql.functions import (
    GeoFunction,
    JsonValue,
    Remainder,
    Rounding,
    ScanHint,
    StrPosition,
    TimeDiff,
    TimePart,
    TimeShift,
)
from stadsdata.store.sql.operands import (
    FIELD,
    Operand,
    geometry,
    literal_operand,
    numeric,
    pos,
    string,
    swap,
    time_value,
    typed,
)
from stadsdata.store.types import UtcTimestamp

_MIN_TIME = datetime(1, 1, 1, tzinfo=UTC)
_MAX_TIME = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
_GEO_PREDICATES = {
    "geo.intersects": "st_intersects",
    "st_equals": "st_equals",
    "st_disjoint": "st_disjoint",
    "st_touches": "st_touches",
    "st_within": "st_within",
    "st_overlaps": "st_overlaps",
    "st_crosses": "st_crosses",
    "st_intersects": "st_intersects",
    "st_contains": "st_contains",
    "st_relate": "st_relate",
}
_STRING_PREDICATES = {"substringof", "contains", "startswith", "endswith"}
_COMPARE = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a.is_distinct_from(b),  # OData: null ne 5 is true (SQL's != gives NULL)
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}


@dataclass
class _Hop:
    source: EntityType
    source_table: Any
    nav: str
    target: EntityType
    target_table: Any


class FilterCompiler:
    """Compiles expressions for one entity type and table (or alias)."""

    def __init__(self, scope: ScopeFn = unrestricted, *, bbox_prefilter: Any = None) -> None:
        self.scope = scope
        self.bbox_prefilter = bbox_prefilter  # (entity, table, (minx, miny, maxx, maxy)) -> clause
        self._hops: list[list[_Hop]] = []

    # -- public ---------------------------------------------------------------------------
    def where(self, expr: ast.Expr, entity: EntityType, table: Any) -> ColumnElement[bool]:
        return self._bool(expr, entity, table)

    def scope_clause(self, entity: EntityType, table: Any) -> ColumnElement[bool] | None:
        scope_expr = self.scope(entity)
        if scope_expr is None:
            return None
        inner = FilterCompiler(unrestricted, bbox_prefilter=self.bbox_prefilter)
        return inner.where(scope_expr, entity, table)

    def order_value(self, expr: ast.Expr, entity: EntityType, table: Any) -> list[Any]:
        """SQL expressions to sort by (several for results: number, then text)."""
        self._hops.append([])
        try:
            operand = self._value(expr, entity, table)
        except BadRequest as exc:
            exc.field = "$orderby" if exc.field == FIELD else exc.field  # report the option it is in
            raise
        finally:
            hops = self._hops.pop()
        if operand.kind == "result":
            values = [operand.table.c.result_number, operand.table.c.result_string]
        elif operand.kind == "json":
            values = [JsonValue(operand.sql, operand.path)]
        else:
            values = [operand.sql]
        if hops:
            return [self._scalar_through(hops, v, getattr(expr, "pos", 0)) for v in values]
        return values

    # -- booleans ---------------------------------------------------------------------------
    def _bool(self, expr: ast.Expr, entity: EntityType, table: Any) -> ColumnElement[bool]:
        if isinstance(expr, ast.BinaryOp) and expr.op in ast.LOGICAL_OPS:
            left = self._bool(expr.left, entity, table)
            right = self._bool(expr.right, entity, table)
            return and_(left, right) if expr.op == "and" else or_(left, right)
        if isinstance(expr, ast.Not):
            # OData has no unknown: a comparison with null is false, so `not` of it is true
            return not_(func.coalesce(self._bool(expr.operand, entity, table), false()))
        if isinstance(expr, ast.Literal) and expr.kind == "bool":
            return true() if expr.value else false()
        self._hops.append([])
        try:
            if isinstance(expr, ast.Related):
                clause = self._related(expr, entity, table)
            elif isinstance(expr, ast.StreamDatasets):
                clause = stream_datasets_clause(expr, table)
            elif isinstance(expr, ast.BinaryOp) and expr.op in ast.COMPARISON_OPS:
                clause = self._compare(expr, entity, table)
            elif isinstance(expr, ast.FunctionCall) and (
                expr.name in _GEO_PREDICATES or expr.name in _STRING_PREDICATES
            ):
                clause = self._predicate(expr, entity, table)
            else:
                operand = self._value(expr, entity, table)
                if operand.kind not in ("bool", "json", "any"):
                    raise BadRequest(
                        f"the expression at position {pos(expr)} is not a condition", field=FIELD, position=pos(expr)
                    )
                clause = typed(operand, "bool") == literal(True) if operand.kind == "json" else operand.sql
        finally:
            hops = self._hops.pop()
        return self._exists_through(hops, clause) if hops else clause

    def _compare(self, expr: ast.BinaryOp, entity: EntityType, table: Any) -> ColumnElement[bool]:
        left = self._value(expr.left, entity, table)
        right = self._value(expr.right, entity, table)
        op = expr.op
        if left.kind == "null" and right.kind != "null":
            left, right, op = right, left, swap(op)
        if right.kind == "null":
            target = self._null_target(left)
            if op == "eq":
                return target
            if op == "ne":
                return not_(target)
            raise BadRequest(f"'{op}' cannot compare with null", field=FIELD, position=expr.pos)
        if left.kind == "result" or right.kind == "result":
            return self._compare_result(op, left, right)
        if left.kind == "interval" or right.kind == "interval":
            return self._compare_interval(op, left, right, expr.pos)
        if left.kind == "json" or right.kind == "json":
            hint = right.kind if left.kind == "json" else left.kind
            return _COMPARE[op](typed(left, hint), typed(right, hint))
        return _COMPARE[op](left.sql, right.sql)

    def _null_target(self, operand: Operand) -> ColumnElement[bool]:
        if operand.kind == "result":
            return operand.table.c.result_type == RESULT_NULL
        if operand.kind == "json":
            return JsonValue(operand.sql, operand.path).is_(None)
        return operand.sql.is_(None)

    def _compare_result(self, op: str, left: Operand, right: Operand) -> ColumnElement[bool]:
        flip = left.kind != "result"
        result, other = (right, left) if flip else (left, right)
        if flip:
            op = swap(op)
        if other.kind == "result":  # result against result (another path's): as numbers
            other = Operand("number", other.table.c.result_number)
        if op == "ne":  # the negation of eq: also true for results of another type or null
            return not_(func.coalesce(self._compare_result("eq", result, other), false()))
        c = result.table.c
        if other.kind == "string":
            return _COMPARE[op](c.result_string, other.sql)
        if other.kind == "bool":
            if op not in ("eq", "ne") or other.value is None:
                raise BadRequest("a boolean result can only be compared with eq/ne and true/false", field=FIELD)
            matches = and_(c.result_type == RESULT_BOOL, c.result_json == other.value)
            return matches if op == "eq" else not_(matches)
        if other.kind == "json":
            return _COMPARE[op](c.result_number, typed(other, "number"))
        return and_(c.result_type.in_((RESULT_INT, RESULT_FLOAT)), _COMPARE[op](c.result_number, other.sql))

    def _compare_interval(self, op: str, left: Operand, right: Operand, pos: int) -> ColumnElement[bool]:
        if left.kind != "interval":
            left, right, op = right, left, swap(op)
        if right.kind not in ("time", "interval"):
            raise BadRequest(f"a time period can only be compared with a time (position {pos})", field=FIELD, position=pos)
        r_start = right.sql
        r_end = right.end if right.kind == "interval" else right.sql
        start, end = left.sql, left.end
        if op == "eq":
            return and_(start == r_start, end == r_end)
        if op == "ne":
            return or_(start != r_start, end != r_end)
        if op in ("gt", "ge"):
            return _COMPARE[op](start, r_end)
        # start <= end always holds (intervals are validated on write), so `end < t` implies
        # `start < t`; saying so bounds the (stream, phenomenon_time_start) index range and lets
        # PostgreSQL prune time partitions, instead of reading to the end of the stream.
        return and_(_COMPARE[op](end, r_start), _COMPARE[op](start, r_start))

    def _predicate(self, expr: ast.FunctionCall, entity: EntityType, table: Any) -> ColumnElement[bool]:
        args = [self._value(a, entity, table) for a in expr.args]
        if expr.name in _STRING_PREDICATES:
            a, b = (string(x, expr) for x in args)
            if expr.name == "substringof":
                return StrPosition(b, a) > 0
            if expr.name == "contains":
                return StrPosition(a, b) > 0
            if expr.name == "startswith":
                return func.substr(a, 1, func.length(b)) == b
            return func.substr(a, func.length(a) - func.length(b) + 1) == b  # portable (no negative start)
        return self._geo_predicate(expr, args)

    def _geo_predicate(self, expr: ast.FunctionCall, args: list[Operand]) -> ColumnElement[bool]:
        geoms = [geometry(a, expr) for a in args[:2]]
        extra = [args[2].sql] if expr.name == "st_relate" else []
        if extra and not _is_de9im_pattern(expr.args[2]):  # else SQL yields NULL: silently no rows
            at = pos(expr.args[2])
            raise BadRequest(
                f"st_relate() needs a DE-9IM pattern of 9 characters T F * 0 1 2 (position {at})", field=FIELD, position=at
            )
        clause: ColumnElement[bool] = GeoFunction(_GEO_PREDICATES[expr.name], *geoms, *extra) == 1
        if expr.name in ("st_disjoint", "st_relate") or self.bbox_prefilter is None:
            return clause
        column, lit = (args[0], args[1]) if args[1].wkt else (args[1], args[0])
        if column.geometry_of is not None and lit.wkt is not None:
            box = bbox(from_wkt(lit.wkt, field=FIELD))
            if box is not None:
                return and_(self.bbox_prefilter(*column.geometry_of, box), clause)
        return clause

    # -- values ---------------------------------------------------------------------------
    def _value(self, expr: ast.Expr, entity: EntityType, table: Any) -> Operand:
        if isinstance(expr, ast.Literal):
            return literal_operand(expr)
        if isinstance(expr, ast.Path):
            return self._path(expr, entity, table)
        if isinstance(expr, ast.Negate):
            inner = self._value(expr.operand, entity, table)
            return Operand("number", -numeric(inner, expr))  # not inner.kind: 'result'/'json' need more
        if isinstance(expr, ast.BinaryOp) and expr.op in ast.ARITHMETIC_OPS:
            return self._arithmetic(expr, entity, table)
        if isinstance(expr, ast.FunctionCall):
            return self._function(expr, entity, table)
        if isinstance(expr, (ast.BinaryOp, ast.Not)):
            return Operand("bool", self._bool(expr, entity, table))
        raise BadRequest("unsupported expression", field=FIELD, position=pos(expr))

    def _arithmetic(self, expr: ast.BinaryOp, entity: EntityType, table: Any) -> Operand:
        left = self._value(expr.left, entity, table)
        right = self._value(expr.right, entity, table)
        kinds = {left.kind, right.kind}
        if "duration" in kinds and kinds & {"time", "interval"} and expr.op in ("add", "sub"):
            time_op, dur = (left, right) if left.kind != "duration" else (right, left)
            micros = dur.sql if expr.op == "add" else -dur.sql
            return Operand("time", TimeShift(time_op.sql, micros))
        if kinds <= {"time", "interval"} and expr.op == "sub":
            return Operand("duration", TimeDiff(left.sql, right.sql))
        a, b = numeric(left, expr), numeric(right, expr)
        if expr.op == "add":
            return Operand("number", a + b)
        if expr.op == "sub":
            return Operand("number", a - b)
        if expr.op == "mul":
            return Operand("number", a * b)
        if expr.op == "div":  # division by zero gives null (no row), on every backend
            return Operand("number", a / func.nullif(b, 0))
        return Operand("number", Remainder(a, func.nullif(b, 0)))

    def _function(self, expr: ast.FunctionCall, entity: EntityType, table: Any) -> Operand:
        if expr.name in _GEO_PREDICATES or expr.name in _STRING_PREDICATES:
            return Operand("bool", self._predicate(expr, entity, table))
        constant = _CONSTANTS.get(expr.name)
        if constant is not None:
            return constant()
        args = [self._value(a, entity, table) for a in expr.args]
        compile_call = _FUNCTIONS.get(expr.name)
        if compile_call is None:
            raise BadRequest(f"function {expr.name}() is not supported", field=FIELD, position=expr.pos)
        return compile_call(expr, args)

    # -- paths ----------------------------------------------------------------------------
    def _path(self, path: ast.Path, entity: EntityType, table: Any) -> Operand:
        current, current_table, segments = self._navigate(path, entity, table)
        if not segments:
            raise BadRequest(
                f"the path '{'/'.join(path.segments)}' ends at an entity, not a property",
                field=FIELD,
                position=path.pos,
            )
        name, rest = segments[0], tuple(segments[1:])
        if name == "id":
            if rest:
                raise BadRequest("'id' has no sub-properties", field=FIELD, position=path.pos)
            return Operand("number", current_table.c.id)
        prop = current.prop(name)
        if prop is None:
            raise BadRequest(f"{current.name} has no property '{name}'", field=FIELD, position=path.pos)
        if rest and prop.kind not in (Kind.JSON, Kind.ANY, Kind.JSON_LIST):
            raise BadRequest(f"'{name}' has no sub-properties", field=FIELD, position=path.pos)
        return _property(current, current_table, prop, rest, path.pos)

    def _navigate(self, path: ast.Path, entity: EntityType, table: Any) -> tuple[EntityType, Any, list[str]]:
        """Follow the path's leading navigation properties (each a hop of the enclosing EXISTS):
        (the entity reached, its table alias, the segments left)."""
        segments = list(path.segments)
        current, current_table = entity, table
        while segments and current.nav(segments[0]) is not None:
            nav = current.nav(segments.pop(0))
            assert nav is not None
            target = ENTITY_TYPES[nav.target]
            alias = TABLES[target.name].alias()
            if not self._hops:
                raise BadRequest("navigation paths are not allowed here", field=FIELD, position=path.pos)
            self._hops[-1].append(_Hop(current, current_table, nav.name, target, alias))
            current, current_table = target, alias
        return current, current_table, segments

    def _related(self, expr: ast.Related, entity: EntityType, table: Any) -> ColumnElement[bool]:
        """An access condition: walk `expr.path` (as hops, so it becomes an EXISTS) and test
        the dataset column of the entity reached."""
        current, current_table = entity, table
        for name in expr.path:
            nav = current.nav(name)
            if nav is None:
                raise ValueError(f"{current.name} has no navigation property {name!r}")  # a policy bug
            target = ENTITY_TYPES[nav.target]
            alias = TABLES[target.name].alias()
            self._hops[-1].append(_Hop(current, current_table, nav.name, target, alias))
            current, current_table = target, alias
        clauses: list[ColumnElement[bool]] = []
        if expr.dataset_in is not None:
            column = current_table.c.dataset_id
            in_set = column.in_(list(expr.dataset_in))
            clauses.append(or_(in_set, column.is_(None)) if expr.or_unassigned else in_set)
        if expr.where is not None:
            clauses.append(self._bool(expr.where, current, current_table))
        return and_(*clauses) if clauses else true()

    def _links(self, hops: list[_Hop]) -> tuple[list[Any], list[Any]]:
        froms: list[Any] = []
        conditions: list[Any] = []
        for hop in hops:
            join = JOINS[(hop.source.name, hop.nav)]
            src, tgt = hop.source_table, hop.target_table
            if join.kind == "fk_here":
                conditions.append(tgt.c.id == src.c[join.column])
            elif join.kind == "fk_there":
                conditions.append(tgt.c[join.column] == src.c.id)
            else:
                assert join.link is not None
                link = join.link.alias()
                froms.append(link)
                conditions += [link.c[join.source_col] == src.c.id, tgt.c.id == link.c[join.target_col]]
            froms.append(tgt)
            scoped = self.scope_clause(hop.target, tgt)
            if scoped is not None:
                conditions.append(scoped)
        return froms, conditions

    def _exists_through(self, hops: list[_Hop], clause: Any) -> ColumnElement[bool]:
        froms, conditions = self._links(hops)
        return exists(select(literal(1)).select_from(*froms).where(*conditions, clause))

    def _scalar_through(self, hops: list[_Hop], value: Any, pos: int) -> Any:
        for hop in hops:
            nav = hop.source.nav(hop.nav)
            if nav is not None and nav.many:
                raise BadRequest(f"cannot order by a path through the to-many '{hop.nav}'", field="$orderby", position=pos)
        froms, conditions = self._links(hops)
        return select(value).select_from(*froms).where(*conditions).limit(1).scalar_subquery()


def _property(entity: EntityType, table: Any, prop: Prop, rest: tuple[str, ...], position: int) -> Operand:
    """The operand of a property of `entity` in `table`; `rest` are keys into a JSON value."""
    if prop.name == "result":
        if rest:
            return Operand("json", table.c.result_json, path=rest)
        return Operand("result", table=table)
    split = time_columns(entity, prop.name)
    if split:
        start, end = table.c[split[0]], table.c[split[1]]
        return Operand("interval", start, end=end)
    if prop.name == "observedArea":  # stored as a bounding box only: no column to compare
        raise BadRequest("observedArea cannot be used in $filter", field=FIELD, position=position)
    column = table.c[column_name(entity, prop.name)]
    if rest:
        return Operand("json", column, path=rest)
    if prop.kind == Kind.INSTANT:
        return Operand("time", column)
    if prop.kind == Kind.GEOMETRY:
        return Operand("geometry", column, geometry_of=(entity, table))
    if prop.kind == Kind.TEXT:
        return Operand("string", column)
    return Operand("any", column)


# -- functions (other than the predicates) --------------------------------------------------
def _time_part(expr: ast.FunctionCall, args: list[Operand]) -> Operand:
    """year() … second(), fractionalseconds(), date(), time() of a time."""
    kind = {"date": "date", "time": "timeofday"}.get(expr.name, "number")
    return Operand(kind, TimePart(expr.name, time_value(args[0], expr)))


def _total_offset_minutes(expr: ast.FunctionCall, args: list[Operand]) -> Operand:
    time_value(args[0], expr)  # a time is needed; every stored time is UTC
    return Operand("number", literal(0))


def _substring(expr: ast.FunctionCall, args: list[Operand]) -> Operand:
    text = string(args[0], expr)
    start = cast(numeric(args[1], expr) + 1, Integer)  # OData counts from 0, SQL from 1
    if len(args) == 3:
        return Operand("string", func.substr(text, start, cast(numeric(args[2], expr), Integer)))
    return Operand("string", func.substr(text, start))


# Functions without arguments: name -> operand.
_CONSTANTS: dict[str, Callable[[], Operand]] = {
    "now": lambda: Operand("time", literal(datetime.now(UTC), UtcTimestamp())),
    "mindatetime": lambda: Operand("time", literal(_MIN_TIME, UtcTimestamp())),
    "maxdatetime": lambda: Operand("time", literal(_MAX_TIME, UtcTimestamp())),
}
# The other functions: name -> (the call, its compiled arguments) -> operand.
_FUNCTIONS: dict[str, Callable[[ast.FunctionCall, list[Operand]], Operand]] = {
    **dict.fromkeys(("year", "month", "day", "hour", "minute", "second", "fractionalseconds", "date", "time"), _time_part),
    "totaloffsetminutes": _total_offset_minutes,
    **dict.fromkeys(
        ("round", "floor", "ceiling"), lambda expr, args: Operand("number", Rounding(expr.name, numeric(args[0], expr)))
    ),
    "geo.distance": lambda expr, args: Operand("number", GeoFunction("geo_distance", *(geometry(a, expr) for a in args))),
    "geo.length": lambda expr, args: Operand("number", GeoFunction("geo_length", geometry(args[0], expr))),
    "length": lambda expr, args: Operand("number", func.length(string(args[0], expr))),
    "tolower": lambda expr, args: Operand("string", func.lower(string(args[0], expr))),
    "toupper": lambda expr, args: Operand("string", func.upper(string(args[0], expr))),
    "trim": lambda expr, args: Operand("string", func.trim(string(args[0], expr))),
    "concat": lambda expr, args: Operand("string", string(args[0], expr).concat(string(args[1], expr))),
    "indexof": lambda expr, args: Operand("number", StrPosition(string(args[0], expr), string(args[1], expr)) - 1),
    "substring": _substring,
}


def stream_datasets_clause(expr: ast.StreamDatasets, table: Any) -> ColumnElement[bool]:
    """Observations (of `table`) whose stream is in the datasets: two IN (SELECT …) tests per row
    (see ScanHint: on SQLite not through the stream indexes)."""
    parts = []
    for stream_table, fk in ((TABLES["Datastream"], "datastream_id"), (TABLES["MultiDatastream"], "multi_datastream_id")):
        in_set = stream_table.c.dataset_id.in_(list(expr.dataset_in))
        condition = or_(in_set, stream_table.c.dataset_id.is_(None)) if expr.or_unassigned else in_set
        parts.append(ScanHint(table.c[fk]).in_(select(stream_table.c.id).where(condition)))
    return or_(*parts)


def _is_de9im_pattern(node: ast.Expr) -> bool:
    return isinstance(node, ast.Literal) and node.kind == "string" and len(node.value) == 9 and set(node.value.upper()) <= set("TF*012")
