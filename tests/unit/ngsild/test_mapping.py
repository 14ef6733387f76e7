"""The mapping rule (ObservedProperty -> Smart Data Models attribute and entity type), the unit
codes, the representations and the checks of written attributes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.datastructures import QueryParams

from stadsdata.api.ngsild.attributes import normalize, split_entity
from stadsdata.api.ngsild.entities import normalized, sources
from stadsdata.api.ngsild.errors import BadRequestData, OperationNotSupported
from stadsdata.api.ngsild.representation import render, view
from stadsdata.api.ngsild.vocabulary import camel, entity_type, rule_for, unit_code, unit_of_measurement
from stadsdata.store.base import LatestValue


@pytest.mark.parametrize(
    ("observed", "attribute", "kind"),
    [("NO2", "no2", "AirQualityObserved"), ("Nitrogen dioxide", "no2", "AirQualityObserved"), ("PM2.5", "pm25", "AirQualityObserved"),
     ("PM10 concentration", "pm10", "AirQualityObserved"), ("air temperature", "temperature", "WeatherObserved"),
     ("relative humidity", "relativeHumidity", "WeatherObserved"), ("vacant spaces", "availableSpotNumber", "OffStreetParking"),
     ("capacity", "totalSpotNumber", "OffStreetParking"), ("EVSE status", "status", "EVChargingStation"),
     ("fill level", "fillingLevel", "WasteContainer"), ("vehicles per hour", "intensity", "TrafficFlowObserved"),
     ("average vehicle speed", "averageVehicleSpeed", "TrafficFlowObserved"), ("light level", "illuminanceLevel", "Streetlight"),
     ("grass height", "grassHeight", "GreenspaceRecord"), ("pH", "pH", "WaterQualityObserved")],
)  # fmt: skip
def test_observed_properties_map_to_smart_data_model_attributes(observed: str, attribute: str, kind: str) -> None:
    rule = rule_for(observed)
    assert rule is not None and (rule.attribute, rule.entity_type) == (attribute, kind)


def test_what_no_rule_knows_keeps_its_name_and_the_generic_type() -> None:
    assert rule_for("energy delivered") is None and rule_for("phosphate") is None
    assert camel("energy delivered") == "energyDelivered" and camel("3 phase power") == "p3PhasePower"
    assert entity_type(set()) == "Thing"
    assert entity_type({"WeatherObserved", "EVChargingStation"}) == "EVChargingStation"  # the most specific


def test_unit_codes_both_ways() -> None:
    assert unit_code({"name": "microgram per cubic metre", "symbol": "µg/m³", "definition": ""}) == "GQ"
    assert (
        unit_code({"name": "degree Celsius", "symbol": "°C", "definition": "http://qudt.org/vocab/unit/DEG_C"}) == "CEL"
    )
    assert unit_code({"name": "x", "symbol": "furlong", "definition": ""}) is None
    for code in ("GQ", "CEL", "XYZ"):
        assert unit_code(unit_of_measurement(code)) == code


def row(thing: int, stream: int, prop: str, result: object, props: str | None = None) -> LatestValue:
    return LatestValue(thing, f"thing {thing}", props, '{"type":"Point","coordinates":[6.0,52.0]}', stream, f"s{stream}",
                       '{"name":"µg/m³","symbol":"µg/m³","definition":""}', prop, datetime(2026, 5, 1, 10, tzinfo=UTC), result)  # fmt: skip


def test_a_thing_becomes_one_entity_with_an_attribute_per_stream() -> None:
    mapped = sources(
        [row(7, 1, "NO2", 31.5), row(7, 2, "PM10", 12), row(7, 3, "NO2", 30), row(8, 4, "energy delivered", 3)]
    )
    assert [(s.entity_id, s.entity_type) for s in mapped] == [
        ("urn:ngsi-ld:AirQualityObserved:7", "AirQualityObserved"), ("urn:ngsi-ld:Thing:8", "Thing")]  # fmt: skip
    entity = normalized(mapped[0])
    assert entity["no2"] == [
        {"type": "Property", "value": 31.5, "observedAt": "2026-05-01T10:00:00Z", "unitCode": "GQ"},
        {
            "type": "Property",
            "value": 30,
            "observedAt": "2026-05-01T10:00:00Z",
            "unitCode": "GQ",
            "datasetId": "urn:ngsi-ld:Datastream:3",
        },
    ]
    assert entity["location"] == {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [6.0, 52.0]}}
    assert entity["name"] == {"type": "Property", "value": "thing 7"}
    assert render(entity, view(QueryParams("options=keyValues&attrs=no2,pm10"))) == {
        "id": "urn:ngsi-ld:AirQualityObserved:7", "type": "AirQualityObserved", "no2": 31.5, "pm10": 12}  # fmt: skip
    concise = render(entity, view(QueryParams("options=concise&pick=id,name,location")))
    assert concise == {
        "id": "urn:ngsi-ld:AirQualityObserved:7",
        "name": "thing 7",
        "location": {"type": "Point", "coordinates": [6.0, 52.0]},
    }
    assert "no2" not in render(entity, view(QueryParams("omit=no2")))


def test_a_natively_created_thing_keeps_its_id_type_and_attribute_names() -> None:
    props = '{"ngsild":{"id":"urn:x:1","type":"WeatherObserved","attributes":{"source":{"type":"Property","value":"KNMI"}}}}'
    entity = normalized(sources([row(1, 1, "temperature", 12.5, props)])[0])
    assert entity["id"] == "urn:x:1" and entity["type"] == "WeatherObserved" and entity["source"]["value"] == "KNMI"
    assert "name" not in entity and entity["temperature"]["value"] == 12.5


def test_written_attributes_are_normalized_and_checked() -> None:
    assert normalize("a", 3) == {"type": "Property", "value": 3}
    assert normalize("a", {"value": 3, "unitCode": "CEL"}) == {"type": "Property", "value": 3, "unitCode": "CEL"}
    assert normalize("r", {"object": "urn:x:1"}) == {"type": "Relationship", "object": "urn:x:1"}
    assert normalize("location", {"type": "Point", "coordinates": [1, 2]})["type"] == "GeoProperty"
    for name, bad, field in [("a", {"type": "Property"}, "a.value"), ("a", {"type": "Thing", "value": 1}, "a.type"),
                             ("a", {"value": 1, "observedAt": "yesterday"}, "a.observedAt"), ("location", {"type": "GeoProperty", "value": 3}, "location.value"),
                             ("a", {"value": 1, "unitCode": "degrees"}, "a.unitCode"), ("r", {"type": "Relationship", "object": "no uri"}, "r.object"),
                             ("createdAt", 1, "createdAt")]:  # fmt: skip
        with pytest.raises(BadRequestData) as raised:
            normalize(name, bad)
        assert raised.value.field == field
    with pytest.raises(OperationNotSupported):
        normalize("a", [{"value": 1}, {"value": 2, "datasetId": "urn:x:d"}])
    for body, field in [
        ({"type": "T"}, "id"),
        ({"id": "urn:x:1"}, "type"),
        ({"id": "not a uri", "type": "T"}, "id"),
        ([], "body"),
    ]:
        with pytest.raises(BadRequestData) as raised:
            split_entity(body)
        assert raised.value.field == field
