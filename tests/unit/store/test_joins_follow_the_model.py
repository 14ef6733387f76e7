"""The store joins each navigation property the way the model says the two entities relate (the
writers above the store decide from the model alone: `model.entities.relation`)."""

from __future__ import annotations

from stadsdata.model.entities import ENTITY_TYPES, relation
from stadsdata.store.schema import JOINS

KIND = {"fk_here": "to-one", "fk_there": "one-to-many", "link": "many-to-many"}


def test_every_navigation_property_is_joined_as_the_model_relates_it() -> None:
    navigations = {(e.name, n.name) for e in ENTITY_TYPES.values() for n in e.navs}
    assert navigations == set(JOINS)
    assert {key: KIND[join.kind] for key, join in JOINS.items()} == {key: relation(*key) for key in navigations}
