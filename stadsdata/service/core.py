"""The core every face and source calls: entity operations and the one observation sink, built
once per app over the store, the access policy and the pseudonymiser."""

from __future__ import annotations

from dataclasses import dataclass

from stadsdata.access.policy import AccessPolicy
from stadsdata.access.pseudonyms import Pseudonymiser
from stadsdata.service.entities import Entities
from stadsdata.service.sink import ObservationSink
from stadsdata.store.base import Store


@dataclass(frozen=True)
class Core:
    store: Store
    access: AccessPolicy
    pseudonymiser: Pseudonymiser | None
    entities: Entities
    observations: ObservationSink

    @classmethod
    def build(cls, store: Store, access: AccessPolicy, pseudonymiser: Pseudonymiser | None = None) -> Core:
        return cls(store, access, pseudonymiser, Entities(store, access, pseudonymiser), ObservationSink(store, access, pseudonymiser))
