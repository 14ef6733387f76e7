"""The SensorThings data model (OGC 18-088 §8): entity types, their properties and relations.

This module is pure metadata: no I/O. The store maps it to tables; the API uses it to parse
paths, validate bodies and render navigation links.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal


class Kind(StrEnum):
    """How a property's value is shaped in JSON."""

    TEXT = "text"  # a JSON string
    JSON = "json"  # a JSON object (properties, parameters, unitOfMeasurement)
    ANY = "any"  # any JSON value (result, metadata, resultQuality)
    INSTANT = "instant"  # an ISO 8601 time instant
    TIME = "time"  # an instant or an interval 'start/end'
    INTERVAL = "interval"  # an ISO 8601 interval 'start/end'
    GEOMETRY = "geometry"  # GeoJSON
    JSON_LIST = "json_list"  # a JSON array (unitOfMeasurements, multiObservationDataTypes)


@dataclass(frozen=True)
class Prop:
    name: str
    kind: Kind
    required: bool = False  # must be given on create
    nullable: bool = True  # may be null in storage/output
    read_only: bool = False  # computed by the server (Datastream.phenomenonTime, observedArea)
    since: str = "1.0"  # first API version that has it


@dataclass(frozen=True)
class Nav:
    name: str  # navigation property name, e.g. 'Datastreams'
    target: str  # target entity type, e.g. 'Datastream'
    many: bool
    required: bool = False  # must be given (link or deep insert) on create
    inverse: str | None = None  # the navigation property of the target that points back


@dataclass(frozen=True)
class EntityType:
    name: str  # 'Thing'
    set_name: str  # 'Things'
    props: tuple[Prop, ...]
    navs: tuple[Nav, ...]
    extra: dict[str, str] = field(default_factory=dict)

    def prop(self, name: str) -> Prop | None:
        return _PROP_INDEX[self.name].get(name)

    def nav(self, name: str) -> Nav | None:
        return _NAV_INDEX[self.name].get(name)

    def props_for(self, version: str) -> tuple[Prop, ...]:
        return tuple(p for p in self.props if p.since <= version)


def _p(name: str, kind: Kind, **kw: object) -> Prop:
    return Prop(name, kind, **kw)  # type: ignore[arg-type]


_NAME = _p("name", Kind.TEXT, required=True, nullable=False)
_DESCRIPTION = _p("description", Kind.TEXT, required=True, nullable=False)
_ENCODING = _p("encodingType", Kind.TEXT, required=True, nullable=False)
_PROPERTIES = _p("properties", Kind.JSON)
_PROPERTIES_11 = _p("properties", Kind.JSON, since="1.1")

