"""One record through the mapping: its Thing (key, name, description, properties), Location and
readings — pure, no I/O. `Unmappable` names the member of the mapping that failed."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stadsdata.model.values import format_instant
from stadsdata.sources.web_api.mapping import Mapping, StreamSpec, Unmappable, coordinate, geometry, typed_result


@dataclass
class MappedReading:
    """A reading of the Datastream `stream_key` of the record's Thing."""

    spec: StreamSpec
    stream_key: str  # unique within the Thing: the spec's key, with the element's key for for_each
    stream_name: str
    time: datetime
    result: Any
    key: str  # idempotency: record identity / stream key / time


@dataclass
class MappedRecord:
    thing_key: str
    thing: dict[str, Any]  # name, description, properties
    location: dict[str, Any] | None  # a GeoJSON geometry
    parameters: dict[str, Any]
    readings: list[MappedReading] = field(default_factory=list)


def map_record(mapping: Mapping, record: Any) -> MappedRecord:
    """The record as a Thing with readings; Unmappable when a required value is missing or wrong."""
    thing_key = _text(mapping.thing_key.first(record), "thing.key", mapping.thing_key.text)
    name = _text(mapping.thing_name.first(record), "thing.name", mapping.thing_name.text)
    description = mapping.thing_description.first(record) if mapping.thing_description is not None else None
    properties = {n: v for n, p in mapping.thing_properties.items() if (v := p.first(record)) is not None}
    thing = {
        "name": name,
        "description": str(description) if description is not None else name,
        "properties": properties,
    }
    identity = (
        "/".join(_text(p.first(record), f"key.{i}", p.text) for i, p in enumerate(mapping.key))
        if mapping.key
        else thing_key
    )
    parameters = {n: v for n, p in mapping.parameters.items() if (v := p.first(record)) is not None}
    out = MappedRecord(thing_key, thing, _location(mapping, record), parameters)
    record_time = mapping.time.read(record) if mapping.time is not None else None
    for spec in mapping.streams:
        out.readings.extend(_readings(spec, record, record_time, identity))
    if not out.readings:
        raise Unmappable("no Datastream of the mapping has a result in this record", "datastreams")
    return out


def _readings(spec: StreamSpec, record: Any, record_time: datetime | None, identity: str) -> list[MappedReading]:
    if spec.for_each is None:
        reading = _reading(spec, record, record_time, identity, spec.key, spec.name)
        return [reading] if reading is not None else []
    assert spec.each_key is not None
    elements = spec.for_each.elements(record)
    if elements is None:
        if spec.optional:
            return []
        raise Unmappable(f"nothing at {spec.for_each.text}", f"{spec.member}.for_each")
    out = []
    for element in elements:
        each = _text(spec.each_key.first(element), f"{spec.member}.each_key", spec.each_key.text)
        name = spec.name
        for text, path in spec.templates:
            name = name.replace("{" + text + "}", str(path.first(element) if path.first(element) is not None else each))
        reading = _reading(spec, element, record_time, identity, f"{spec.key}:{each}", name)
        if reading is not None:
            out.append(reading)
    return out


def _reading(
    spec: StreamSpec, value: Any, record_time: datetime | None, identity: str, stream_key: str, name: str
) -> MappedReading | None:
    raw = spec.result.first(value)
    if raw is None:
        if spec.optional:
            return None
        raise Unmappable(f"no result at {spec.result.text}", f"{spec.member}.result")
    try:
        result = typed_result(raw, spec.type)
    except ValueError as exc:
        raise Unmappable(f"the result at {spec.result.text}: {exc}", f"{spec.member}.result") from None
    time = spec.time.read(value) if spec.time is not None else record_time
    assert time is not None, "compile_mapping requires a time for each Datastream"
    return MappedReading(spec, stream_key, name, time, result, f"{identity}/{stream_key}/{format_instant(time)}")


def _location(mapping: Mapping, record: Any) -> dict[str, Any] | None:
    """The first alternative of `location` that finds its values; None without a `location`."""
    if not mapping.locations:
        return None
    for member, paths in mapping.locations:
        if "geometry" in paths:
            raw = paths["geometry"].first(record)
            if raw is None:
                continue
            try:
                return geometry(raw)
            except ValueError as exc:
                raise Unmappable(f"the geometry at {paths['geometry'].text}: {exc}", f"{member}.geometry") from None
        lon, lat = paths["lon"].first(record), paths["lat"].first(record)
        if lon is None or lat is None:
            continue
        limit = math.inf if mapping.projected else 1.0  # projected: x/y, converted by the caller
        try:
            return {
                "type": "Point",
                "coordinates": [coordinate(lon, "lon", -180 * limit, 180 * limit), coordinate(lat, "lat", -90 * limit, 90 * limit)],
            }
        except ValueError as exc:
            raise Unmappable(f"the coordinates at {paths['lon'].text}, {paths['lat'].text}: {exc}", member) from None
    raise Unmappable("no location: none of the location paths finds a value", "location")


def _text(value: Any, member: str, path: str) -> str:
    """An identifier or name: a text or a number (not an object, list or boolean)."""
    if value is None:
        raise Unmappable(f"nothing at {path}", member)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Unmappable(f"the value at {path} is not a text or number", member)
    return str(value)
