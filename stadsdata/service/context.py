"""State shared by the writes of one request (or one `$batch` change set)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.access.pseudonyms import Pseudonymiser
from stadsdata.errors import BadRequest
from stadsdata.model.entities import ENTITY_TYPES, LOCATION, MULTI_DATASTREAM, EntityType
from stadsdata.query.ast import QueryOptions
from stadsdata.store.base import ParentRef, ReadRequest, ScopeFn, Transaction, unrestricted


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

    def protect(self, stream: str, stream_id: int, result: Any, parameters: Any) -> tuple[Any, Any]:
        """(result, parameters) as they may be stored in this stream: personal fields of its
        dataset replaced by pseudonyms (`access/pseudonyms.py`)."""
        if self.pseudonymiser is None:
            return result, parameters
        key = (stream, stream_id)
        paths = self.personal.get(key)
        if paths is None:
            dataset = self.tx.access.stream_datasets(stream, [stream_id]).get(stream_id)
            rows = self.tx.access.rows("datasets", {"id": dataset}, limit=1) if dataset is not None else []
            paths = self.personal[key] = list(rows[0]["personal_fields"] or []) if rows else []
        if not paths:
            return result, parameters
        return self.pseudonymiser.apply(paths, result, parameters)

    def guard_stream(self, stream: str, stream_id: int, *, field: str) -> None:
        if self.stream_guard is not None:
            self.stream_guard(stream, stream_id, field)

    def require_exists(self, entity: EntityType, id: int, *, field: str) -> None:
        if not self.tx.exists(entity, id, scope=self.scope):
            raise BadRequest(f"{entity.name}({id}) does not exist", field=field, status=404 if not field else 400)

    def multi_width(self, multi_datastream_id: int) -> int:
        width = self.widths.get(multi_datastream_id)
        if width is None:
            result = self.tx.read(
                ReadRequest(MULTI_DATASTREAM, QueryOptions(select=["unitOfMeasurements"]), id=multi_datastream_id, top=1)
            )
            if not result.records:
                raise BadRequest(f"MultiDatastream({multi_datastream_id}) does not exist", field="MultiDatastream")
            width = len(result.records[0]["unitOfMeasurements"] or [])
            self.widths[multi_datastream_id] = width
        return width

    def feature_for_stream(self, stream: str, stream_id: int, *, field: str) -> int:
        """The FeatureOfInterest generated from the Location of the stream's Thing
        (OGC 18-088 §10.2.1.1), created on first use and reused afterwards."""
        key = (stream, stream_id)
        cached = self.features.get(key)
        if cached is not None:
            return cached
        things = self.tx.related_ids(ENTITY_TYPES[stream], stream_id, "Thing")
        if not things:
            raise BadRequest(f"{stream}({stream_id}) does not exist", field=field)
        locations = self.tx.related_ids(ENTITY_TYPES["Thing"], things[0], "Locations")
        if not locations:
            raise BadRequest(
                "the Observation has no FeatureOfInterest and its Thing has no Location to derive one from",
                field=f"{field}/FeatureOfInterest" if field else "FeatureOfInterest",
            )
        location_id = locations[0]
        feature_id = self.tx.generated_feature_for_location(location_id)
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

    def guard(stream: str, stream_id: int, field: str) -> None:
        access.check_stream_write(caller, tx, stream, stream_id, field=field)

    return WriteContext(tx, version, stream_guard=guard, scope=access.read_scope(caller, tx), pseudonymiser=pseudonymiser)


__all__ = ["ParentRef", "WriteContext", "utcnow", "write_context"]
