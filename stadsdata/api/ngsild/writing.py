"""NGSI-LD writes as the platform's own entities, through the core (so the access policy,
pseudonymisation and the audit apply as for every other way in):

- an entity -> a Thing (name: its `name` Property, else its id; `properties.ngsild`: its id,
  type and non-numeric attributes in normalized form), its `location` -> the Thing's Location;
- each numeric Property -> a Datastream named after the attribute, with an ObservedProperty of
  that name (and a Sensor "NGSI-LD client"), its `unitCode` kept in the unitOfMeasurement, each
  value an Observation at `observedAt` (the time of the write when absent);
- a later value of an attribute that has a Datastream -> a new Observation of it (whatever its
  type); a new non-numeric attribute -> into `properties.ngsild.attributes`.

Sub-attributes of a numeric Property other than observedAt and unitCode are not kept. An
entity needs at least one numeric Property (a Thing without a Datastream is not an entity on
this face) and a `location` (its observations' feature of interest) (docs/ngsi-ld.md)."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from stadsdata.access.policy import Caller
from stadsdata.api.ngsild.attributes import is_number, observed_at
from stadsdata.api.ngsild.entities import NATIVE, Source, find, load
from stadsdata.api.ngsild.errors import AlreadyExists, BadRequestData, ResourceNotFound
from stadsdata.api.ngsild.vocabulary import rule_for, unit_of_measurement
from stadsdata.model.entities import DATASTREAM, LOCATION, THING
from stadsdata.platform import Platform
from stadsdata.query.ast import QueryOptions
from stadsdata.service.context import write_context
from stadsdata.service.sink import Reading
from stadsdata.service.update import delete
from stadsdata.store.base import ReadRequest

MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
DEFAULT_VOCAB = "https://uri.etsi.org/ngsi-ld/default-context/"


@dataclass
class UpdateResult:
    """Clause 5.2.18: what an update or append did, attribute by attribute."""

    updated: list[str] = field(default_factory=list)
    not_updated: list[dict[str, str]] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        return {"updated": self.updated, "notUpdated": self.not_updated}


class Writer:
    def __init__(self, platform: Platform, caller: Caller) -> None:
        self.platform = platform
        self.caller = caller
        self.core = platform.core

    # -- lookups ----------------------------------------------------------------------------
    def visible(self, request: str, ids: Collection[str] | None = None) -> list[Source]:
        """The entities the caller may see (with `ids`: those that may have these ids)."""
        return load(self.platform.store, self.core.access, self.caller, request, ids)

    def source(self, entity_id: str) -> Source:
        found = find(self.visible(f"ngsi-ld:{entity_id}", [entity_id]), entity_id)
        if found is None:
            raise ResourceNotFound(f"entity {entity_id} does not exist", field="id")
        return found

    def taken(self, entity_id: str) -> bool:
        """Whether an entity (visible to the caller or not) has this id already: ids stay unique.
        A writer may so learn that a hidden id is taken (docs/ngsi-ld.md, "Access"). Two
        indexed reads, no mapping: a created id, or the id of a Thing not created over NGSI-LD."""
        derived = re.fullmatch(r"urn:ngsi-ld:[^:]+:(\d{1,18})", entity_id)
        with self.platform.store.read_only() as tx:  # only a yes or no leaves here: not an audited read
            if tx.things_by_property_text((NATIVE, "id"), [entity_id]):
                return True
            return derived is not None and bool(
                tx.read(ReadRequest(THING, QueryOptions(select=["id"]), id=int(derived.group(1)), top=1)).records
            )

    # -- create -----------------------------------------------------------------------------
    def create(self, entity_id: str, entity_type: str, attributes: dict[str, dict[str, Any]]) -> int:
        if self.taken(entity_id):
            raise AlreadyExists(f"entity {entity_id} exists already", field="id")
        numeric = {
            n: a
            for n, a in attributes.items()
            if n != "location" and a["type"] == "Property" and is_number(a.get("value"))
        }
        if not numeric:
            raise BadRequestData(
                "an entity needs at least one numeric Property here (it becomes a Datastream)", field="body"
            )
        if "location" not in attributes:
            raise BadRequestData(
                "an entity needs a location here (its observations' feature of interest)", field="location"
            )
        kept = {n: a for n, a in attributes.items() if n not in numeric and n != "location"}
        name = attributes.get("name", {}).get("value")
        body: dict[str, Any] = {
            "name": name if isinstance(name, str) and name else entity_id,
            "description": f"NGSI-LD entity {entity_id} of type {entity_type}",
            "properties": {NATIVE: {"id": entity_id, "type": entity_type, "attributes": kept}},
            "Datastreams": [self._stream(entity_id, n, a) for n, a in numeric.items()],
        }
        body["Locations"] = [self._location(entity_id, attributes["location"])]
        return self.core.entities.create(self.caller, THING, body)

    def _stream(
        self, entity_id: str, name: str, attribute: dict[str, Any], thing_id: int | None = None
    ) -> dict[str, Any]:
        rule = rule_for(name)
        definition = (
            DEFAULT_VOCAB + name
            if rule is None or rule.attribute != name
            else f"https://smartdatamodels.org/{rule.entity_type}/{name}"
        )
        stream: dict[str, Any] = {
            "name": name, "description": f"{name} of NGSI-LD entity {entity_id}", "observationType": MEASUREMENT,
            "unitOfMeasurement": unit_of_measurement(attribute.get("unitCode")), "properties": {NATIVE: {"attribute": name}},
            "Sensor": {"name": "NGSI-LD client", "description": f"what NGSI-LD clients write for {entity_id}",
                       "encodingType": "text/html", "metadata": "https://www.etsi.org/deliver/etsi_gs/CIM/001_099/009/"},
            "ObservedProperty": {"name": name, "definition": definition, "description": f"{name} (NGSI-LD attribute)"},
            "Observations": [{"phenomenonTime": self._time(name, attribute), "result": attribute["value"]}],
        }  # fmt: skip
        if thing_id is not None:
            stream["Thing"] = {"@iot.id": thing_id}
        return stream

    @staticmethod
    def _time(name: str, attribute: dict[str, Any]) -> str:
        if "observedAt" in attribute:
            return observed_at(attribute["observedAt"], f"{name}.observedAt").astimezone(UTC).isoformat()
        return datetime.now(UTC).isoformat()

    @staticmethod
    def _location(entity_id: str, attribute: dict[str, Any]) -> dict[str, Any]:
        if attribute["type"] != "GeoProperty":
            raise BadRequestData("location is a GeoProperty", field="location")
        return {"name": f"location of {entity_id}", "description": f"where NGSI-LD entity {entity_id} is",
                "encodingType": "application/geo+json", "location": attribute["value"]}  # fmt: skip

    # -- update / append --------------------------------------------------------------------
    def update(
        self, source: Source, attributes: dict[str, dict[str, Any]], *, append: bool, overwrite: bool = True
    ) -> UpdateResult:
        """PATCH .../attrs (`append` False: only existing attributes) or POST .../attrs."""
        result = UpdateResult()
        streams = {s.attribute: s for s in reversed(source.streams)}  # the first stream of a name
        native = dict(source.properties.get(NATIVE) or {})
        kept = dict(native.get("attributes") or {})
        existing = set(streams) | set(kept) | ({"location"} if source.geometry is not None else set())
        readings: list[Reading] = []
        changes: dict[str, Any] = {}
        for name, attribute in attributes.items():
            if name in existing and not overwrite:
                result.not_updated.append(
                    {"attributeName": name, "reason": "the attribute exists and noOverwrite was asked"}
                )
                continue
            if name not in existing and not append:
                result.not_updated.append({"attributeName": name, "reason": "the entity has no such attribute"})
                continue
            if name == "location":
                if (
                    attribute.get("value") != source.geometry
                ):  # a new place: a new Location, kept in the Thing's history
                    place = self.core.entities.create(
                        self.caller, LOCATION, self._location(source.entity_id, attribute)
                    )
                    changes["Locations"] = [{"@iot.id": place}]
            elif name in streams and attribute["type"] == "Property":
                moment = datetime.fromisoformat(self._time(name, attribute))
                readings.append(Reading(moment, attribute["value"], streams[name].id, field=name))
            elif attribute["type"] == "Property" and is_number(attribute.get("value")) and name not in kept:
                self.core.entities.create(
                    self.caller, DATASTREAM, self._stream(source.entity_id, name, attribute, source.thing_id)
                )
            else:
                kept[name] = attribute
            result.updated.append(name)
        if kept != (native.get("attributes") or {}):
            changes["properties"] = {**source.properties, NATIVE: {**native, "attributes": kept}}
        if changes:
            self.core.entities.patch(self.caller, THING, source.thing_id, changes)
        if readings:
            self.core.observations.write(self.caller, readings)
        return result

    def delete_attribute(self, source: Source, name: str) -> None:
        native = dict(source.properties.get(NATIVE) or {})
        kept = dict(native.get("attributes") or {})
        streams = [s for s in source.streams if s.attribute == name]
        if name not in kept and not streams:
            raise ResourceNotFound(f"entity {source.entity_id} has no attribute {name}", field="attrId")
        if name in kept:
            del kept[name]
            self.core.entities.patch(
                self.caller,
                THING,
                source.thing_id,
                {"properties": {**source.properties, NATIVE: {**native, "attributes": kept}}},
            )
        for stream in streams:
            self._delete(DATASTREAM, stream.id)

    # -- delete -----------------------------------------------------------------------------
    def delete(self, source: Source) -> None:
        """The Thing, with its Datastreams and their Observations (OGC 18-088 §10.4 cascades)."""
        self._delete(THING, source.thing_id)

    def _delete(self, entity: Any, id: int) -> None:
        store, access = self.platform.store, self.core.access
        with store.write() as tx:
            access.check_write(self.caller, entity, "delete")
            delete(write_context(access, self.caller, tx, pseudonymiser=self.core.pseudonymiser), entity, id)
