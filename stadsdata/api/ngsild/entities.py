"""The platform's Things as NGSI-LD entities (normalized form): each Thing with at least one
Datastream the caller may read, with the latest observation of each stream.

- id: the id an entity was created with over NGSI-LD (kept in the Thing's
  `properties.ngsild.id`), otherwise `urn:ngsi-ld:<type>:<Thing id>`;
- type: the created one, otherwise by the rule of `vocabulary.py` from the ObservedProperties;
- one Property per Datastream with an observation: `value` its latest result, `observedAt` its
  phenomenonTime (the start of an interval), `unitCode` where the unit is known; two streams
  with one attribute name: the later ones carry `datasetId` `urn:ngsi-ld:Datastream:<id>`;
- `location`: a GeoProperty of the Thing's first Location;
- `name`: the Thing's name (for Things not created over NGSI-LD);
- the non-numeric attributes an entity was created with (`properties.ngsild.attributes`).

Not mapped: a Thing's other `properties`, its description, Sensors, HistoricalLocations,
MultiDatastreams, and Datastreams without an observation yet.

The read is the one the latest-values endpoint makes (`Transaction.latest_values`, under the
caller's read scope, audited as a read of each restricted stream's latest value)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from stadsdata.access.audit import audited_read
from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.api.ngsild.vocabulary import camel, entity_type, rule_for, unit_code
from stadsdata.store.base import LatestValue, Store, Transaction

NATIVE = "ngsild"  # the member of a Thing's properties that holds what NGSI-LD created it with
DERIVED = re.compile(r"urn:ngsi-ld:[^:]+:(\d{1,18})")  # the id of a Thing not created over NGSI-LD
MAX_IDS = 100  # more ids in one request: all visible Things are mapped


@dataclass
class Stream:
    id: int
    attribute: str
    unit: Any
    time: datetime | None
    result: Any


@dataclass
class Source:
    """A Thing as the store gives it, before mapping."""

    thing_id: int
    name: str
    properties: dict[str, Any]
    geometry: Any
    streams: list[Stream] = field(default_factory=list)
    entity_type: str = ""
    entity_id: str = ""

    @property
    def native(self) -> dict[str, Any] | None:
        native = self.properties.get(NATIVE)
        return native if isinstance(native, dict) and isinstance(native.get("id"), str) else None


def load(
    store: Store, access: AccessPolicy, caller: Caller, request: str, ids: Collection[str] | None = None
) -> list[Source]:
    """Every Thing the caller may see with at least one readable Datastream, mapped (with `ids`:
    only the Things that may be these entities, found by two indexed reads first)."""
    with audited_read(store) as (tx, events):
        scope = access.read_scope(caller, tx)
        things = None if ids is None or len(ids) > MAX_IDS else candidates(tx, ids)
        rows = tx.latest_values(scope, thing_ids=things)
        seen = Counter({("Datastream", r.datastream_id): 1 for r in rows if r.phenomenon_time is not None})
        if seen:
            events += access.audit_stream_reads(caller, tx, seen, request)
    return sources(rows)


def candidates(tx: Transaction, ids: Collection[str]) -> list[int]:
    """The Things that may be these entities: those created with one of the ids, and the Thing
    whose number ends an id `urn:ngsi-ld:<type>:<n>` (its type is checked after mapping)."""
    things = {int(m.group(1)) for m in (DERIVED.fullmatch(i) for i in ids) if m}
    things |= set(tx.things_by_property_text((NATIVE, "id"), list(ids)))  # an indexed lookup (migration 0017)
    return sorted(things)  # the caller's scope applies where they are read (latest_values)


def sources(rows: list[LatestValue]) -> list[Source]:
    out: list[Source] = []
    types: set[str] = set()
    for row in rows:
        if not out or out[-1].thing_id != row.thing_id:
            if out:
                _identify(out[-1], types)
            properties = orjson.loads(row.thing_properties_json) if row.thing_properties_json else {}
            out.append(
                Source(
                    row.thing_id,
                    row.thing_name,
                    properties if isinstance(properties, dict) else {},
                    _geometry(row.location_json),
                )
            )
            types = set()
        source = out[-1]
        if source.native is not None:
            attribute = row.observed_property
        else:
            rule = rule_for(row.observed_property)
            attribute = rule.attribute if rule else camel(row.observed_property)
            if rule:
                types.add(rule.entity_type)
        source.streams.append(
            Stream(
                row.datastream_id,
                attribute,
                orjson.loads(row.unit_of_measurement_json),
                row.phenomenon_time,
                row.result,
            )
        )
    if out:
        _identify(out[-1], types)
    return out


def _identify(source: Source, types: set[str]) -> None:
    native = source.native
    if native is not None:
        source.entity_id, source.entity_type = native["id"], str(native.get("type") or entity_type(types))
    else:
        source.entity_type = entity_type(types)
        source.entity_id = f"urn:ngsi-ld:{source.entity_type}:{source.thing_id}"


def _geometry(location_json: str | None) -> Any:
    if location_json is None:
        return None
    location = orjson.loads(location_json)
    if isinstance(location, dict) and location.get("type") == "Feature":
        return location.get("geometry")
    return location


def time_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def normalized(source: Source) -> dict[str, Any]:
    """The entity in the normalized representation (clause 4.5.1)."""
    entity: dict[str, Any] = {"id": source.entity_id, "type": source.entity_type}
    if source.native is None:
        entity["name"] = {"type": "Property", "value": source.name}
    kept = source.properties.get(NATIVE)
    for name, attribute in ((kept.get("attributes") if isinstance(kept, dict) else None) or {}).items():
        entity[name] = attribute
    if source.geometry is not None:
        entity["location"] = {"type": "GeoProperty", "value": source.geometry}
    for stream in source.streams:
        if stream.time is None:
            continue
        attribute: dict[str, Any] = {"type": "Property", "value": stream.result, "observedAt": time_text(stream.time)}
        code = unit_code(stream.unit)
        if code:
            attribute["unitCode"] = code
        present = entity.get(stream.attribute)
        if present is None:
            entity[stream.attribute] = attribute
        else:
            attribute["datasetId"] = f"urn:ngsi-ld:Datastream:{stream.id}"
            entity[stream.attribute] = [*(present if isinstance(present, list) else [present]), attribute]
    return entity


def find(all_sources: list[Source], entity_id: str) -> Source | None:
    return next((s for s in all_sources if s.entity_id == entity_id), None)
