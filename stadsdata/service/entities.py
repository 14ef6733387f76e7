"""Entities created for a caller, outside any face: the core operation behind SensorThings'
POST (and what the demo city, connectors and file imports use to make Things, Datastreams and
the rest). The body is the entity in the SensorThings data model (`model/entities.py`: a dict of
properties with nested or linked related entities, `{"@iot.id": n}` for a link); the access
policy decides whether the caller may create it, in the same transaction."""

from __future__ import annotations

from typing import Any

from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.access.pseudonyms import Pseudonymiser
from stadsdata.model.entities import EntityType
from stadsdata.service.context import write_context
from stadsdata.service.create import create
from stadsdata.service.update import patch
from stadsdata.store.base import Store


class Entities:
    def __init__(self, store: Store, access: AccessPolicy, pseudonymiser: Pseudonymiser | None = None) -> None:
        self.store = store
        self.access = access
        self.pseudonymiser = pseudonymiser

    def create(self, caller: Caller, entity: EntityType, body: dict[str, Any]) -> int:
        """Create `entity` (with what it nests, linked to what it names) and return its id."""
        with self.store.write() as tx:
            self.access.check_write(caller, entity, "create")
            return create(write_context(self.access, caller, tx, pseudonymiser=self.pseudonymiser), entity, body)

    def patch(self, caller: Caller, entity: EntityType, id: int, body: dict[str, Any]) -> None:
        """Set the given properties of entity(id) (SensorThings PATCH: links replaced or added)."""
        with self.store.write() as tx:
            self.access.check_write(caller, entity, "update")
            patch(write_context(self.access, caller, tx, pseudonymiser=self.pseudonymiser), entity, id, body)
