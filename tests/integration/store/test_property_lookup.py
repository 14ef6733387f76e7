"""`Transaction.things_by_property_text` on both backends: the Things whose properties hold one of
the given texts at a path, in id order, whatever else their properties hold; and the lookup of
`ngsild.id` (the id of an entity created over NGSI-LD) goes through its index (migration 0017)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from stadsdata.model.entities import THING
from stadsdata.store.base import Store
from stadsdata.store.sql.property_lookup import _expression


def test_things_by_a_text_in_their_properties(store: Store) -> None:
    with store.write() as tx:
        ids = [
            tx.insert(THING, {"name": name, "description": "", "properties": properties})
            for name, properties in (
                ("a", {"ngsild": {"id": "urn:ngsi-ld:X:a", "type": "X"}}),
                ("b", {"ngsild": {"id": "urn:ngsi-ld:X:b"}, "other": 1}),
                ("c", {"ngsild": {"id": 5}}),  # not a text: never found by one
                ("d", None),
                ("e", {"ngsild": "urn:ngsi-ld:X:a"}),  # the text one level up: not at the path
                ("f", {"ngsild": {"id": "urn:ngsi-ld:X:a"}}),  # the same id again (the API keeps ids unique; the store does not)
            )
        ]  # fmt: skip
    with store.read_only() as tx:
        assert tx.things_by_property_text(("ngsild", "id"), ["urn:ngsi-ld:X:a", "urn:ngsi-ld:X:b", "nope"]) == [ids[0], ids[1], ids[5]]
        assert tx.things_by_property_text(("ngsild", "id"), []) == []
        assert tx.things_by_property_text(("ngsild", "type"), ["X"]) == [ids[0]]
        with pytest.raises(ValueError):
            tx.things_by_property_text(("ngsild", "id') OR 1=1 --"), ["x"])


def test_the_ngsild_id_lookup_uses_its_index(store: Store) -> None:
    with store.write() as tx:
        conn = tx.conn  # type: ignore[attr-defined]
        expression = _expression(conn.dialect.name, ("ngsild", "id"))
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL enable_seqscan = off"))  # an empty table: make the planner show what it can use
            plan = " ".join(r[0] for r in conn.execute(text(f"EXPLAIN SELECT id FROM things WHERE {expression} IN ('a')")))
        else:
            plan = " ".join(str(r[3]) for r in conn.execute(text(f"EXPLAIN QUERY PLAN SELECT id FROM things WHERE {expression} IN ('a')")))
        assert "ix_things_ngsild_id" in plan, plan
