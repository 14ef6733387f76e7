"""Conformance class 1, Sensing Core (OGC 18-088 §8 data model, §9 resource paths).

The service root document, every entity type readable as a collection and by id with its
control information, every resource path form (§9.2: collections, entities, navigation to-one
and to-many, chains, properties, `$value`, `$ref`), 404s for paths that do not address
anything, RFC 3339 times, the computed Datastream properties and the external base URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.sta.conftest import COMPLEX, MEASUREMENT, assert_error_members, created_id

pytestmark = pytest.mark.conformance("core")

ROOT = "http://testserver/v1.1"
PROBLEM = "application/problem+json"
RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")

# OGC 18-088 §8.2 (1.1, with MultiDatastream §8.4): properties and navigation properties of
# every entity type, written out from the standard rather than taken from the model module.
SPEC: dict[str, tuple[list[str], list[str]]] = {
    "Things": (
        ["name", "description", "properties"],
        ["Locations", "HistoricalLocations", "Datastreams", "MultiDatastreams"],
    ),
    "Locations": (["name", "description", "encodingType", "location", "properties"], ["Things", "HistoricalLocations"]),
    "HistoricalLocations": (["time"], ["Thing", "Locations"]),
    "Datastreams": (
        [
            "name",
            "description",
            "unitOfMeasurement",
            "observationType",
            "observedArea",
            "phenomenonTime",
            "resultTime",
            "properties",
        ],
        ["Thing", "Sensor", "ObservedProperty", "Observations"],
    ),
    "MultiDatastreams": (
        [
            "name",
            "description",
            "unitOfMeasurements",
            "observationType",
            "multiObservationDataTypes",
            "observedArea",
            "phenomenonTime",
            "resultTime",
            "properties",
        ],
        ["Thing", "Sensor", "ObservedProperties", "Observations"],
    ),
    "Sensors": (["name", "description", "encodingType", "metadata", "properties"], ["Datastreams", "MultiDatastreams"]),
    "ObservedProperties": (["name", "definition", "description", "properties"], ["Datastreams", "MultiDatastreams"]),
    "Observations": (
        ["phenomenonTime", "result", "resultTime", "resultQuality", "validTime", "parameters"],
        ["Datastream", "MultiDatastream", "FeatureOfInterest"],
    ),
    "FeaturesOfInterest": (["name", "description", "encodingType", "feature", "properties"], ["Observations"]),
}
TO_ONE = {
    "Thing": "Things",
    "Sensor": "Sensors",
    "ObservedProperty": "ObservedProperties",
    "Datastream": "Datastreams",
    "MultiDatastream": "MultiDatastreams",
    "FeatureOfInterest": "FeaturesOfInterest",
}
# Optional JSON-object properties that a server may leave out when they are null.
OMITTABLE = {"properties", "parameters"}
# Properties that are new in 1.1 and absent from /v1.0 documents.
NEW_IN_11 = {
    "Locations": {"properties"},
    "Datastreams": {"properties"},
    "MultiDatastreams": {"properties"},
    "Sensors": {"properties"},
    "ObservedProperties": {"properties"},
    "FeaturesOfInterest": {"properties"},
}


# -- helpers ------------------------------------------------------------------------------------


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert_error_members(body, status)
    return body


def ids(body: dict[str, Any]) -> list[int]:
    return [e["@iot.id"] for e in body["value"]]


def first_id(client: TestClient, path: str) -> int:
    return ok(client.get(f"/v1.1/{path}?$orderby=id&$top=1&$select=id"))["value"][0]["@iot.id"]


def multi_stream_body(thing_id: int, sensor_id: int, observed_property_ids: list[int]) -> dict[str, Any]:
    return {
        "name": "wind",
        "description": "wind speed and direction",
        "observationType": COMPLEX,
        "unitOfMeasurements": [
            {"name": "metre per second", "symbol": "m/s", "definition": "http://unitsofmeasure.org/ucum.html"},
            {"name": "degree", "symbol": "deg", "definition": "http://unitsofmeasure.org/ucum.html"},
        ],
        "multiObservationDataTypes": [MEASUREMENT, MEASUREMENT],
        "Thing": {"@iot.id": thing_id},
        "Sensor": {"@iot.id": sensor_id},
        "ObservedProperties": [{"@iot.id": i} for i in observed_property_ids],
    }


@pytest.fixture
def city(client: TestClient, seed: dict[str, Any]) -> dict[str, Any]:
    """The seeded city plus a MultiDatastream with one observation, so that every entity set
    has members."""
    thing = seed["things"][0]
    sensor = first_id(client, "Sensors")
    properties = ids(ok(client.get("/v1.1/ObservedProperties?$orderby=id&$top=2")))
    multi = created_id(client.post("/v1.1/MultiDatastreams", json=multi_stream_body(thing, sensor, properties)))
    created_id(
        client.post(
            f"/v1.1/MultiDatastreams({multi})/Observations",
            json={"phenomenonTime": "2024-03-01T10:00:00Z", "result": [3.5, 270]},
        )
    )
    return {**seed, "multi": multi, "sensor": sensor, "observed_properties": properties}


def app_client(store: Store, tmp_path: Path, **settings: Any) -> TestClient:
    app = create_app(Settings(database=str(tmp_path / "stadsdata.db"), **settings), store=store)
    return TestClient(app, base_url="http://testserver")


# -- service root (§9.2.1) ---------------------------------------------------------------------


def test_service_root_lists_every_entity_set_and_conformance(client: TestClient) -> None:
    body = ok(client.get("/v1.1"))
    assert {e["name"]: e["url"] for e in body["value"]} == {name: f"{ROOT}/{name}" for name in SPEC}
    conformance = body["serverSettings"]["conformance"]
    assert isinstance(conformance, list)
    assert "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel" in conformance
    assert "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities" in conformance
    assert "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data" in conformance
    assert "http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete" in conformance
    assert len(conformance) == len(set(conformance))
    # The trailing-slash form addresses the same document.
    assert ok(client.get("/v1.1/")) == body


def test_service_root_v10_has_no_server_settings(client: TestClient) -> None:
    body = ok(client.get("/v1.0"))
    assert "serverSettings" not in body
    urls = {e["name"]: e["url"] for e in body["value"]}
    assert urls["Things"] == "http://testserver/v1.0/Things"
    assert urls["Observations"] == "http://testserver/v1.0/Observations"
    assert {
        "Things",
        "Locations",
        "HistoricalLocations",
        "Datastreams",
        "Sensors",
        "ObservedProperties",
        "Observations",
        "FeaturesOfInterest",
    } <= set(urls)


def test_service_root_urls_are_readable_collections(client: TestClient, city: dict[str, Any]) -> None:
    for entry in ok(client.get("/v1.1"))["value"]:
        body = ok(client.get(entry["url"].removeprefix("http://testserver")))
        assert body["value"], f"{entry['name']} is empty"


def test_service_root_is_read_only(client: TestClient) -> None:
    for method in ("POST", "PATCH", "PUT", "DELETE"):
        assert_problem(client.request(method, "/v1.1", json={}), 405)


# -- entities and control information (§9.2.2, §8.2) -------------------------------------------


def check_entity(set_name: str, entity: dict[str, Any], root: str = ROOT, version: str = "1.1") -> None:
    props, navs = SPEC[set_name]
    if version == "1.0":
        props = [p for p in props if p not in NEW_IN_11.get(set_name, set())]
    assert isinstance(entity["@iot.id"], int)
    self_link = f"{root}/{set_name}({entity['@iot.id']})"
    assert entity["@iot.selfLink"] == self_link
    for nav in navs:
        assert entity[f"{nav}@iot.navigationLink"] == f"{self_link}/{nav}"
    expected = {"@iot.id", "@iot.selfLink", *props, *(f"{nav}@iot.navigationLink" for nav in navs)}
    assert set(entity) <= expected
    # Only optional properties without a value may be left out.
    assert expected - set(entity) <= OMITTABLE


@pytest.mark.parametrize("set_name", list(SPEC))
def test_every_entity_type_as_collection_and_by_id(client: TestClient, city: dict[str, Any], set_name: str) -> None:
    collection = ok(client.get(f"/v1.1/{set_name}"))
    assert set(collection) == {"value"}
    assert collection["value"]
    for entity in collection["value"]:
        check_entity(set_name, entity)
        assert ok(client.get(f"/v1.1/{set_name}({entity['@iot.id']})")) == entity


@pytest.mark.parametrize("set_name", list(SPEC))
def test_every_navigation_link_resolves(client: TestClient, city: dict[str, Any], set_name: str) -> None:
    """Each X@iot.navigationLink is a working URL giving the related entity or collection."""
    _, navs = SPEC[set_name]
    entity = ok(client.get(f"/v1.1/{set_name}?$orderby=id&$top=1"))["value"][0]
    for nav in navs:
        link = entity[f"{nav}@iot.navigationLink"]
        response = client.get(link.removeprefix("http://testserver"))
        if nav not in TO_ONE:
            assert isinstance(ok(response)["value"], list), link
        elif set_name == "Observations" and nav == "MultiDatastream":
            # The first Observation belongs to a Datastream: nothing is related. OData answers
            # 204 No Content there; this server answers 404. Either way no entity, no 500.
            assert response.status_code in (204, 404), response.text
        else:
            target = ok(response)
            assert target["@iot.selfLink"] == f"{ROOT}/{TO_ONE[nav]}({target['@iot.id']})"
            check_entity(TO_ONE[nav], target)


@pytest.mark.parametrize("set_name", list(SPEC))
def test_every_entity_type_on_v10(client: TestClient, city: dict[str, Any], set_name: str) -> None:
    collection = ok(client.get(f"/v1.0/{set_name}"))
    for entity in collection["value"]:
        check_entity(set_name, entity, root="http://testserver/v1.0", version="1.0")


def test_entity_values_round_trip(client: TestClient, seed: dict[str, Any]) -> None:
    thing = ok(client.get(f"/v1.1/Things({seed['things'][0]})"))
    assert thing["name"] == "Air sensor Markt"
    assert thing["description"] == "Air sensor Markt in the city"
    assert thing["properties"] == {"owner": "gemeente", "height": 3}
    location = ok(client.get(f"/v1.1/Things({seed['things'][0]})/Locations"))["value"][0]
    assert location["encodingType"] == "application/geo+json"
    assert location["location"] == {"type": "Point", "coordinates": [5.10, 52.09]}
    datastream = ok(client.get(f"/v1.1/Datastreams({seed['datastreams'][0]})"))
    assert datastream["unitOfMeasurement"]["symbol"] == "ug/m3"
    assert datastream["observationType"] == MEASUREMENT
    results = [
        o["result"]
        for o in ok(client.get(f"/v1.1/Datastreams({seed['datastreams'][2]})/Observations?$orderby=id"))["value"]
    ]
    assert results == [140, "closed"]
    assert isinstance(results[0], int)


# -- resource paths (§9.2) ---------------------------------------------------------------------


def test_navigation_to_one(client: TestClient, seed: dict[str, Any]) -> None:
    air, garage = seed["things"]
    ds1, _, ds3 = seed["datastreams"]
    thing = ok(client.get(f"/v1.1/Datastreams({ds1})/Thing"))
    assert thing["@iot.id"] == air
    assert thing["@iot.selfLink"] == f"{ROOT}/Things({air})"
    assert thing["name"] == "Air sensor Markt"
    assert ok(client.get(f"/v1.1/Datastreams({ds3})/Thing"))["@iot.id"] == garage
    sensor = ok(client.get(f"/v1.1/Datastreams({ds1})/Sensor"))
    assert sensor["name"] == "pm10 Markt sensor"
    observed = ok(client.get(f"/v1.1/Datastreams({ds1})/ObservedProperty"))
    assert observed["definition"] == "https://example.org/pm10"


def test_navigation_to_many(client: TestClient, seed: dict[str, Any]) -> None:
    air, garage = seed["things"]
    ds1, ds2, ds3 = seed["datastreams"]
    body = ok(client.get(f"/v1.1/Things({air})/Datastreams?$orderby=id"))
    assert ids(body) == [ds1, ds2]
    assert [d["name"] for d in body["value"]] == ["pm10 Markt", "temperature Markt"]
    for d in body["value"]:
        check_entity("Datastreams", d)
    assert ids(ok(client.get(f"/v1.1/Things({garage})/Datastreams"))) == [ds3]
    observations = ok(client.get(f"/v1.1/Datastreams({ds1})/Observations?$orderby=phenomenonTime"))
    assert [o["result"] for o in observations["value"]] == [12.5, 20, 31.25]
    assert ok(client.get(f"/v1.1/Things({garage})/MultiDatastreams")) == {"value": []}


def test_entity_in_navigation_collection(client: TestClient, seed: dict[str, Any]) -> None:
    air, garage = seed["things"]
    ds1, ds2, ds3 = seed["datastreams"]
    entity = ok(client.get(f"/v1.1/Things({air})/Datastreams({ds2})"))
    assert entity["@iot.id"] == ds2
    assert entity["@iot.selfLink"] == f"{ROOT}/Datastreams({ds2})"
    assert entity["name"] == "temperature Markt"
    # Datastream 3 exists but belongs to the other Thing.
    body = assert_problem(client.get(f"/v1.1/Things({air})/Datastreams({ds3})"), 404)
    assert str(ds3) in body["detail"]
    assert_problem(client.get(f"/v1.1/Things({garage})/Datastreams({ds1})"), 404)
    assert_problem(client.get(f"/v1.1/Things({air})/Datastreams(9999)"), 404)
    # ... and so are paths that continue from it.
    assert_problem(client.get(f"/v1.1/Things({air})/Datastreams({ds3})/Observations"), 404)
    assert_problem(client.get(f"/v1.1/Things({air})/Datastreams({ds3})/name"), 404)


def test_navigation_chains(client: TestClient, seed: dict[str, Any]) -> None:
    air, garage = seed["things"]
    ds1, _, ds3 = seed["datastreams"]
    locations = ok(client.get(f"/v1.1/Datastreams({ds1})/Thing/Locations"))
    assert [loc["name"] for loc in locations["value"]] == ["Air sensor Markt location"]
    check_entity("Locations", locations["value"][0])
    location_id = locations["value"][0]["@iot.id"]
    things = ok(client.get(f"/v1.1/Datastreams({ds1})/Thing/Locations({location_id})/Things"))
    assert ids(things) == [air]
    first_obs = ok(client.get(f"/v1.1/Datastreams({ds3})/Observations?$orderby=id&$top=1"))["value"][0]["@iot.id"]
    feature = ok(client.get(f"/v1.1/Observations({first_obs})/FeatureOfInterest"))
    assert feature["feature"] == {"type": "Point", "coordinates": [5.12, 52.10]}
    thing = ok(client.get(f"/v1.1/Observations({first_obs})/Datastream/Thing"))
    assert thing["@iot.id"] == garage
    history = ok(client.get(f"/v1.1/Things({garage})/HistoricalLocations"))
    assert len(history["value"]) == 1
    hl = history["value"][0]["@iot.id"]
    assert ok(client.get(f"/v1.1/HistoricalLocations({hl})/Thing/Datastreams/$ref")) == {
        "value": [{"@iot.selfLink": f"{ROOT}/Datastreams({ds3})"}]
    }
    assert ok(client.get(f"/v1.1/HistoricalLocations({hl})/Locations/$ref"))["value"] == [
        {
            "@iot.selfLink": f"{ROOT}/Locations({ok(client.get(f'/v1.1/Things({garage})/Locations'))['value'][0]['@iot.id']})"
        }
    ]


def test_property(client: TestClient, seed: dict[str, Any]) -> None:
    air = seed["things"][0]
    ds1 = seed["datastreams"][0]
    response = client.get(f"/v1.1/Things({air})/name")
    assert ok(response) == {"name": "Air sensor Markt"}
    assert ok(client.get(f"/v1.1/Things({air})/properties")) == {"properties": {"owner": "gemeente", "height": 3}}
    assert ok(client.get(f"/v1.1/Datastreams({ds1})/unitOfMeasurement"))["unitOfMeasurement"]["symbol"] == "ug/m3"
    assert ok(client.get(f"/v1.1/Datastreams({ds1})/Thing/description")) == {
        "description": "Air sensor Markt in the city"
    }
    assert ok(client.get(f"/v1.1/Datastreams({ds1})/phenomenonTime")) == {
        "phenomenonTime": "2024-03-01T10:00:00Z/2024-03-01T12:00:00Z"
    }
    assert ok(client.get(f"/v1.1/Things({air})/Locations?$top=1"))["value"]
    loc = ok(client.get(f"/v1.1/Things({air})/Locations"))["value"][0]["@iot.id"]
    assert ok(client.get(f"/v1.1/Things({air})/Locations({loc})/location")) == {
        "location": {"type": "Point", "coordinates": [5.10, 52.09]}
    }


def test_property_value(client: TestClient, seed: dict[str, Any]) -> None:
    air = seed["things"][0]
    ds1 = seed["datastreams"][0]
    response = client.get(f"/v1.1/Things({air})/name/$value")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "Air sensor Markt"
    response = client.get(f"/v1.1/Datastreams({ds1})/Thing/description/$value")
    assert response.text == "Air sensor Markt in the city"
    first_obs = ok(client.get(f"/v1.1/Datastreams({ds1})/Observations?$orderby=id&$top=1"))["value"][0]["@iot.id"]
    response = client.get(f"/v1.1/Observations({first_obs})/result/$value")
    assert response.status_code == 200
    assert response.text == "12.5"
    response = client.get(f"/v1.1/Observations({first_obs})/phenomenonTime/$value")
    assert response.text == "2024-03-01T10:00:00Z"


def test_value_of_a_null_property_is_204(client: TestClient, seed: dict[str, Any]) -> None:
    """OData 4.0 (Part 1 §11.2.3.1): a $value request for a null property is 204 No Content;
    the property itself is 200 with null (docs/sensorthings.md, "Choices where the spec leaves room")."""
    observation = ok(client.get(f"/v1.1/Datastreams({seed['datastreams'][0]})/Observations?$top=1"))["value"][0]
    assert observation.get("resultTime") is None  # the seed's Observations have no result time
    raw = client.get(f"/v1.1/Observations({observation['@iot.id']})/resultTime/$value")
    assert (raw.status_code, raw.content) == (204, b"")
    assert ok(client.get(f"/v1.1/Observations({observation['@iot.id']})/resultTime")) == {"resultTime": None}


def test_ref_on_collections_and_entities(client: TestClient, seed: dict[str, Any]) -> None:
    air, garage = seed["things"]
    ds1, ds2, _ = seed["datastreams"]
    assert ok(client.get("/v1.1/Things/$ref?$orderby=id")) == {
        "value": [{"@iot.selfLink": f"{ROOT}/Things({air})"}, {"@iot.selfLink": f"{ROOT}/Things({garage})"}]
    }
    assert ok(client.get(f"/v1.1/Things({air})/Datastreams/$ref?$orderby=id")) == {
        "value": [{"@iot.selfLink": f"{ROOT}/Datastreams({ds1})"}, {"@iot.selfLink": f"{ROOT}/Datastreams({ds2})"}]
    }
    assert ok(client.get(f"/v1.1/Things({air})/$ref")) == {"@iot.selfLink": f"{ROOT}/Things({air})"}
    assert ok(client.get(f"/v1.1/Datastreams({ds2})/Thing/$ref")) == {"@iot.selfLink": f"{ROOT}/Things({air})"}
    assert ok(client.get(f"/v1.1/Things({air})/Datastreams({ds2})/$ref")) == {
        "@iot.selfLink": f"{ROOT}/Datastreams({ds2})"
    }
    counted = ok(client.get("/v1.1/Observations/$ref?$count=true&$top=2"))
    assert counted["@iot.count"] == 7
    assert len(counted["value"]) == 2
    assert all(set(r) == {"@iot.selfLink"} for r in counted["value"])
    assert counted["@iot.nextLink"].startswith(f"{ROOT}/Observations/$ref?")
    assert_problem(client.get("/v1.1/Things(9999)/$ref"), 404)


def test_ids_may_be_quoted(client: TestClient, seed: dict[str, Any]) -> None:
    air = seed["things"][0]
    assert ok(client.get(f"/v1.1/Things('{air}')"))["@iot.id"] == air


@pytest.mark.parametrize(
    "path",
    [
        "Thingz",
        "things",
        "Things(9999)",
        "Things(9999)/Datastreams",
        "Things(9999)/name",
        "Things(1)/colour",
        "Things(1)/colour/$value",
        "Things(1)/Thing",
        "Datastreams(1)/Things",
        "Things(abc)",
        "Things(99999999999999999999999)",
        "Things(1)/Datastreams(18446744073709551615)",
        "Things(1.5)",
        "Things()",
        "Things(1",
        "Things(1)(2)",
        "Things(1)/Datastreams/name",
        "Things/Datastreams",
        "Things/name",
        "Datastreams(1)/Thing(1)",
        "Things(1)/name(1)",
        "Things(1)/name/description",
        "Things(1)/$value",
        "Things/$value",
        "Things(1)/name/$ref",
        "Things(1)/$ref/name",
        "Things(1)/name/$value/x",
        "$value",
        "$ref",
    ],
)
def test_paths_that_address_nothing_are_404(client: TestClient, seed: dict[str, Any], path: str) -> None:
    body = assert_problem(client.get(f"/v1.1/{path}"), 404)
    assert body["title"] == "Not Found"


def test_property_of_a_later_version_is_404_on_v10(client: TestClient, seed: dict[str, Any]) -> None:
    location = first_id(client, "Locations")
    assert client.patch(f"/v1.1/Locations({location})", json={"properties": {"paved": True}}).status_code == 200
    assert ok(client.get(f"/v1.1/Locations({location})/properties")) == {"properties": {"paved": True}}
    assert "properties" not in ok(client.get(f"/v1.0/Locations({location})"))
    assert_problem(client.get(f"/v1.0/Locations({location})/properties"), 404)


def test_unknown_path_outside_the_api_is_problem_json(client: TestClient) -> None:
    assert_problem(client.get("/v2.0/Things"), 404)


# -- time values (§8.2, RFC 3339) ---------------------------------------------------------------


def test_times_are_rfc3339_utc(client: TestClient, seed: dict[str, Any]) -> None:
    ds1 = seed["datastreams"][0]
    created = client.post(
        f"/v1.1/Datastreams({ds1})/Observations",
        json={
            "phenomenonTime": "2024-03-01T14:30:00+02:00",
            "resultTime": "2024-03-01T12:31:00.250Z",
            "validTime": "2024-03-01T00:00:00-01:00/2024-03-02T00:00:00-01:00",
            "result": 1,
        },
    )
    obs = created_id(created)
    body = ok(client.get(f"/v1.1/Observations({obs})"))
    assert body["phenomenonTime"] == "2024-03-01T12:30:00Z"
    assert body["resultTime"] == "2024-03-01T12:31:00.250Z"
    assert body["validTime"] == "2024-03-01T01:00:00Z/2024-03-02T01:00:00Z"
    assert created.json()["phenomenonTime"] == "2024-03-01T12:30:00Z"
    interval = created_id(
        client.post(
            f"/v1.1/Datastreams({ds1})/Observations",
            json={"phenomenonTime": "2024-03-02T10:00:00Z/2024-03-02T11:00:00Z", "result": 2},
        )
    )
    assert (
        ok(client.get(f"/v1.1/Observations({interval})"))["phenomenonTime"]
        == "2024-03-02T10:00:00Z/2024-03-02T11:00:00Z"
    )
    for hl in ok(client.get("/v1.1/HistoricalLocations"))["value"]:
        assert RFC3339_UTC.match(hl["time"]), hl["time"]
    for o in ok(client.get("/v1.1/Observations"))["value"]:
        for part in o["phenomenonTime"].split("/"):
            assert RFC3339_UTC.match(part), o["phenomenonTime"]


def test_observation_without_phenomenon_time_gets_server_time(client: TestClient, seed: dict[str, Any]) -> None:
    ds1 = seed["datastreams"][0]
    obs = created_id(client.post(f"/v1.1/Datastreams({ds1})/Observations", json={"result": 3}))
    value = ok(client.get(f"/v1.1/Observations({obs})"))["phenomenonTime"]
    assert RFC3339_UTC.match(value), value
    assert value >= "2024-01-01"


# -- Datastream properties computed from its observations (§8.2.4) -----------------------------


def test_datastream_extent_from_observations(client: TestClient, seed: dict[str, Any]) -> None:
    ds1, ds2, ds3 = seed["datastreams"]
    pm10 = ok(client.get(f"/v1.1/Datastreams({ds1})"))
    assert pm10["phenomenonTime"] == "2024-03-01T10:00:00Z/2024-03-01T12:00:00Z"
    assert pm10["resultTime"] is None  # no observation has a resultTime
    assert pm10["observedArea"] == {"type": "Point", "coordinates": [5.10, 52.09]}
    assert ok(client.get(f"/v1.1/Datastreams({ds2})"))["phenomenonTime"] == "2024-03-01T10:00:00Z/2024-03-01T11:00:00Z"
    assert ok(client.get(f"/v1.1/Datastreams({ds3})"))["phenomenonTime"] == "2024-03-01T10:00:00Z/2024-03-01T10:05:00Z"

    # A later observation with a resultTime at another feature widens all three.
    feature = created_id(
        client.post(
            "/v1.1/FeaturesOfInterest",
            json={
                "name": "Domplein",
                "description": "square",
                "encodingType": "application/geo+json",
                "feature": {"type": "Point", "coordinates": [5.13, 52.08]},
            },
        )
    )
    created_id(
        client.post(
            f"/v1.1/Datastreams({ds1})/Observations",
            json={
                "phenomenonTime": "2024-03-02T08:00:00Z/2024-03-02T09:00:00Z",
                "resultTime": "2024-03-02T09:01:00Z",
                "result": 9,
                "FeatureOfInterest": {"@iot.id": feature},
            },
        )
    )
    created_id(
        client.post(
            f"/v1.1/Datastreams({ds1})/Observations",
            json={"phenomenonTime": "2024-02-29T23:00:00Z", "resultTime": "2024-03-01T00:00:00Z", "result": 1},
        )
    )
    pm10 = ok(client.get(f"/v1.1/Datastreams({ds1})"))
    assert pm10["phenomenonTime"] == "2024-02-29T23:00:00Z/2024-03-02T09:00:00Z"
    assert pm10["resultTime"] == "2024-03-01T00:00:00Z/2024-03-02T09:01:00Z"
    area = pm10["observedArea"]
    assert area["type"] == "Polygon"
    xs = [p[0] for p in area["coordinates"][0]]
    ys = [p[1] for p in area["coordinates"][0]]
    assert (min(xs), min(ys), max(xs), max(ys)) == (5.10, 52.08, 5.13, 52.09)
    assert area["coordinates"][0][0] == area["coordinates"][0][-1]
    # The other streams are untouched.
    assert ok(client.get(f"/v1.1/Datastreams({ds2})"))["phenomenonTime"] == "2024-03-01T10:00:00Z/2024-03-01T11:00:00Z"


def test_datastream_without_observations_has_null_extent(client: TestClient, seed: dict[str, Any]) -> None:
    air = seed["things"][0]
    sensor = first_id(client, "Sensors")
    observed = first_id(client, "ObservedProperties")
    stream = created_id(
        client.post(
            f"/v1.1/Things({air})/Datastreams",
            json={
                "name": "empty",
                "description": "nothing yet",
                "unitOfMeasurement": {"name": "n", "symbol": "n", "definition": "n"},
                "observationType": MEASUREMENT,
                "Sensor": {"@iot.id": sensor},
                "ObservedProperty": {"@iot.id": observed},
            },
        )
    )
    body = ok(client.get(f"/v1.1/Datastreams({stream})"))
    assert (body.get("phenomenonTime"), body.get("resultTime"), body.get("observedArea")) == (None, None, None)


def test_multi_datastream_extent(client: TestClient, city: dict[str, Any]) -> None:
    body = ok(client.get(f"/v1.1/MultiDatastreams({city['multi']})"))
    assert body["phenomenonTime"] == "2024-03-01T10:00:00Z/2024-03-01T10:00:00Z"
    assert body["observedArea"] == {"type": "Point", "coordinates": [5.10, 52.09]}
    assert ok(client.get(f"/v1.1/MultiDatastreams({city['multi']})/ObservedProperties/$ref"))["value"] == [
        {"@iot.selfLink": f"{ROOT}/ObservedProperties({i})"} for i in city["observed_properties"]
    ]


# -- external base URL --------------------------------------------------------------------------

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "data.example.nl", "X-Forwarded-Prefix": "/stadsdata"}
EXTERNAL = "https://data.example.nl/stadsdata/v1.1"


@pytest.fixture
def proxied(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    """An app that trusts X-Forwarded-* from any peer (the TestClient's peer is 'testclient')."""
    with app_client(store, tmp_path, forwarded_allow_ips="*") as test_client:
        yield test_client


def test_base_url_from_forwarded_headers(proxied: TestClient) -> None:
    body = ok(proxied.get("/v1.1", headers=FORWARDED))
    assert {e["name"]: e["url"] for e in body["value"]}["Things"] == f"{EXTERNAL}/Things"
    response = proxied.post("/v1.1/Things", json={"name": "t", "description": "d"}, headers=FORWARDED)
    assert response.status_code == 201
    assert response.headers["location"] == f"{EXTERNAL}/Things(1)"
    assert response.json()["@iot.selfLink"] == f"{EXTERNAL}/Things(1)"
    proxied.post("/v1.1/Things", json={"name": "u", "description": "d"})
    thing = ok(proxied.get("/v1.1/Things(1)", headers=FORWARDED))
    assert thing["Datastreams@iot.navigationLink"] == f"{EXTERNAL}/Things(1)/Datastreams"
    page = ok(proxied.get("/v1.1/Things?$top=1", headers=FORWARDED))
    assert page["@iot.nextLink"].startswith(f"{EXTERNAL}/Things?")
    assert ok(proxied.get("/v1.1/Things/$ref?$orderby=id", headers=FORWARDED))["value"][0] == {
        "@iot.selfLink": f"{EXTERNAL}/Things(1)"
    }
    # Without the headers, the Host header decides.
    assert ok(proxied.get("/v1.1/Things(1)"))["@iot.selfLink"] == f"{ROOT}/Things(1)"


def test_forwarded_headers_take_the_first_value(proxied: TestClient) -> None:
    headers = {
        "X-Forwarded-Proto": "https, http",
        "X-Forwarded-Host": "a.example.nl, proxy.local",
        "X-Forwarded-Prefix": "/api/",
    }
    body = ok(proxied.get("/v1.0", headers=headers))
    assert body["value"][0]["url"] == "https://a.example.nl/api/v1.0/Things"


def test_forwarded_headers_of_untrusted_peers_are_ignored(client: TestClient) -> None:
    body = ok(client.get("/v1.1", headers=FORWARDED))
    assert body["value"][0]["url"] == f"{ROOT}/Things"
    response = client.post("/v1.1/Things", json={"name": "t", "description": "d"}, headers=FORWARDED)
    assert response.headers["location"] == f"{ROOT}/Things(1)"


def test_configured_public_base_url_wins(store: Store, tmp_path: Path) -> None:
    with app_client(store, tmp_path, public_base_url="https://city.example.org/sta/", forwarded_allow_ips="*") as c:
        body = ok(c.get("/v1.1", headers=FORWARDED))
        assert body["value"][0]["url"] == "https://city.example.org/sta/v1.1/Things"
        response = c.post("/v1.1/Things", json={"name": "t", "description": "d"})
        assert response.headers["location"] == "https://city.example.org/sta/v1.1/Things(1)"
        assert ok(c.get("/v1.1/Things(1)"))["@iot.selfLink"] == "https://city.example.org/sta/v1.1/Things(1)"
