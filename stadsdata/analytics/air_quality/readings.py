"""The air-quality streams a caller may read and their hourly means over a period, in one
transaction through the caller's access scope (audited like a chart's series: one record per hourly
mean given).

**Which streams**: those whose ObservedProperty is NO2, PM10 or PM2.5 — by its name (the demo city's
`NO2`, `PM10`, `PM2.5`; Luchtmeetnet's `Nitrogen dioxide`, `Particulate matter (PM10)`, …, and the
Dutch names), its `properties.formula` (Luchtmeetnet's `NO2`, `PM10`, `PM25`) or its definition (a
Luchtmeetnet `…/components/PM25`, the demo city's NERC vocabulary terms). A stream whose unit is not
µg/m³ (symbol `µg/m³`, `ug/m3`, `μg/m3`, or a UCUM/QUDT definition of it) is not assessed: it is
listed under `skipped` with the reason, never compared with limits in µg/m³.

**Reference or indicative**: a limit value is assessed with reference methods (2008/50/EC, Annex VI);
a low-cost citizen sensor is at best an indicative measurement. A stream is `reference` when
1. its Datastream, else its Sensor, else its Thing has `properties.measurementClass` "reference" (or
   "indicative": that stream is indicative whatever else holds) — the way an operator states it; or
2. its Sensor is one the Luchtmeetnet source kind made (`properties.formula` and metadata at
   luchtmeetnet.nl): Luchtmeetnet publishes the national network's (RIVM, GGD, DCMR) reference stations.
Every other stream is `indicative`: nothing is called reference without the data saying so."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from stadsdata.access.audit import audited_read
from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.model.entities import DATASTREAM, OBSERVED_PROPERTY, SENSOR
from stadsdata.query.ast import QueryOptions
from stadsdata.store.base import LatestValue, ParentRef, ReadRequest, ScopeFn, SeriesPoint, Store, Transaction

NAMES = {
    "NO2": {"no2", "nitrogen dioxide", "stikstofdioxide"},
    "PM10": {"pm10", "particulate matter (pm10)", "fijnstof (pm10)", "fijnstof pm10"},
    "PM2.5": {"pm2.5", "pm25", "pm2,5", "particulate matter (pm2.5)", "fijnstof (pm2.5)", "fijnstof pm2.5"},
}
FORMULAS = {"NO2": "NO2", "PM10": "PM10", "PM25": "PM2.5", "PM2.5": "PM2.5"}
DEFINITIONS = {  # how a definition ends
    "/components/NO2": "NO2", "/components/PM10": "PM10", "/components/PM25": "PM2.5",
    "/CONCNO2X/": "NO2", "/PMC10ATX/": "PM10", "/PMC25ATX/": "PM2.5",
}  # fmt: skip
MICROGRAM_SYMBOLS = {"ug/m3", "ug.m-3", "ugm-3", "ug/m^3"}
MAX_STREAMS = 2000


@dataclass(frozen=True)
class AirStream:
    datastream_id: int
    name: str
    pollutant: str  # NO2, PM10, PM2.5
    measurement_class: str  # reference, indicative
    thing_id: int | None
    thing_name: str
    location: dict[str, Any] | None  # GeoJSON geometry of the Thing's first Location
    points: list[SeriesPoint]  # the hourly aggregates of the period

    def place(self) -> dict[str, Any]:
        return {"datastreamId": self.datastream_id, "datastream": self.name, "thingId": self.thing_id, "thing": self.thing_name,
                "pollutant": self.pollutant, "measurementClass": self.measurement_class, "location": self.location}  # fmt: skip


@dataclass(frozen=True)
class Skipped:
    datastream_id: int
    name: str
    pollutant: str
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {"datastreamId": self.datastream_id, "datastream": self.name, "pollutant": self.pollutant, "reason": self.reason}


def pollutant_of(observed_property: dict[str, Any]) -> str | None:
    """NO2, PM10, PM2.5 or None, from an ObservedProperty record."""
    name = str(observed_property.get("name") or "").strip().lower()
    for pollutant, names in NAMES.items():
        if name in names:
            return pollutant
    formula = (observed_property.get("properties") or {}).get("formula")
    if isinstance(formula, str) and formula.upper() in FORMULAS:
        return FORMULAS[formula.upper()]
    definition = str(observed_property.get("definition") or "")
    return next((p for end, p in DEFINITIONS.items() if definition.rstrip("/").endswith(end.rstrip("/"))), None)


def is_microgram(unit: dict[str, Any] | None) -> bool:
    unit = unit or {}
    symbol = str(unit.get("symbol") or "").strip().lower().replace("µ", "u").replace("μ", "u").replace("³", "3").replace(" ", "")
    definition = str(unit.get("definition") or "")
    return symbol in MICROGRAM_SYMBOLS or "MicroGM-PER-M3" in definition or definition.endswith("ug/m3")


def measurement_class(stream: dict[str, Any], sensor: dict[str, Any] | None, thing_properties: dict[str, Any] | None) -> str:
    """reference or indicative (the module's docstring says the rule)."""
    for holder in ((stream.get("properties") or {}), ((sensor or {}).get("properties") or {}), thing_properties or {}):
        stated = holder.get("measurementClass") if isinstance(holder, dict) else None
        if stated in ("reference", "indicative"):
            return stated
    if sensor and (sensor.get("properties") or {}).get("formula") and "luchtmeetnet.nl" in str(sensor.get("metadata") or ""):
        return "reference"
    return "indicative"


def read_air_streams(
    store: Store, access: AccessPolicy, caller: Caller, pollutants: tuple[str, ...], start: datetime, end: datetime, request: str,
    keep: Callable[[dict[str, Any] | None], bool] = lambda location: True,
) -> tuple[list[AirStream], list[Skipped]]:  # fmt: skip
    """`keep` says from a stream's location (GeoJSON geometry or None) whether it is asked for (a box,
    an area): the others are not read. At most MAX_STREAMS ObservedProperties are looked at, and at
    most MAX_STREAMS streams of each."""
    found: list[AirStream] = []
    skipped: list[Skipped] = []
    with audited_read(store) as (tx, events):
        scope = access.read_scope(caller, tx)
        latest = {r.datastream_id: r for r in tx.latest_values(scope)}
        sensors: dict[int, dict[str, Any] | None] = {}
        for stream, pollutant in _streams(tx, scope, pollutants):
            if not is_microgram(stream.get("unitOfMeasurement")):
                skipped.append(Skipped(stream["id"], stream["name"], pollutant, "the unit is not µg/m³"))
                continue
            row = latest.get(stream["id"])
            if not keep(_geometry(row)):
                continue
            sensor_id = (stream.get("@links") or {}).get("Sensor")
            if sensor_id is not None and sensor_id not in sensors:
                sensors[sensor_id] = _one(tx, scope, SENSOR, sensor_id)
            thing_properties = _json(row.thing_properties_json) if row else None
            kind = measurement_class(stream, sensors.get(sensor_id) if sensor_id is not None else None, thing_properties)
            points = tx.series(stream["id"], start, end, "hour")
            found.append(AirStream(stream["id"], stream["name"], pollutant, kind, row.thing_id if row else None,
                                   row.thing_name if row else "", _geometry(row), points))  # fmt: skip
        seen = Counter({("Datastream", s.datastream_id): len(s.points) for s in found})
        if +seen:
            events += access.audit_stream_reads(caller, tx, +seen, request)
    return found, skipped


def _streams(tx: Transaction, scope: ScopeFn, pollutants: tuple[str, ...]) -> list[tuple[dict[str, Any], str]]:
    """The Datastreams in the scope of the pollutants' ObservedProperties, in id order."""
    properties = tx.read(ReadRequest(OBSERVED_PROPERTY, QueryOptions(), scope=scope, top=MAX_STREAMS, max_top=MAX_STREAMS)).records
    out: dict[int, tuple[dict[str, Any], str]] = {}
    for prop in properties:
        pollutant = pollutant_of(prop)
        if pollutant not in pollutants:
            continue
        parent = ParentRef(OBSERVED_PROPERTY, prop["id"], "Datastreams")
        for stream in tx.read(ReadRequest(DATASTREAM, QueryOptions(), parent=parent, scope=scope, top=MAX_STREAMS, max_top=MAX_STREAMS)).records:
            out[stream["id"]] = (stream, pollutant)
    return [out[k] for k in sorted(out)]


def _one(tx: Transaction, scope: ScopeFn, entity: Any, entity_id: int) -> dict[str, Any] | None:
    records = tx.read(ReadRequest(entity, QueryOptions(), id=entity_id, scope=scope, top=1)).records
    return records[0] if records else None


def _json(text: str | None) -> dict[str, Any] | None:
    value = orjson.loads(text) if text else None
    return value if isinstance(value, dict) else None


def _geometry(row: LatestValue | None) -> dict[str, Any] | None:
    geometry = _json(row.location_json) if row else None
    if geometry and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
    return geometry
