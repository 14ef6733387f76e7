"""Typed operands of compiled filter expressions: literals and the coercions between kinds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import BigInteger, Float, Text, literal

from stadsdata.errors import BadRequest
from stadsdata.geo.geojson import from_wkt
from stadsdata.model.entities import EntityType
from stadsdata.query import ast
from stadsdata.store.sql.functions import JsonValue
from stadsdata.store.types import UtcTimestamp

FIELD = "$filter"


@dataclass
class Operand:
    """A compiled sub-expression and what kind of value it is.

    kind: number string bool null time interval duration date timeofday geometry json result any.
    For 'interval', `sql` is the start and `end` the end. For 'json', `sql` is the JSON column and
    `path` the keys (typed when compared). For 'result', `table` holds the observation table."""

    kind: str
    sql: Any = None
    end: Any = None
    path: tuple[str, ...] = ()
    table: Any = None
    geometry_of: tuple[EntityType, Any] | None = None  # (entity, table) for bbox pre-filters
    wkt: str | None = None
    value: Any = None  # the Python value, for literals


def typed(operand: Operand, hint: str) -> Any:
    if operand.kind == "json":
        as_type = {"number": "number", "string": "string", "bool": "bool"}.get(hint)
        if hint in ("time",):
            raise BadRequest("cannot compare a JSON value with a time", field=FIELD)
        return JsonValue(operand.sql, operand.path, as_type)
    return operand.sql



def numeric(operand: Operand, expr: Any) -> Any:
    if operand.kind == "json":
        return JsonValue(operand.sql, operand.path, "number")
    if operand.kind == "result":
        return operand.table.c.result_number
    if operand.kind in ("number", "any", "null"):
        return operand.sql
    raise BadRequest(f"a number is needed at position {pos(expr)}", field=FIELD, position=pos(expr))



def string(operand: Operand, expr: Any) -> Any:
    if operand.kind == "json":
        return JsonValue(operand.sql, operand.path, "string")
    if operand.kind == "result":
        return operand.table.c.result_string
    if operand.kind in ("string", "any", "null"):
        return operand.sql
    raise BadRequest(f"{expr.name}() needs text arguments", field=FIELD, position=pos(expr))



def time_value(operand: Operand, expr: Any) -> Any:
    if operand.kind in ("time", "interval"):
        return operand.sql
    raise BadRequest(f"{expr.name}() needs a time argument", field=FIELD, position=pos(expr))



def geometry(operand: Operand, expr: Any) -> Any:
    if operand.kind == "geometry":
        return operand.sql
    raise BadRequest(f"{expr.name}() needs geometry arguments", field=FIELD, position=pos(expr))


def literal_operand(node: ast.Literal) -> Operand:
    kind, value = node.kind, node.value
    if kind == "int" and not -(2**63) <= value < 2**63:  # beyond SQL's BIGINT: compare as a float
        kind, value = "float", _as_float(value, node.pos)
    make = _LITERALS.get(kind)
    if make is None:
        raise BadRequest(f"unsupported literal kind {kind}", field=FIELD, position=node.pos)
    return make(value, node.pos)


def _as_float(value: int, position: int) -> float:
    if abs(value) >= 10**308:
        raise BadRequest(f"number at position {position} out of range", field=FIELD, position=position)
    return float(value)


def _duration(value: timedelta, _position: int) -> Operand:
    """A duration as a number of microseconds (what times are shifted by)."""
    assert isinstance(value, timedelta)
    micros = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    return Operand("duration", literal(micros, BigInteger()))


def _geography(value: str, position: int) -> Operand:
    try:
        from_wkt(value, field=FIELD)  # validate early: a clear 400 instead of no rows
    except BadRequest as exc:
        exc.position = position
        raise
    return Operand("geometry", literal(value, Text()), wkt=value)


# By the kind of a literal (`query/ast.py`): (its value, its position) -> its operand.
_LITERALS: dict[str, Callable[[Any, int], Operand]] = {
    "string": lambda value, _: Operand("string", literal(value, Text())),
    "int": lambda value, _: Operand("number", literal(value, BigInteger())),
    "float": lambda value, _: Operand("number", literal(value, Float())),
    "bool": lambda value, _: Operand("bool", literal(value), value=value),
    "null": lambda _value, _: Operand("null", literal(None)),
    "datetime": lambda value, _: Operand("time", literal(value, UtcTimestamp())),
    "date": lambda value, _: Operand("date", literal(value.isoformat(), Text())),
    "time": lambda value, _: Operand("timeofday", literal(value.strftime("%H:%M:%S"), Text())),
    "duration": _duration,
    "geography": _geography,
}


def swap(op: str) -> str:
    return {"gt": "lt", "lt": "gt", "ge": "le", "le": "ge"}.get(op, op)


def pos(expr: Any) -> int:
    return int(getattr(expr, "pos", 0))
