"""An entity query (`retrieval.EntityQuery`) as conditions the store answers in SQL
(`store/thing_query.py`), by the mapping of `entities.py`:

- `native`: a Thing created over NGSI-LD (a text `properties.ngsild.id`); its id and type are
  texts in its properties, its attributes are its streams' ObservedProperty names;
- the others: the type follows from the ObservedProperties of the visible streams by the rule of
  `vocabulary.py`, evaluated here on the store's distinct ObservedProperty names (`Names`), so
  that the database compares names with lists of names.

Each part of the query gives two conditions: `sure` (the entity matches) and `maybe` (it may
match; sure implies maybe). Where they are equal, the store's answer is the answer, counts and
pages included. Where not (a `q` on a sub-attribute other than observedAt, a member, a JSON
value, a dateTime value, id/type/name/location; a regular expression the two databases read
differently; another geoproperty; an attribute also kept as a non-numeric one) the entities
that `maybe` but not `surely` match are mapped and filtered in the server (`selection.py`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stadsdata.api.ngsild.entities import NATIVE
from stadsdata.api.ngsild.geo import GeoQuery
from stadsdata.api.ngsild.query import Comparison, Logical, Range
from stadsdata.api.ngsild.regex import portable
from stadsdata.api.ngsild.retrieval import EntityQuery
from stadsdata.api.ngsild.vocabulary import GENERIC_TYPE, TYPE_ORDER, camel, rule_for
from stadsdata.store.thing_query import (
    FALSE,
    TRUE,
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
    ThingIdIn,
    TimeCompare,
    all_of,
    any_of,
    negate,
)

IS_NATIVE = PropertyText((NATIVE, "id"), "any")
TYPED = all_of(IS_NATIVE, PropertyText((NATIVE, "type"), "nonempty"))
DERIVED_ID = re.compile(r"urn:ngsi-ld:([^:]+):(\d{1,18})")
_OPS = {"==": "eq", ">": "gt", ">=": "ge", "<": "lt", "<=": "le"}
_SPECIAL = ("id", "type", "name", "location")


@dataclass(frozen=True)
class Pushed:
    """`sure` implies `maybe`; an entity that maybe but not surely matches is one of `doubt`
    (a cheaper test: when no candidate is in doubt, `sure` is the answer)."""

    sure: Condition
    maybe: Condition
    doubt: Condition = FALSE

    @property
    def exact(self) -> bool:
        return self.sure == self.maybe


def exact(condition: Condition) -> Pushed:
    return Pushed(condition, condition)


def unsure(maybe: Condition = TRUE) -> Pushed:
    return Pushed(FALSE, maybe, maybe)


def combined(parts: list[Pushed], join: Any) -> Pushed:
    """Parts joined by all_of or any_of: in doubt where one of them is."""
    return Pushed(join(*(p.sure for p in parts)), join(*(p.maybe for p in parts)), any_of(*(p.doubt for p in parts)))


class Names:
    """The ObservedProperty names of the store, by the attribute and the type the rule gives them
    (for Things not created over NGSI-LD)."""

    def __init__(self, names: list[str]) -> None:
        self.by_attribute: dict[str, set[str]] = {}
        self.by_type: dict[str, set[str]] = {}
        for name in names:
            rule = rule_for(name)
            self.by_attribute.setdefault(rule.attribute if rule else camel(name), set()).add(name)
            if rule:
                self.by_type.setdefault(rule.entity_type, set()).add(name)

    def of_type(self, entity_type: str) -> frozenset[str]:
        return frozenset(self.by_type.get(entity_type, ()))

    def of_types(self, types: tuple[str, ...]) -> frozenset[str]:
        return frozenset(n for t in types for n in self.by_type.get(t, ()))


def streams_of(names: frozenset[str]) -> Condition:
    """A visible stream of one of these ObservedProperty names (none: no stream)."""
    return StreamMatch(names) if names else FALSE


def derived_type(names: Names, entity_type: str) -> Condition:
    """A Thing not created over NGSI-LD is of this type (the first of TYPE_ORDER its streams
    point at, else Thing)."""
    if entity_type == GENERIC_TYPE:
        return negate(streams_of(names.of_types(TYPE_ORDER)))
    if entity_type not in TYPE_ORDER:
        return FALSE
    earlier = TYPE_ORDER[: TYPE_ORDER.index(entity_type)]
    return all_of(streams_of(names.of_type(entity_type)), negate(streams_of(names.of_types(earlier))))


def _storable(text: str) -> bool:
    """A text a database can hold (PostgreSQL's cannot hold NUL): others equal no stored text."""
    return "\x00" not in text


def type_is(names: Names, entity_type: str) -> Condition:
    if not _storable(entity_type):
        return FALSE
    untyped = all_of(IS_NATIVE, negate(TYPED)) if entity_type == GENERIC_TYPE else FALSE
    return any_of(
        all_of(IS_NATIVE, PropertyText((NATIVE, "type"), "eq", entity_type)),  # a text equal to a type: not empty
        untyped,
        all_of(negate(IS_NATIVE), derived_type(names, entity_type)),
    )


def ids_are(names: Names, ids: frozenset[str]) -> Condition:
    by_type: dict[str, set[int]] = {}
    for ident in ids:
        match = DERIVED_ID.fullmatch(ident)
        if match:
            by_type.setdefault(match.group(1), set()).add(int(match.group(2)))
    derived = any_of(*(all_of(ThingIdIn(frozenset(n)), derived_type(names, t)) for t, n in sorted(by_type.items())))
    native = PropertyText((NATIVE, "id"), "in", frozenset(i for i in ids if _storable(i)))
    return any_of(all_of(IS_NATIVE, native), all_of(negate(IS_NATIVE), derived))


def id_matches(names: Names, pattern: str) -> Pushed:
    if pattern == ".*":
        return exact(TRUE)
    if not portable(pattern):
        return unsure()
    derived = any_of(
        *(all_of(derived_type(names, t), IdText(f"urn:ngsi-ld:{t}:", pattern)) for t in (*TYPE_ORDER, GENERIC_TYPE))
    )
    return exact(
        any_of(all_of(IS_NATIVE, PropertyText((NATIVE, "id"), "match", pattern)), all_of(negate(IS_NATIVE), derived))
    )


def kept(attribute: str) -> Condition:
    """A non-numeric attribute of that name is kept in the Thing's properties."""
    return PropertyPresent((NATIVE, "attributes", attribute))


def stream_attribute(
    names: Names, attribute: str, *, first: bool = False, result: Condition | None = None
) -> Condition:
    """The attribute is a stream's (with an observation); `first`: its default instance (the
    first such stream) has a latest observation matching `result`."""
    derived = frozenset(names.by_attribute.get(attribute, ()))
    if derived == {attribute}:  # the usual case: one name on both kinds of Thing
        return StreamMatch(derived, True, first, result)
    return any_of(
        all_of(IS_NATIVE, StreamMatch(frozenset({attribute}), True, first, result)),
        all_of(negate(IS_NATIVE), StreamMatch(derived, True, first, result) if derived else FALSE),
    )


def present(names: Names, attribute: str) -> Condition:
    """The entity has the attribute (`attrs`, or q's `attr` alone)."""
    if attribute in ("id", "type"):
        return TRUE
    if not _storable(attribute):
        return FALSE
    if attribute == "name":
        return any_of(negate(IS_NATIVE), kept(attribute))
    if attribute == "location":
        return any_of(LocationPresent(), kept(attribute))
    return any_of(kept(attribute), stream_attribute(names, attribute))


# -- q -----------------------------------------------------------------------------------------
def _single(op: str, literal: Any, on_time: bool) -> Condition | None:
    """One comparison of the default instance's value (or observedAt) with a literal, as
    `query._compare` decides it for a number, text, boolean or null result; None: not here."""
    if op in ("~=", "!~="):
        if on_time or not isinstance(literal, str) or not portable(literal):
            return None
        found = ResultCompare("search", literal)
        return found if op == "~=" else Not(found)
    if on_time:
        if not isinstance(literal, datetime) or literal.tzinfo is None:
            return None
        test: Condition = TimeCompare(_OPS.get(op, "eq"), literal)
    else:
        if isinstance(literal, datetime) or (isinstance(literal, bool) and op not in ("==", "!=")):
            return None
        if isinstance(literal, str) and not _storable(literal):
            return None
        test = ResultCompare(_OPS.get(op, "eq"), literal)
    return Not(test) if op == "!=" else test


def _value_test(op: str, value: Any, on_time: bool) -> Condition | None:
    if isinstance(value, Range):
        low, high = _single(">=", value.low, on_time), _single("<=", value.high, on_time)
        if low is None or high is None:
            return None
        inside = all_of(low, high)
        return inside if op == "==" else negate(inside)
    if isinstance(value, tuple):
        items = [_single("==", item, on_time) for item in value]
        if any(item is None for item in items):
            return None
        hit = any_of(*(i for i in items if i is not None))
        return hit if op == "==" else negate(hit)
    return _single(op, value, on_time)


def q_condition(names: Names, node: Any) -> Pushed:
    if isinstance(node, Logical):
        return combined([q_condition(names, term) for term in node.terms], all_of if node.op == ";" else any_of)
    assert isinstance(node, Comparison)
    path, attribute = node.path, node.path.attribute
    if attribute in _SPECIAL or path.member or path.sub not in ((), ("observedAt",)):
        if node.op is None and not path.member and not path.sub:
            return exact(present(names, attribute))
        return unsure(present(names, attribute))  # a missing attribute matches nothing
    on_time = path.sub == ("observedAt",)
    if node.op is None:
        if not on_time:
            return exact(present(names, attribute))
        streams = stream_attribute(names, attribute)
        return Pushed(all_of(negate(kept(attribute)), streams), any_of(kept(attribute), streams), kept(attribute))
    test = _value_test(node.op, node.value, on_time)
    if test is None:
        return unsure(present(names, attribute))
    # a JSON value (a list: any member; an object) is decided in the server: never sure here
    strict = test if on_time else all_of(test, Not(ResultIs("json")))
    loose = test if on_time else AnyOf((test, ResultIs("json")))
    either = frozenset(
        {attribute, *names.by_attribute.get(attribute, ())}
    )  # a superset: no first, either kind of Thing
    json = kept(attribute) if on_time else any_of(kept(attribute), StreamMatch(either, True, False, ResultIs("json")))
    return Pushed(
        all_of(negate(kept(attribute)), stream_attribute(names, attribute, first=True, result=strict)),
        any_of(kept(attribute), stream_attribute(names, attribute, first=True, result=loose)),
        json,
    )


# -- geo -----------------------------------------------------------------------------------------
def geo_condition(query: GeoQuery) -> Pushed:
    if query.geoproperty != "location":
        return unsure()
    if query.relation == "near":
        point = query.geometry
        return exact(LocationDistance(point.x, point.y, query.max_distance, query.min_distance))
    return exact(LocationRelation(query.relation, query.geometry.wkt, tuple(query.geometry.bounds)))


def push_down(query: EntityQuery, names: Names) -> Pushed:
    """The conditions of an `EntityQuery` (type, id, idPattern, attrs, q, geo-query)."""
    parts: list[Pushed] = []
    if query.types is not None:
        parts.append(exact(any_of(*(type_is(names, t) for t in sorted(query.types)))))
    if query.ids is not None:
        parts.append(exact(ids_are(names, query.ids)))
    if query.id_pattern is not None:
        parts.append(id_matches(names, query.id_pattern.pattern))
    if query.attrs is not None:
        parts.append(exact(any_of(*(present(names, a) for a in sorted(query.attrs)))))
    if query.q is not None:
        parts.append(q_condition(names, query.q))
    if query.geo is not None:
        parts.append(geo_condition(query.geo))
    return combined(parts, all_of)
