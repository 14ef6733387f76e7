"""`Transaction.find_things` / `count_things`: the conditions of `store/thing_query.py` as SQL,
written once for both backends, under the caller's scope exactly as `latest_values.py` applies it
(Things, their first Location, Datastreams, latest Observations), so that a Thing is found only
when `latest_values` would give rows for it. Stream conditions are correlated EXISTS (a page
in Thing order stops early); Location conditions an IN over the Locations (the bounding-box
index first)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, Text, and_, case, cast, exists, false, func, literal, not_, or_, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from stadsdata.geo.sphere import box
from stadsdata.model.entities import DATASTREAM, LOCATION, OBSERVATION, THING
from stadsdata.store.schema import (
    RESULT_BOOL,
    RESULT_FLOAT,
    RESULT_INT,
    RESULT_JSON,
    RESULT_NULL,
    RESULT_STRING,
    datastreams,
    locations,
    observations,
    observed_properties,
    things,
    things_locations,
)
from stadsdata.store.sql.filter import FilterCompiler
from stadsdata.store.sql.functions import GeoFunction, JsonIsText, JsonValue, RegexMatch, SphereDistance
from stadsdata.store.sql.reader import latest_observation_join
from stadsdata.store.thing_query import (
    All,
    Always,
    AnyOf,
    Condition,
    IdText,
    LocationDistance,
    LocationPresent,
    LocationRelation,
    Not,
    PropertyPresent,
    PropertyText,
    ResultCompare,
    ResultIs,
    StreamMatch,
    ThingCount,
    ThingIdAtMost,
    ThingIdIn,
    ThingMatch,
    TimeCompare,
)
from stadsdata.store.types import UtcTimestamp

_KINDS = {
    "number": (RESULT_INT, RESULT_FLOAT), "string": (RESULT_STRING,), "bool": (RESULT_BOOL,),
    "null": (RESULT_NULL,), "json": (RESULT_JSON,),
}  # fmt: skip
_OPS = {
    "eq": lambda a, b: a == b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b, "le": lambda a, b: a <= b,
}  # fmt: skip
_RELATIONS = ("within", "contains", "intersects", "disjoint", "equals", "overlaps")


def _false_if_null(clause: Any) -> ColumnElement[bool]:
    """A two-valued condition (NOT of it is then the complement, as in the face's semantics)."""
    return func.coalesce(clause, false()) == true()


class ThingQuery:
    """Compiles conditions on the Things table under one scope."""

    def __init__(self, compiler: FilterCompiler, *, fence: bool = False) -> None:
        self.compiler = compiler
        self.thing = things.alias("t")
        # PostgreSQL turns a correlated EXISTS under OR/NOT into a hashed subplan over every
        # stream (a full pass even for a page of 20); `OFFSET 0` keeps it a probe per Thing
        self.fence = fence

    # -- the Things a caller sees as `latest_values` does ---------------------------------------
    def visible(self) -> list[Any]:
        t = self.thing
        clauses: list[Any] = []
        scoped = self.compiler.scope_clause(THING, t)
        if scoped is not None:
            clauses.append(scoped)
        location_scope = self.compiler.scope(LOCATION)
        if location_scope is not None:
            first = self._first_location_id(t.c.id)
            loc = locations.alias()
            clause = self.compiler.scope_clause(LOCATION, loc)
            clauses.append(or_(first.is_(None), first.in_(select(loc.c.id).where(clause))))
        clauses.append(self._stream(StreamMatch()))
        return clauses

    @staticmethod
    def _first_location_id(thing_id: Any) -> Any:
        link = things_locations.alias()
        return select(func.min(link.c.location_id)).where(link.c.thing_id == thing_id).scalar_subquery()

    # -- conditions -------------------------------------------------------------------------------
    def where(self, condition: Condition) -> Any:  # noqa: C901 - one branch per kind of condition
        t = self.thing
        if isinstance(condition, All):
            return and_(*(self.where(c) for c in condition.terms))
        if isinstance(condition, AnyOf):
            return or_(*(self.where(c) for c in condition.terms))
        if isinstance(condition, Not):
            return not_(self.where(condition.term))
        if isinstance(condition, Always):
            return true() if condition.value else false()
        if isinstance(condition, ThingIdIn):
            return t.c.id.in_(sorted(condition.ids)) if condition.ids else false()
        if isinstance(condition, ThingIdAtMost):
            return t.c.id <= condition.id
        if isinstance(condition, PropertyText):
            return self._property_text(condition)
        if isinstance(condition, PropertyPresent):
            return JsonValue(t.c.properties, condition.path).isnot(None)
        if isinstance(condition, IdText):
            text = literal(condition.prefix, Text()) + cast(t.c.id, Text)
            return _false_if_null(RegexMatch(text, literal(condition.pattern, Text()), full=True) == 1)
        if isinstance(condition, StreamMatch):
            return self._stream(condition)
        if isinstance(condition, (LocationPresent, LocationRelation, LocationDistance)):
            return self._location(condition)
        raise ValueError(f"not a condition on a Thing: {condition!r}")

    def _property_text(self, condition: PropertyText) -> Any:
        column, path = self.thing.c.properties, condition.path
        is_text = _false_if_null(JsonIsText(column, path) == 1)
        value = JsonValue(column, path, "string")
        if condition.op == "any":
            return is_text
        if condition.op == "nonempty":
            return and_(is_text, _false_if_null(value != ""))
        if condition.op == "eq":
            return and_(is_text, _false_if_null(value == condition.value))
        if condition.op == "in":
            return and_(is_text, _false_if_null(value.in_(sorted(condition.value)))) if condition.value else false()
        if condition.op == "match":
            return and_(is_text, _false_if_null(RegexMatch(value, literal(condition.value, Text()), full=True) == 1))
        raise ValueError(f"unknown text test {condition.op!r}")

    # -- streams ----------------------------------------------------------------------------------
    def _stream(self, match: StreamMatch) -> Any:
        d = datastreams.alias()
        return (
            exists(self._stream_select(match, d))
            if not match.first
            else exists(
                self._stream_select(match, d).where(
                    ~exists(self._stream_select(StreamMatch(match.names, True), datastreams.alias(), before=d))
                )
            )
        )

    def _stream_select(self, match: StreamMatch, d: Any, before: Any = None) -> Any:
        """SELECT 1 over the visible streams of the Thing that match (`before`: with a lower id
        than that stream's)."""
        observed = match.observed or match.first or match.result is not None
        source: Any = d
        # the stream `before` is the enclosing query's: the same Thing through it (a correlation
        # reaches one level only)
        conditions: list[Any] = [d.c.thing_id == (self.thing.c.id if before is None else before.c.thing_id)]
        if before is not None:
            conditions.append(d.c.id < before.c.id)
        scoped = self.compiler.scope_clause(DATASTREAM, d)
        if scoped is not None:
            conditions.append(scoped)
        if match.names is not None:
            prop = observed_properties.alias()
            source = source.join(prop, prop.c.id == d.c.observed_property_id)
            conditions.append(prop.c.name.in_(sorted(match.names)) if match.names else false())
        observation_scope = self.compiler.scope(OBSERVATION)
        if observed or observation_scope is not None:
            o = observations.alias()
            join = latest_observation_join(o, d)
            source = source.join(o, join) if observed else source.outerjoin(o, join)
            if observation_scope is not None:
                clause = self.compiler.scope_clause(OBSERVATION, o)
                conditions.append(clause if observed else or_(o.c.id.is_(None), clause))
            if match.result is not None:
                conditions.append(self._result(match.result, o))
        stmt = select(literal(1)).select_from(source).where(*conditions)
        return stmt.offset(0) if self.fence else stmt

    def _result(self, condition: Condition, o: Any) -> Any:
        c = o.c
        if isinstance(condition, All):
            return and_(*(self._result(term, o) for term in condition.terms))
        if isinstance(condition, AnyOf):
            return or_(*(self._result(term, o) for term in condition.terms))
        if isinstance(condition, Not):
            return not_(self._result(condition.term, o))
        if isinstance(condition, Always):
            return true() if condition.value else false()
        if isinstance(condition, ResultIs):
            return c.result_type.in_(_KINDS[condition.kind])
        if isinstance(condition, TimeCompare):
            return _OPS[condition.op](c.phenomenon_time_start, literal(condition.value, UtcTimestamp()))
        if isinstance(condition, ResultCompare):
            value, op = condition.value, condition.op
            if op == "search":
                found = RegexMatch(c.result_string, literal(value, Text()), full=False) == 1
                return and_(c.result_type == RESULT_STRING, _false_if_null(found))
            if isinstance(value, bool):
                return and_(c.result_type == RESULT_BOOL, c.result_json == value)
            if isinstance(value, (int, float)):
                return and_(
                    c.result_type.in_((RESULT_INT, RESULT_FLOAT)),
                    _false_if_null(_OPS[op](c.result_number, literal(float(value), Float()))),
                )
            return and_(
                c.result_type == RESULT_STRING, _false_if_null(_OPS[op](c.result_string, literal(str(value), Text())))
            )
        raise ValueError(f"not a condition on a result: {condition!r}")

    # -- the first Location ------------------------------------------------------------------------
    def _location(self, condition: LocationPresent | LocationRelation | LocationDistance) -> Any:
        link = things_locations.alias()
        if isinstance(condition, LocationPresent):
            return exists(select(literal(1)).select_from(link).where(link.c.thing_id == self.thing.c.id))
        loc = locations.alias()
        clauses: list[Any] = [link.c.location_id == self._first_location_id(link.c.thing_id)]
        prefilter = self.compiler.bbox_prefilter
        if isinstance(condition, LocationRelation):
            if condition.relation not in _RELATIONS:
                raise ValueError(f"unknown relation {condition.relation!r}")
            if condition.bbox is not None and condition.relation != "disjoint" and prefilter is not None:
                clauses.append(prefilter(LOCATION, loc, condition.bbox))
            clauses.append(
                _false_if_null(
                    GeoFunction(f"st_{condition.relation}", loc.c.location, literal(condition.wkt, Text())) == 1
                )
            )
        else:
            metres = SphereDistance(loc.c.location, literal(condition.lon, Float()), literal(condition.lat, Float()))
            if condition.max_metres is not None:
                if prefilter is not None:
                    clauses.append(prefilter(LOCATION, loc, box(condition.lon, condition.lat, condition.max_metres)))
                clauses.append(_false_if_null(metres <= condition.max_metres))
            if condition.min_metres is not None:
                clauses.append(_false_if_null(metres >= condition.min_metres))
        inner = select(link.c.thing_id).select_from(link.join(loc, loc.c.id == link.c.location_id)).where(*clauses)
        return self.thing.c.id.in_(inner)


def _tuned(conn: Connection) -> bool:
    """Whether the PostgreSQL spellings apply; there, no JIT for these statements: their cost
    estimates (a filter over every Thing, bounded only by the LIMIT) would have a page of 20 wait a
    third of a second for the JIT compilation of the plan."""
    if conn.dialect.name != "postgresql":
        return False
    conn.exec_driver_sql("SET LOCAL jit = off")
    return True


def find_things(
    conn: Connection, compiler: FilterCompiler, where: Condition, *, sure: Condition | None = None,
    after: int | None = None, offset: int = 0, limit: int | None = None,
) -> list[ThingMatch]:  # fmt: skip
    query = ThingQuery(compiler, fence=_tuned(conn))
    t = query.thing
    flag = literal(True) if sure is None else case((query.where(sure), True), else_=False)
    conditions = [*query.visible(), query.where(where)]
    if after is not None:
        conditions.append(t.c.id > after)
    stmt = select(t.c.id, flag).where(*conditions).order_by(t.c.id).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [ThingMatch(int(row[0]), bool(row[1])) for row in conn.execute(stmt)]


def count_things(
    conn: Connection, compiler: FilterCompiler, where: Condition, *, sure: Condition | None = None
) -> ThingCount:
    query = ThingQuery(compiler, fence=_tuned(conn))
    unsure: Any = literal(0) if sure is None else func.count(case((not_(query.where(sure)), 1)))
    stmt = select(func.count(), unsure).select_from(query.thing).where(*query.visible(), query.where(where))
    total, uncertain = conn.execute(stmt).one()
    return ThingCount(int(total), int(uncertain or 0))


def observed_property_names(conn: Connection) -> list[str]:
    return sorted(name for (name,) in conn.execute(select(observed_properties.c.name).distinct()))