THING = EntityType(
    "Thing",
    "Things",
    (_NAME, _DESCRIPTION, _PROPERTIES),
    (
        Nav("Locations", "Location", True, inverse="Things"),
        Nav("HistoricalLocations", "HistoricalLocation", True, inverse="Thing"),
        Nav("Datastreams", "Datastream", True, inverse="Thing"),
        Nav("MultiDatastreams", "MultiDatastream", True, inverse="Thing"),
    ),
)
LOCATION = EntityType(
    "Location",
    "Locations",
    (
        _NAME,
        _DESCRIPTION,
        _ENCODING,
        _p("location", Kind.GEOMETRY, required=True, nullable=False),
        _PROPERTIES_11,
    ),
    (
        Nav("Things", "Thing", True, inverse="Locations"),
        Nav("HistoricalLocations", "HistoricalLocation", True, inverse="Locations"),
    ),
)
HISTORICAL_LOCATION = EntityType(
    "HistoricalLocation",
    "HistoricalLocations",
    (_p("time", Kind.INSTANT, required=True, nullable=False),),
    (
        Nav("Thing", "Thing", False, required=True, inverse="HistoricalLocations"),
        Nav("Locations", "Location", True, inverse="HistoricalLocations"),
    ),
)
_STREAM_COMPUTED = (
    _p("observedArea", Kind.GEOMETRY, read_only=True),
    _p("phenomenonTime", Kind.INTERVAL, read_only=True),
    _p("resultTime", Kind.INTERVAL, read_only=True),
)
DATASTREAM = EntityType(
    "Datastream",
    "Datastreams",
    (
        _NAME,
        _DESCRIPTION,
        _p("unitOfMeasurement", Kind.JSON, required=True, nullable=False),
        _p("observationType", Kind.TEXT, required=True, nullable=False),
        *_STREAM_COMPUTED,
        _PROPERTIES_11,
    ),
    (
        Nav("Thing", "Thing", False, required=True, inverse="Datastreams"),
        Nav("Sensor", "Sensor", False, required=True, inverse="Datastreams"),
        Nav("ObservedProperty", "ObservedProperty", False, required=True, inverse="Datastreams"),
        Nav("Observations", "Observation", True, inverse="Datastream"),
    ),
)
MULTI_DATASTREAM = EntityType(
    "MultiDatastream",
    "MultiDatastreams",
    (
        _NAME,
        _DESCRIPTION,
        _p("unitOfMeasurements", Kind.JSON_LIST, required=True, nullable=False),
        _p("observationType", Kind.TEXT, required=True, nullable=False),
        _p("multiObservationDataTypes", Kind.JSON_LIST, required=True, nullable=False),
        *_STREAM_COMPUTED,
        _PROPERTIES_11,
    ),
    (
        Nav("Thing", "Thing", False, required=True, inverse="MultiDatastreams"),
        Nav("Sensor", "Sensor", False, required=True, inverse="MultiDatastreams"),
        Nav("ObservedProperties", "ObservedProperty", True, required=True, inverse="MultiDatastreams"),
        Nav("Observations", "Observation", True, inverse="MultiDatastream"),
    ),
)
SENSOR = EntityType(
    "Sensor",
    "Sensors",
    (_NAME, _DESCRIPTION, _ENCODING, _p("metadata", Kind.ANY, required=True, nullable=False), _PROPERTIES_11),
    (
        Nav("Datastreams", "Datastream", True, inverse="Sensor"),
        Nav("MultiDatastreams", "MultiDatastream", True, inverse="Sensor"),
    ),
)
OBSERVED_PROPERTY = EntityType(
    "ObservedProperty",
    "ObservedProperties",
    (_NAME, _p("definition", Kind.TEXT, required=True, nullable=False), _DESCRIPTION, _PROPERTIES_11),
    (
        Nav("Datastreams", "Datastream", True, inverse="ObservedProperty"),
        Nav("MultiDatastreams", "MultiDatastream", True, inverse="ObservedProperties"),
    ),
)
OBSERVATION = EntityType(
    "Observation",
    "Observations",
    (
        _p("phenomenonTime", Kind.TIME, nullable=False),
        _p("result", Kind.ANY, required=True),
        _p("resultTime", Kind.INSTANT),
        _p("resultQuality", Kind.ANY),
        _p("validTime", Kind.INTERVAL),
        _p("parameters", Kind.JSON),
    ),
    (
        Nav("Datastream", "Datastream", False, inverse="Observations"),
        Nav("MultiDatastream", "MultiDatastream", False, inverse="Observations"),
        Nav("FeatureOfInterest", "FeatureOfInterest", False, inverse="Observations"),
    ),
)
FEATURE_OF_INTEREST = EntityType(
    "FeatureOfInterest",
    "FeaturesOfInterest",
    (
        _NAME,
        _DESCRIPTION,
        _ENCODING,
        _p("feature", Kind.GEOMETRY, required=True, nullable=False),
        _PROPERTIES_11,
    ),
    (Nav("Observations", "Observation", True, inverse="FeatureOfInterest"),),
)

ENTITY_TYPES: dict[str, EntityType] = {
    e.name: e
    for e in (
        THING,
        LOCATION,
        HISTORICAL_LOCATION,
        DATASTREAM,
        MULTI_DATASTREAM,
        SENSOR,
        OBSERVED_PROPERTY,
        OBSERVATION,
        FEATURE_OF_INTEREST,
    )
}
BY_SET_NAME: dict[str, EntityType] = {e.set_name: e for e in ENTITY_TYPES.values()}

_PROP_INDEX = {e.name: {p.name: p for p in e.props} for e in ENTITY_TYPES.values()}
_NAV_INDEX = {e.name: {n.name: n for n in e.navs} for e in ENTITY_TYPES.values()}

# Entity types available per API version. MultiDatastream is an extension in 1.0 and core in 1.1;
# we serve it on both.
VERSIONS = ("1.0", "1.1")

Relation = Literal["to-one", "one-to-many", "many-to-many"]


def relation(entity: str, nav_name: str) -> Relation:
    """How entity's navigation property relates the two: 'to-one' (this entity names the other),
    'one-to-many' (each of the others names this one) or 'many-to-many' (a link between them)."""
    nav = _NAV_INDEX[entity][nav_name]
    if not nav.many:
        return "to-one"
    inverse = _NAV_INDEX[nav.target].get(nav.inverse) if nav.inverse else None
    return "one-to-many" if inverse is not None and not inverse.many else "many-to-many"
