"""The base data of bench/ngsild.py, bulk-loaded through the store's tables (executemany in one
write transaction per chunk): what `POST /ngsi-ld/v1/entities` of `entity(i)` stores, row for row
(a Thing with `properties.ngsild`, its Location, the FeatureOfInterest generated from it, two
Datastreams no2 and pm10 with a Sensor and an ObservedProperty each, one Observation each, the
per-stream summary), for an empty store. Every tenth Thing is a plain SensorThings Thing (no
`properties.ngsild`: its type and id follow from the mapping rule). bench/ngsild.py checks that
the face gives a loaded entity back exactly as written."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from stadsdata.store.base import Store
from stadsdata.store.schema import (
    RESULT_FLOAT,
    datastreams,
    features_of_interest,
    locations,
    observations,
    observed_properties,
    sensors,
    things,
    things_locations,
)

WHEN = "2026-05-01T10:00:00Z"
MOMENT = datetime(2026, 5, 1, 10, tzinfo=UTC)
MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
UNIT = {"name": "microgram per cubic metre", "symbol": "µg/m³", "definition": "urn:ngsi-ld:unitCode:GQ"}
CHUNK = 5_000
TABLES = (
    "things",
    "locations",
    "features_of_interest",
    "sensors",
    "observed_properties",
    "datastreams",
    "observations",
)


def place(index: int) -> tuple[float, float]:
    """A grid of 100 columns, 0.001° apart (about 70 m east-west, 110 m north-south)."""
    return 6.0 + (index % 100) / 1000, 52.4 + (index // 100) / 1000


def values(index: int) -> tuple[float, float]:
    return float(index % 60), float(index % 40)


def native(index: int) -> bool:
    return index % 10 != 9


def entity(index: int) -> dict[str, Any]:
    """The entity as NGSI-LD writes and reads it."""
    lon, lat = place(index)
    no2, pm10 = values(index)
    return {
        "id": f"urn:ngsi-ld:AirQualityObserved:bench{index}", "type": "AirQualityObserved",
        "no2": {"type": "Property", "value": no2, "observedAt": WHEN, "unitCode": "GQ"},
        "pm10": {"type": "Property", "value": pm10, "observedAt": WHEN, "unitCode": "GQ"},
        "name": {"type": "Property", "value": f"meetpunt {index}"},
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [lon, lat]}},
    }  # fmt: skip


def _rows(index: int) -> dict[str, list[dict[str, Any]]]:
    thing, lon, lat = index + 1, *place(index)
    ident = f"urn:ngsi-ld:AirQualityObserved:bench{index}"
    properties = (
        {"ngsild": {"id": ident, "type": "AirQualityObserved",
                    "attributes": {"name": {"type": "Property", "value": f"meetpunt {index}"}}}}
        if native(index) else None
    )  # fmt: skip
    point = {"type": "Point", "coordinates": [lon, lat]}
    box = {"bbox_minx": lon, "bbox_miny": lat, "bbox_maxx": lon, "bbox_maxy": lat}
    out: dict[str, list[dict[str, Any]]] = {
        "things": [{"id": thing, "name": f"meetpunt {index}", "description": f"NGSI-LD entity {ident} of type AirQualityObserved", "properties": properties}],
        "locations": [{"id": thing, "name": f"location of {ident}", "description": f"where NGSI-LD entity {ident} is",
                       "encoding_type": "application/geo+json", "location": point, "properties": None, **box}],
        "things_locations": [{"thing_id": thing, "location_id": thing}],
        "features_of_interest": [{"id": thing, "name": f"location of {ident}", "description": f"where NGSI-LD entity {ident} is",
                                  "encoding_type": "application/geo+json", "feature": point, "properties": None,
                                  "generated_from_location_id": thing, **box}],
        "sensors": [], "observed_properties": [], "datastreams": [], "observations": [],
    }  # fmt: skip
    for offset, (name, value) in enumerate(zip(("no2", "pm10"), values(index))):
        stream = 2 * index + 1 + offset
        out["sensors"].append({"id": stream, "name": "NGSI-LD client", "description": f"what NGSI-LD clients write for {ident}",
                               "encoding_type": "text/html", "metadata": "https://www.etsi.org/deliver/etsi_gs/CIM/001_099/009/", "properties": None})  # fmt: skip
        out["observed_properties"].append({"id": stream, "name": name, "definition": f"https://smartdatamodels.org/AirQualityObserved/{name}",
                                           "description": f"{name} (NGSI-LD attribute)", "properties": None})  # fmt: skip
        out["datastreams"].append({
            "id": stream, "name": name, "description": f"{name} of NGSI-LD entity {ident}", "unit_of_measurement": UNIT,
            "observation_type": MEASUREMENT, "properties": {"ngsild": {"attribute": name}}, "thing_id": thing, "sensor_id": stream,
            "observed_property_id": stream, "phenomenon_time_start": MOMENT, "phenomenon_time_end": MOMENT, "result_time_start": None,
            "result_time_end": None, "observation_count": 1, "latest_observation_id": stream, "latest_phenomenon_time": MOMENT,
            "area_minx": lon, "area_miny": lat, "area_maxx": lon, "area_maxy": lat, "dataset_id": None,
        })  # fmt: skip
        out["observations"].append({
            "id": stream, "phenomenon_time_start": MOMENT, "phenomenon_time_end": MOMENT, "result_time": None,
            "result_type": RESULT_FLOAT, "result_number": value, "result_string": None, "result_json": None, "result_quality": None,
            "valid_time_start": None, "valid_time_end": None, "parameters": None, "datastream_id": stream,
            "multi_datastream_id": None, "feature_of_interest_id": thing,
        })  # fmt: skip
    return out


def load(store: Store, count: int) -> None:
    """`count` entities into an empty store."""
    order = [
        things,
        locations,
        things_locations,
        features_of_interest,
        sensors,
        observed_properties,
        datastreams,
        observations,
    ]
    for start in range(0, count, CHUNK):
        batch: dict[str, list[dict[str, Any]]] = {table.name: [] for table in order}
        for index in range(start, min(count, start + CHUNK)):
            for name, rows in _rows(index).items():
                batch[name] += rows
        with store.write() as tx:
            tx.prepare_observation_times([MOMENT])
            conn = tx.conn  # type: ignore[attr-defined] - the SQL backends' connection
            for table in order:
                conn.execute(table.insert(), batch[table.name])
    if store.dialect == "postgresql":  # ids were given: the sequences continue after them
        with store.write() as tx:
            for name in TABLES:
                tx.conn.execute(  # type: ignore[attr-defined]
                    text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
                )
            tx.conn.execute(text("ANALYZE"))  # type: ignore[attr-defined] - statistics, as autovacuum would make
