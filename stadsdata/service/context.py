"""State shared by the writes of one request (or one `$batch` change set)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.access.pseudonyms import Pseudonymiser
from stadsdata.errors import BadRequest
from stadsdata.model.entities import LOCATION, EntityType
from stadsdata.query.ast import QueryOptions
from stadsdata.store.base import ObservationRow, ParentRef, ReadRequest, ScopeFn, StreamFacts, Transaction, unrestricted

_STREAMS = ("Datastream", "MultiDatastream")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class WriteContext:
    tx: Transaction
    version: str = "1.1"
    now: datetime = field(default_factory=utcnow)
    # (stream entity name, stream id) -> FeatureOfInterest id generated/reused for it
    features: dict[tuple[str, int], int] = field(default_factory=dict)
    # MultiDatastream id -> number of result components
    widths: dict[int, int] = field(default_factory=dict)
    # stream (entity name, id) -> Thing id
    things: dict[tuple[str, int], int] = field(default_factory=dict)
    # Raises unless the caller may add Observations to the stream (the access policy's check)
    stream_guard: Callable[[str, int, str], None] | None = None
    # What the caller may see: linking to an entity it cannot see is like linking to none
    scope: ScopeFn = unrestricted
    # Replaces the personal fields of a stream's dataset before storage (None: nothing to replace)
    pseudonymiser: Pseudonymiser | None = None
    # stream (entity name, id) -> paths of its personal fields
    personal: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    # stream (entity name, id) -> what a write to it needs (None: it does not exist)
    facts: dict[tuple[str, int], StreamFacts | None] = field(default_factory=dict)
    # observation id -> the row stored for it by this request (its response needs no read back)
    stored: dict[int, ObservationRow] = field(default_factory=dict)

    def stream_facts(self, stream: str, stream_id: int) -> StreamFacts | None:
        """The stream's Thing, dataset, personal fields, first Location and generated feature:
        one statement per stream and request (no access filter: callers check that first)."""
        key = (stream, stream_id)
        if key in self.facts:
            return self.facts[key]
        facts = self.facts[key] = self.tx.stream_facts(stream, stream_id)
        return facts

    def protect(self, stream: str, stream_id: int, result: Any, parameters: Any) -> tuple[Any, Any]:
        """(result, parameters) as they may be stored in this stream: personal fields of its
        dataset replaced by pseudonyms (`access/pseudonyms.py`)."""
        if self.pseudonymiser is None:
            return result, parameters
        key = (stream, stream_id)
        paths = self.personal.get(key)
        if paths is None:
            facts = self.stream_facts(stream, stream_id)
            paths = self.personal[key] = list(facts.personal_fields) if facts is not None else []
        if not paths:
            return result, parameters
        return self.pseudonymiser.apply(paths, result, parameters)

    def guard_stream(self, stream: str, stream_id: int, *, field: str) -> None:
        if self.stream_guard is not None:
            self.stream_guard(stream, stream_id, field)

    def require_exists(self, entity: EntityType, id: int, *, field: str) -> None:
        if entity.name in _STREAMS and (self.scope is unrestricted or self.scope(entity) is None):
            exists = self.stream_facts(entity.name, id) is not None  # read once for the whole write
        else:
            exists = self.tx.exists(entity, id, scope=self.scope)
        if not exists:
            raise BadRequest(f"{entity.name}({id}) does not exist", field=field, status=404 if not field else 400)

    def multi_width(self, multi_datastream_id: int) -> int:
        width = self.widths.get(multi_datastream_id)
        if width is None:
            facts = self.stream_facts("MultiDatastream", multi_datastream_id)
            if facts is None:
                raise BadRequest(f"MultiDatastream({multi_datastream_id}) does not exist", field="MultiDatastream")
            width = self.widths[multi_datastream_id] = facts.width or 0
        return width

    def feature_for_stream(self, stream: str, stream_id: int, *, field: str) -> int:
        """The FeatureOfInterest generated from the Location of the stream's Thing
        (OGC 18-088 §10.2.1.1), created on first use and reused afterwards."""
        key = (stream, stream_id)
        cached = self.features.get(key)
        if cached is not None:
            return cached
        facts = self.stream_facts(stream, stream_id)
        if facts is None:
            raise BadRequest(f"{stream}({stream_id}) does not exist", field=field)
        location_id = facts.location_id
        if location_id is None:
            raise BadRequest(
                "the Observation has no FeatureOfInterest and its Thing has no Location to derive one from",
                field=f"{field}/FeatureOfInterest" if field else "FeatureOfInterest",
            )
        feature_id = facts.feature_id
        if feature_id is None:  # again under a lock, so that concurrent writers create only one
            feature_id = self.tx.generated_feature_for_location(location_id, lock=True)
        if feature_id is None:
            location = self.tx.read(ReadRequest(LOCATION, QueryOptions(), id=location_id, top=1)).records[0]
            feature_id = self.tx.insert_generated_feature(
                {
                    "name": location["name"],
                    "description": location["description"],
                    "encodingType": location["encodingType"],
                    "feature": location["location"],
                },
                location_id,
            )
        self.features[key] = feature_id
        return feature_id


def write_context(
    access: AccessPolicy, caller: Caller, tx: Transaction, *, pseudonymiser: Pseudonymiser | None = None, version: str = "1.1"
) -> WriteContext:
    """The write context of `caller` in `tx`: the caller's right per stream (the access policy's
    check), what the caller may see, and the pseudonymiser of personal fields."""

    context = WriteContext(tx, version, scope=access.read_scope(caller, tx), pseudonymiser=pseudonymiser)

    def guard(stream: str, stream_id: int, field: str) -> None:
        access.check_stream_write(caller, tx, stream, stream_id, field=field, facts=context.stream_facts)

    context.stream_guard = guard
    return context


__all__ = ["ParentRef", "StreamFacts", "WriteContext", "utcnow", "write_context"]
