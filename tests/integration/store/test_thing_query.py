"""The contract of `Transaction.find_things` / `count_things` / `observed_property_names`
(store/thing_query.py) on both backends: Things as `latest_values` gives them under a scope,
selected by conditions on their properties, first Location and visible streams' latest values,
in id order with offset, limit and `after`, counted with the ones not `sure`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from stadsdata.model.entities import (
    DATASTREAM,
    FEATURE_OF_INTEREST,
    LOCATION,
    OBSERVED_PROPERTY,
    SENSOR,
    THING,
    EntityType,
)
from stadsdata.query import ast
from stadsdata.store.base import ObservationRow, Store, Transaction, unrestricted
from stadsdata.store.thing_query import (
    TRUE,
    AnyOf,
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
    TimeCompare,
)

T0 = datetime(2026, 5, 1, 10, tzinfo=UTC)


def _stream(tx: Transaction, thing: int, name: str, result: Any, foi: int) -> int:
    sensor = tx.insert(SENSOR, {"name": "s", "description": "d", "encodingType": "e", "metadata": "m"})
    prop = tx.insert(OBSERVED_PROPERTY, {"name": name, "definition": "d", "description": "d"})
    stream = tx.insert(DATASTREAM, {"name": name, "description": "d", "unitOfMeasurement": {}, "observationType": "x",
                                    "Thing": thing, "Sensor": sensor, "ObservedProperty": prop})  # fmt: skip
    if result is not None:
        tx.insert_observations([ObservationRow(T0, T0, result, foi, datastream_id=stream)])
    return stream


def _city(store: Store) -> dict[str, int]:
    """a: native, no2 12 then no2 40 (two streams), at (6, 52); b: no2 "high", at (6.001, 52);
    c: a stream without an observation, no Location; d: no stream at all; e: a JSON result."""
    ids: dict[str, int] = {}
    with store.write() as tx:
        foi = tx.insert(FEATURE_OF_INTEREST, {"name": "f", "description": "d", "encodingType": "application/geo+json",
                                              "feature": {"type": "Point", "coordinates": [6, 52]}})  # fmt: skip
        for key, properties, place, streams in (
            ("a", {"ngsild": {"id": "urn:x:a", "type": "T"}}, (6.0, 52.0), [("no2", 12.0), ("no2", 40.0)]),
            ("b", None, (6.001, 52.0), [("NO2", "high")]),
            ("c", {"ngsild": {"id": 5}}, None, [("no2", None)]),
            ("d", None, (6.0, 52.0), []),
            ("e", {"ngsild": {"attributes": {"no2": {}}}}, (7.0, 53.0), [("no2", [1, 2])]),
        ):
            ids[key] = thing = tx.insert(THING, {"name": key, "description": "d", "properties": properties})
            if place is not None:
                location = tx.insert(LOCATION, {"name": "l", "description": "d", "encodingType": "application/geo+json",
                                                "location": {"type": "Point", "coordinates": list(place)}})  # fmt: skip
                tx.link(THING, thing, "Locations", [location])
            for name, result in streams:
                ids.setdefault(f"{key}.{name}", _stream(tx, thing, name, result, foi))  # the first of a name
    return ids


def _found(store: Store, where: Any, **kw: Any) -> list[int]:
    with store.read_only() as tx:
        return [m.id for m in tx.find_things(kw.pop("scope", unrestricted), where, **kw)]


def test_conditions_offset_limit_and_counts(store: Store) -> None:
    ids = _city(store)
    a, b, c, e = ids["a"], ids["b"], ids["c"], ids["e"]
    assert _found(store, TRUE) == [a, b, c, e]  # d has no stream: not a Thing latest_values gives
    assert _found(store, TRUE, offset=1, limit=2) == [b, c] and _found(store, TRUE, after=b) == [c, e]
    assert _found(store, ThingIdIn(frozenset({a, c}))) == [a, c] and _found(store, ThingIdAtMost(b)) == [a, b]
    assert _found(store, PropertyText(("ngsild", "id"), "any")) == [a]  # c's id is not a text
    assert _found(store, PropertyText(("ngsild", "type"), "eq", "T")) == [a]
    assert _found(store, PropertyText(("ngsild", "id"), "in", frozenset({"urn:x:a", "urn:x:b"}))) == [a]
    assert _found(store, PropertyText(("ngsild", "id"), "match", "urn:.:a")) == [a]
    assert _found(store, PropertyText(("ngsild", "id"), "match", "urn")) == []  # matched in full
    assert _found(store, PropertyPresent(("ngsild", "attributes", "no2"))) == [e]
    assert _found(store, IdText("thing-", f"thing-{b}")) == [b]
    assert _found(store, StreamMatch(frozenset({"no2"}))) == [a, c, e]
    assert _found(store, StreamMatch(frozenset({"no2"}), observed=True)) == [a, e]
    assert _found(store, StreamMatch(frozenset({"no2"}), result=ResultCompare("gt", 30))) == [a]
    assert (
        _found(store, StreamMatch(frozenset({"no2"}), first=True, result=ResultCompare("gt", 30))) == []
    )  # the first is 12
    assert _found(store, StreamMatch(frozenset({"NO2"}), result=ResultCompare("search", "^hi"))) == [b]
    assert _found(store, StreamMatch(None, result=Not(ResultCompare("eq", 12)))) == [a, b, e]
    assert _found(store, StreamMatch(None, result=AnyOf((ResultIs("json"), ResultIs("string"))))) == [b, e]
    assert _found(store, StreamMatch(None, result=TimeCompare("ge", T0))) == [a, b, e]
    assert _found(store, Not(LocationPresent())) == [c]
    assert _found(store, LocationDistance(6.0, 52.0, max_metres=50)) == [a]
    assert _found(store, LocationDistance(6.0, 52.0, max_metres=100)) == [a, b]  # 68 m east
    assert _found(store, LocationDistance(6.0, 52.0, min_metres=100)) == [e]
    box = "POLYGON((5.9 51.9,6.05 51.9,6.05 52.1,5.9 52.1,5.9 51.9))"
    assert _found(store, LocationRelation("within", box, (5.9, 51.9, 6.05, 52.1))) == [a, b]
    assert _found(store, LocationRelation("disjoint", box)) == [e]
    with store.read_only() as tx:
        assert tx.count_things(unrestricted, TRUE) == ThingCount(4, 0)
        assert tx.count_things(unrestricted, TRUE, sure=StreamMatch(observed=True)) == ThingCount(4, 1)
        assert tx.observed_property_names() == ["NO2", "no2"]
        assert [(m.id, m.sure) for m in tx.find_things(unrestricted, TRUE, sure=ThingIdIn(frozenset({b})), limit=2)] == [
            (a, False), (b, True),
        ]  # fmt: skip


def _hiding(entity: EntityType, hidden: int) -> Any:
    def scope(asked: EntityType) -> ast.Expr | None:
        if asked is not entity:
            return None
        return ast.BinaryOp("ne", ast.Path(("id",)), ast.Literal(hidden, "int"))

    return scope


def test_the_scope_hides_as_latest_values_does(store: Store) -> None:
    ids = _city(store)
    a, b, c, e = ids["a"], ids["b"], ids["c"], ids["e"]
    assert _found(store, TRUE, scope=_hiding(THING, b)) == [a, c, e]
    assert _found(store, TRUE, scope=_hiding(DATASTREAM, ids["b.NO2"])) == [a, c, e]  # its only stream
    assert _found(
        store,
        StreamMatch(frozenset({"no2"}), first=True, result=ResultCompare("gt", 30)),
        scope=_hiding(DATASTREAM, ids["a.no2"]),
    ) == [a]  # fmt: skip - the first visible one is 40
    with store.read_only() as tx:
        location = next(v.location_json for v in tx.latest_values(unrestricted, thing_ids=[a]))
        assert location is not None
        hidden_location = [r.thing_id for r in tx.latest_values(_hiding(LOCATION, a))]
    # the Location of `a` has the id of `a` (both the first of their kind): a hidden first Location hides the Thing
    assert _found(store, TRUE, scope=_hiding(LOCATION, a)) == sorted(set(hidden_location))
    with store.read_only() as tx:
        assert tx.count_things(_hiding(THING, b), TRUE).total == 3
