"""Conditions on Things as `Transaction.latest_values` gives them (a Thing, its first Location, its
Datastreams in the caller's scope with their latest observations): what `Transaction.find_things`
and `Transaction.count_things` select in SQL. No I/O here: the words, not the SQL
(`store/sql/thing_query.py` compiles them once for both backends).

A Thing is only ever found when `latest_values` would give rows for it under the same scope: the
Thing is visible, its first Location (if any) is visible, and it has at least one visible
Datastream (whose latest Observation, if any, is visible)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, TypeAlias

# -- conditions on a stream's latest observation ------------------------------------------------
RESULT_KINDS = ("number", "string", "bool", "null", "json")


@dataclass(frozen=True)
class ResultIs:
    """The latest result is of this kind: number, string, bool, null or json (a list or object)."""

    kind: str


@dataclass(frozen=True)
class ResultCompare:
    """The latest result compared with a literal of the same kind (a number, a text, a boolean):
    op eq, gt, ge, lt, le (booleans: eq only); or 'search' (a text the regular expression `value`
    is found in). A result of another kind does not match."""

    op: str
    value: Any


@dataclass(frozen=True)
class TimeCompare:
    """The latest observation's phenomenon time (its start) compared: op eq, gt, ge, lt, le."""

    op: str
    value: datetime


# -- conditions on a Thing ---------------------------------------------------------------------
@dataclass(frozen=True)
class ThingIdIn:
    ids: frozenset[int]


@dataclass(frozen=True)
class ThingIdAtMost:
    """The Thing's id is at most this (a page's end)."""

    id: int


@dataclass(frozen=True)
class PropertyText:
    """The Thing's `properties` member at `path` is a text: op 'any' (value unused), 'nonempty',
    'eq' (value a text), 'in' (value a frozenset of texts) or 'match' (the regular expression
    `value` matches the whole text)."""

    path: tuple[str, ...]
    op: str
    value: Any = None


@dataclass(frozen=True)
class PropertyPresent:
    """The Thing's `properties` has a (non-null) member at `path`."""

    path: tuple[str, ...]


@dataclass(frozen=True)
class IdText:
    """`prefix` followed by the Thing's id (decimal) is matched in full by the regular expression."""

    prefix: str
    pattern: str


@dataclass(frozen=True)
class StreamMatch:
    """The Thing has a visible Datastream whose ObservedProperty's name is in `names` (None: any
    name) — with a latest observation when `observed` (implied by `result`) — and, when `first`,
    that stream is the first such one (the lowest id) of the Thing; `result` tests its latest
    observation (a tree of All/AnyOf/Not over ResultIs, ResultCompare and TimeCompare)."""

    names: frozenset[str] | None = None
    observed: bool = False
    first: bool = False
    result: Condition | None = None


@dataclass(frozen=True)
class LocationPresent:
    """The Thing has a Location."""


@dataclass(frozen=True)
class LocationRelation:
    """The geometry of the Thing's first Location is in a relation with a WKT geometry: within,
    contains, intersects, disjoint, equals, overlaps (as the OGC predicates st_within, …)."""

    relation: str
    wkt: str
    bbox: tuple[float, float, float, float] | None = None  # of the WKT (a pre-filter; None: none)


@dataclass(frozen=True)
class LocationDistance:
    """Great-circle metres (a sphere of the WGS 84 mean radius, `stadsdata.geo.sphere`) from the
    first Location (a point, else its representative point) to (lon, lat) are at most
    `max_metres` and at least `min_metres` (None: no bound)."""

    lon: float
    lat: float
    max_metres: float | None = None
    min_metres: float | None = None


# -- combinations ------------------------------------------------------------------------------
@dataclass(frozen=True)
class All:
    terms: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    terms: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    term: Condition


@dataclass(frozen=True)
class Always:
    value: bool


Condition: TypeAlias = (
    All | AnyOf | Not | Always | ThingIdIn | ThingIdAtMost | PropertyText | PropertyPresent | IdText | StreamMatch | LocationPresent
    | LocationRelation | LocationDistance | ResultIs | ResultCompare | TimeCompare
)  # fmt: skip

TRUE = Always(True)
FALSE = Always(False)


def all_of(*terms: Condition) -> Condition:
    """The conjunction, simplified where a term is a constant."""
    kept: list[Condition] = []
    for term in terms:
        if term == FALSE:
            return FALSE
        if term != TRUE:
            kept.append(term)
    return TRUE if not kept else kept[0] if len(kept) == 1 else All(tuple(kept))


def any_of(*terms: Condition) -> Condition:
    """The disjunction, simplified where a term is a constant."""
    kept: list[Condition] = []
    for term in terms:
        if term == TRUE:
            return TRUE
        if term != FALSE:
            kept.append(term)
    return FALSE if not kept else kept[0] if len(kept) == 1 else AnyOf(tuple(kept))


def negate(term: Condition) -> Condition:
    if isinstance(term, Always):
        return Always(not term.value)
    return term.term if isinstance(term, Not) else Not(term)


class ThingMatch(NamedTuple):
    """A Thing found (`Transaction.find_things`) and whether it matches the `sure` condition."""

    id: int
    sure: bool


@dataclass(frozen=True)
class ThingCount:
    """How many Things match (`Transaction.count_things`), and how many of them not `sure`."""

    total: int
    unsure: int = 0
