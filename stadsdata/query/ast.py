"""The abstract syntax of OData query expressions and query options (OGC 18-088 §9.3).

The parser (`query.parser`) produces these nodes; the store translates them to SQL.
Nodes are immutable and carry no I/O. Positions (`pos`) are 0-based character offsets into
the option's text, used in error messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from typing import Literal as TypingLiteral

LiteralKind = TypingLiteral[
    "string", "int", "float", "bool", "null", "datetime", "date", "time", "duration", "geography"
]


@dataclass(frozen=True)
class Literal:
    """A constant. `value` is a Python value matching `kind`:
    string->str, int->int, float->float, bool->bool, null->None, datetime->aware datetime (UTC),
    date->date, time->time, duration->timedelta, geography->WKT text (str)."""

    value: Any
    kind: LiteralKind
    pos: int = 0


@dataclass(frozen=True)
class Path:
    """A property path, e.g. ('result',), ('Datastream', 'Thing', 'name'),
    ('properties', 'owner', 'name') or ('Datastream', 'Thing', 'Locations', 'location').
    Segments are given as written; the store resolves which are navigation properties,
    which are entity properties and which are keys inside a JSON property."""

    segments: tuple[str, ...]
    pos: int = 0


@dataclass(frozen=True)
class BinaryOp:
    """op is one of: eq ne gt ge lt le and or add sub mul div mod."""

    op: str
    left: Expr
    right: Expr
    pos: int = 0


@dataclass(frozen=True)
class Not:
    operand: Expr
    pos: int = 0


@dataclass(frozen=True)
class Negate:
    """Arithmetic minus in front of an expression that is not a plain number literal."""

    operand: Expr
    pos: int = 0


@dataclass(frozen=True)
class FunctionCall:
    """name is lower-case as in the spec: 'substringof', 'year', 'geo.intersects', 'st_within', ..."""

    name: str
    args: tuple[Expr, ...]
    pos: int = 0


@dataclass(frozen=True)
class Related:
    """Access layer only (the OData parser never produces it): some entity reached through the
    navigation properties `path` exists and, when `dataset_in` is given, its internal
    `dataset_id` column is one of those ids (or NULL, when `or_unassigned`), and `where` holds
    for it. With an empty `path` the condition is on the entity itself. Used to say "has a
    visible Datastream" or "has a Thing without streams"."""

    path: tuple[str, ...]
    dataset_in: tuple[int, ...] | None = None
    or_unassigned: bool = False
    where: Expr | None = None  # a further condition on the entity reached
    pos: int = 0


@dataclass(frozen=True)
class StreamDatasets:
    """Access layer only: an Observation whose Datastream or MultiDatastream belongs to one of
    these datasets (or to none, when `or_unassigned`). Said this way, rather than as two
    `Related`, the store knows that a stream's Observations are visible exactly when the stream
    is, and keeps its summary counts and latest-observation shortcuts under this scope."""

    dataset_in: tuple[int, ...]
    or_unassigned: bool = False
    pos: int = 0


Expr = Literal | Path | BinaryOp | Not | Negate | FunctionCall | Related | StreamDatasets

COMPARISON_OPS = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})
LOGICAL_OPS = frozenset({"and", "or"})
ARITHMETIC_OPS = frozenset({"add", "sub", "mul", "div", "mod"})

# Function name -> allowed argument counts (OGC 18-088 Table 38, plus OData `contains`).
FUNCTION_ARITY: dict[str, tuple[int, ...]] = {
    "substringof": (2,),
    "contains": (2,),
    "endswith": (2,),
    "startswith": (2,),
    "length": (1,),
    "indexof": (2,),
    "substring": (2, 3),
    "tolower": (1,),
    "toupper": (1,),
    "trim": (1,),
    "concat": (2,),
    "year": (1,),
    "month": (1,),
    "day": (1,),
    "hour": (1,),
    "minute": (1,),
    "second": (1,),
    "fractionalseconds": (1,),
    "date": (1,),
    "time": (1,),
    "totaloffsetminutes": (1,),
    "now": (0,),
    "mindatetime": (0,),
    "maxdatetime": (0,),
    "round": (1,),
    "floor": (1,),
    "ceiling": (1,),
    "geo.distance": (2,),
    "geo.length": (1,),
    "geo.intersects": (2,),
    "st_equals": (2,),
    "st_disjoint": (2,),
    "st_touches": (2,),
    "st_within": (2,),
    "st_overlaps": (2,),
    "st_crosses": (2,),
    "st_intersects": (2,),
    "st_contains": (2,),
    "st_relate": (3,),
}


@dataclass(frozen=True)
class OrderBy:
    expr: Expr
    descending: bool = False


@dataclass
class Expand:
    """One `$expand` item. `path` is the navigation path, e.g. ('Datastreams',) or
    ('Datastreams', 'Observations') for `Datastreams/Observations`; `options` apply to the
    last segment (`Datastreams($top=1)` or `Datastreams/Observations($top=1)`)."""

    path: tuple[str, ...]
    options: QueryOptions = field(default_factory=lambda: QueryOptions())


@dataclass
class QueryOptions:
    """All system query options of one request or one `$expand` level.

    `select` is None when absent; otherwise a list of property names (may include navigation
    property names, which select their navigationLink). `top` is None when absent (the
    server default applies). `result_format` is e.g. 'dataArray' or None."""

    filter: Expr | None = None
    expand: list[Expand] = field(default_factory=list)
    select: list[str] | None = None
    orderby: list[OrderBy] = field(default_factory=list)
    top: int | None = None
    skip: int = 0
    count: bool = False
    result_format: str | None = None


__all__ = [
    "ARITHMETIC_OPS",
    "BinaryOp",
    "COMPARISON_OPS",
    "Expand",
    "Expr",
    "FUNCTION_ARITY",
    "FunctionCall",
    "LOGICAL_OPS",
    "Literal",
    "Negate",
    "Not",
    "OrderBy",
    "Path",
    "QueryOptions",
    "date",
    "datetime",
    "time",
    "timedelta",
]
