"""Conformance class 3, Create-Update-Delete (OGC 18-088 §10).

Create (§10.2): each entity type on its own with links to existing entities, deep insert and
its atomicity, POST to navigation collections, the generated FeatureOfInterest and the
automatic HistoricalLocation. Update (§10.3): PATCH, PUT and JSON Patch. Delete (§10.4) with
the integrity rules. `$ref` writes (OData). Error cases as problem+json naming the field.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.sta.conftest import (
    CELSIUS,
    COMPLEX,
    MEASUREMENT,
    assert_error_members,
    created_id,
    stream_body,
    thing_body,
)

pytestmark = pytest.mark.conformance("create-update-delete")

ROOT = "http://testserver/v1.1"
PROBLEM = "application/problem+json"
SETS = [
    "Things",
    "Locations",
    "HistoricalLocations",
    "Datastreams",
    "MultiDatastreams",
    "Sensors",
    "ObservedProperties",
    "Observations",
    "FeaturesOfInterest",
]
POINT = {"type": "Point", "coordinates": [4.89, 52.37]}


# -- helpers ------------------------------------------------------------------------------------


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def get(client: TestClient, path: str) -> Any:
    return ok(client.get(f"/v1.1/{path}"))


def ids(client: TestClient, path: str) -> list[int]:
    sep = "&" if "?" in path else "?"
    return [e["@iot.id"] for e in get(client, f"{path}{sep}$select=id&$orderby=id&$top=1000")["value"]]


def count(client: TestClient, set_name: str) -> int:
    return int(get(client, f"{set_name}?$count=true&$top=1&$select=id")["@iot.count"])


def counts(client: TestClient) -> dict[str, int]:
    return {name: count(client, name) for name in SETS}


def exists(client: TestClient, path: str) -> bool:
    status = client.get(f"/v1.1/{path}").status_code
    assert status in (200, 404)
    return status == 200


def problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert_error_members(body, status)
    if field is not None:
        assert body.get("field") == field, body
    return body


def post(client: TestClient, path: str, body: Any) -> int:
    return created_id(client.post(f"/v1.1/{path}", json=body))


def sensor_body(name: str = "thermometer") -> dict[str, Any]:
    return {
        "name": name,
        "description": "a sensor",
        "encodingType": "application/pdf",
        "metadata": "https://example.org/s.pdf",
    }


def observed_property_body(name: str = "temperature") -> dict[str, Any]:
    return {"name": name, "definition": f"https://example.org/{name}", "description": f"the {name}"}


def location_body(name: str = "Dam", point: dict[str, Any] = POINT) -> dict[str, Any]:
    return {"name": name, "description": "a place", "encodingType": "application/geo+json", "location": point}


def feature_body(name: str = "Dam square", point: dict[str, Any] = POINT) -> dict[str, Any]:
    return {"name": name, "description": "a feature", "encodingType": "application/geo+json", "feature": point}


def datastream_body(name: str = "temp", **links: Any) -> dict[str, Any]:
    return {
        "name": name,
        "description": f"{name} stream",
        "unitOfMeasurement": CELSIUS,
        "observationType": MEASUREMENT,
        **links,
    }


def multi_body(**links: Any) -> dict[str, Any]:
    return {
        "name": "wind",
        "description": "wind speed and direction",
        "observationType": COMPLEX,
        "unitOfMeasurements": [
            {"name": "metre per second", "symbol": "m/s", "definition": "http://unitsofmeasure.org/ucum.html"},
            {"name": "degree", "symbol": "deg", "definition": "http://unitsofmeasure.org/ucum.html"},
        ],
        "multiObservationDataTypes": [MEASUREMENT, MEASUREMENT],
        **links,
    }


def link(id_: int | str) -> dict[str, int | str]:
    return {"@iot.id": id_}


@pytest.fixture
def parts(client: TestClient) -> dict[str, int]:
    """A Thing with a Location, a Sensor, two ObservedProperties and a FeatureOfInterest, each
    created on its own."""
    thing = post(client, "Things", {"name": "station", "description": "weather station"})
    location = post(client, "Locations", {**location_body(), "Things": [link(thing)]})
    return {
        "thing": thing,
        "location": location,
        "sensor": post(client, "Sensors", sensor_body()),
        "op": post(client, "ObservedProperties", observed_property_body()),
        "op2": post(client, "ObservedProperties", observed_property_body("wind")),
        "feature": post(client, "FeaturesOfInterest", feature_body()),
    }


@pytest.fixture
def stream(client: TestClient, parts: dict[str, int]) -> dict[str, int]:
    """`parts` plus a Datastream and a MultiDatastream on its Thing."""
    datastream = post(
        client,
        "Datastreams",
        datastream_body(Thing=link(parts["thing"]), Sensor=link(parts["sensor"]), ObservedProperty=link(parts["op"])),
    )
    multi = post(
        client,
        "MultiDatastreams",
        multi_body(
            Thing=link(parts["thing"]),
            Sensor=link(parts["sensor"]),
            ObservedProperties=[link(parts["op"]), link(parts["op2"])],
        ),
    )
    return {**parts, "datastream": datastream, "multi": multi}


# -- create each entity type (§10.2) ------------------------------------------------------------

ALONE = {
    "Things": {"name": "bench", "description": "a smart bench", "properties": {"seats": 3, "tags": ["wood"]}},
    "Locations": {**location_body(), "properties": {"paved": True}},
    "Sensors": {**sensor_body(), "properties": {"serial": "A-1"}},
    "ObservedProperties": {**observed_property_body(), "properties": {"domain": "air"}},
    "FeaturesOfInterest": {**feature_body(), "properties": {"district": "Centrum"}},
}


@pytest.mark.parametrize("set_name", list(ALONE))
def test_create_entity_alone(client: TestClient, set_name: str) -> None:
    body = ALONE[set_name]
    response = client.post(f"/v1.1/{set_name}", json=body)
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("application/json")
    created = response.json()
    new_id = created["@iot.id"]
    assert response.headers["location"] == f"{ROOT}/{set_name}({new_id})"
    assert created["@iot.selfLink"] == response.headers["location"]
    for key, value in body.items():
        assert created[key] == value
    assert get(client, f"{set_name}({new_id})") == created
    assert count(client, set_name) == 1
    # Nothing else appears: no HistoricalLocation for a Location without Things.
    assert sum(counts(client).values()) == 1


def test_create_location_linked_to_thing_moves_it(client: TestClient) -> None:
    thing = post(client, "Things", {"name": "t", "description": "d"})
    assert count(client, "HistoricalLocations") == 0
    location = post(client, "Locations", {**location_body(), "Things": [link(thing)]})
    assert ids(client, f"Things({thing})/Locations") == [location]
    assert ids(client, f"Locations({location})/Things") == [thing]
    history = get(client, f"Things({thing})/HistoricalLocations")["value"]
    assert len(history) == 1
    assert ids(client, f"HistoricalLocations({history[0]['@iot.id']})/Locations") == [location]


def test_create_datastream_with_links(client: TestClient, parts: dict[str, int]) -> None:
    before = counts(client)
    body = datastream_body(
        properties={"interval": "PT1M"},
        Thing=link(parts["thing"]),
        Sensor=link(parts["sensor"]),
        ObservedProperty=link(parts["op"]),
    )
    response = client.post("/v1.1/Datastreams", json=body)
    datastream = created_id(response)
    created = response.json()
    assert created["unitOfMeasurement"] == CELSIUS
    assert created["properties"] == {"interval": "PT1M"}
    assert created.get("phenomenonTime") is None
    assert get(client, f"Datastreams({datastream})/Thing")["@iot.id"] == parts["thing"]
    assert get(client, f"Datastreams({datastream})/Sensor")["@iot.id"] == parts["sensor"]
    assert get(client, f"Datastreams({datastream})/ObservedProperty")["@iot.id"] == parts["op"]
    assert counts(client) == {**before, "Datastreams": before["Datastreams"] + 1}


def test_nested_object_with_iot_id_is_a_link(client: TestClient, parts: dict[str, int]) -> None:
    """§10.2.1.1: an entity with @iot.id links to the existing one even when it carries other
    properties; those are ignored, not applied and not used to create a new entity."""
    before = counts(client)
    datastream = post(
        client,
        "Datastreams",
        datastream_body(
            Thing={"@iot.id": parts["thing"], "name": "renamed?", "description": "no"},
            Sensor={**sensor_body("another sensor"), "@iot.id": parts["sensor"]},
            ObservedProperty={"@iot.id": str(parts["op"])},
        ),
    )
    assert get(client, f"Datastreams({datastream})/Sensor")["@iot.id"] == parts["sensor"]
    assert get(client, f"Sensors({parts['sensor']})")["name"] == "thermometer"
    assert get(client, f"Things({parts['thing']})")["name"] == "station"
    assert get(client, f"Datastreams({datastream})/ObservedProperty")["@iot.id"] == parts["op"]
    assert counts(client) == {**before, "Datastreams": before["Datastreams"] + 1}


def test_create_observation_with_links(client: TestClient, stream: dict[str, int]) -> None:
    body = {
        "phenomenonTime": "2024-05-01T12:00:00Z",
        "resultTime": "2024-05-01T12:00:05Z",
        "result": 21.5,
        "resultQuality": {"flag": "ok"},
        "validTime": "2024-05-01T12:00:00Z/2024-05-01T13:00:00Z",
        "parameters": {"height": 2},
        "Datastream": link(stream["datastream"]),
        "FeatureOfInterest": link(stream["feature"]),
    }
    response = client.post("/v1.1/Observations", json=body)
    obs = created_id(response)
    created = response.json()
    for key in ("phenomenonTime", "resultTime", "result", "resultQuality", "validTime", "parameters"):
        assert created[key] == body[key]
    assert get(client, f"Observations({obs})/Datastream")["@iot.id"] == stream["datastream"]
    assert get(client, f"Observations({obs})/FeatureOfInterest")["@iot.id"] == stream["feature"]
    assert ids(client, f"Datastreams({stream['datastream']})/Observations") == [obs]
    assert count(client, "FeaturesOfInterest") == 1


def test_create_historical_location_with_links(client: TestClient, parts: dict[str, int]) -> None:
    before = count(client, "HistoricalLocations")
    hl = post(
        client,
        "HistoricalLocations",
        {"time": "2023-01-01T00:00:00Z", "Thing": link(parts["thing"]), "Locations": [link(parts["location"])]},
    )
    assert get(client, f"HistoricalLocations({hl})")["time"] == "2023-01-01T00:00:00Z"
    assert get(client, f"HistoricalLocations({hl})/Thing")["@iot.id"] == parts["thing"]
    assert ids(client, f"HistoricalLocations({hl})/Locations") == [parts["location"]]
    assert count(client, "HistoricalLocations") == before + 1
    problem(client.post("/v1.1/HistoricalLocations", json={"time": "2023-01-01T00:00:00Z"}), 400, "Thing")


def test_create_multi_datastream_and_its_observations(client: TestClient, parts: dict[str, int]) -> None:
    multi = post(
        client,
        "MultiDatastreams",
        multi_body(
            Thing=link(parts["thing"]),
            Sensor=link(parts["sensor"]),
            ObservedProperties=[link(parts["op"]), link(parts["op2"])],
        ),
    )
    assert ids(client, f"MultiDatastreams({multi})/ObservedProperties") == [parts["op"], parts["op2"]]
    assert ids(client, f"Things({parts['thing']})/MultiDatastreams") == [multi]
    obs = post(
        client,
        f"MultiDatastreams({multi})/Observations",
        {"phenomenonTime": "2024-05-01T12:00:00Z", "result": [3.5, 270]},
    )
    assert get(client, f"Observations({obs})")["result"] == [3.5, 270]
    assert get(client, f"Observations({obs})/MultiDatastream")["@iot.id"] == multi
    obs2 = post(client, "Observations", {"result": [1, 90], "MultiDatastream": link(multi)})
    assert ids(client, f"MultiDatastreams({multi})/Observations") == [obs, obs2]


def test_multi_datastream_lengths_must_agree(client: TestClient, parts: dict[str, int]) -> None:
    links = {"Thing": link(parts["thing"]), "Sensor": link(parts["sensor"])}
    body = multi_body(**links, ObservedProperties=[link(parts["op"])])
    problem(client.post("/v1.1/MultiDatastreams", json=body), 400, "ObservedProperties")
    body = {
        **multi_body(**links, ObservedProperties=[link(parts["op"]), link(parts["op2"])]),
        "multiObservationDataTypes": [MEASUREMENT],
    }
    problem(client.post("/v1.1/MultiDatastreams", json=body), 400, "unitOfMeasurements")
    body = {
        **multi_body(**links, ObservedProperties=[link(parts["op"]), link(parts["op2"])]),
        "observationType": MEASUREMENT,
    }
    problem(client.post("/v1.1/MultiDatastreams", json=body), 400, "observationType")
    assert count(client, "MultiDatastreams") == 0


# -- deep insert (§10.2.1.2) --------------------------------------------------------------------


def deep_thing() -> dict[str, Any]:
    return thing_body(
        "Weather station Dam",
        4.89,
        52.37,
        [
            stream_body(
                "temperature Dam",
                "temperature",
                CELSIUS,
                [("2024-05-01T10:00:00Z", 14.5), ("2024-05-01T11:00:00Z", 15)],
            ),
            stream_body(
                "humidity Dam",
                "humidity",
                {"name": "percent", "symbol": "%", "definition": "ucum"},
                [("2024-05-01T10:00:00Z", 80)],
            ),
        ],
    )


def test_deep_insert_thing(client: TestClient) -> None:
    response = client.post("/v1.1/Things", json=deep_thing())
    thing = created_id(response)
    assert response.json()["name"] == "Weather station Dam"
    assert counts(client) == {
        "Things": 1,
        "Locations": 1,
        "HistoricalLocations": 1,
        "Datastreams": 2,
        "MultiDatastreams": 0,
        "Sensors": 2,
        "ObservedProperties": 2,
        "Observations": 3,
        "FeaturesOfInterest": 1,
    }
    streams = get(client, f"Things({thing})/Datastreams?$orderby=id")["value"]
    assert [s["name"] for s in streams] == ["temperature Dam", "humidity Dam"]
    temperature = streams[0]["@iot.id"]
    assert get(client, f"Datastreams({temperature})/Sensor")["name"] == "temperature Dam sensor"
    assert get(client, f"Datastreams({temperature})/ObservedProperty")["name"] == "temperature"
    results = [
        o["result"] for o in get(client, f"Datastreams({temperature})/Observations?$orderby=phenomenonTime")["value"]
    ]
    assert results == [14.5, 15]
    assert get(client, f"Datastreams({temperature})")["phenomenonTime"] == "2024-05-01T10:00:00Z/2024-05-01T11:00:00Z"
    location = get(client, f"Things({thing})/Locations")["value"][0]
    assert location["location"] == {"type": "Point", "coordinates": [4.89, 52.37]}
    # The HistoricalLocation records the Thing at its first Location.
    history = get(client, f"Things({thing})/HistoricalLocations")["value"]
    assert ids(client, f"HistoricalLocations({history[0]['@iot.id']})/Locations") == [location["@iot.id"]]
    # One FeatureOfInterest, generated from the Location, shared by all three Observations.
    feature = get(client, "FeaturesOfInterest")["value"][0]
    assert feature["feature"] == location["location"]
    assert len(ids(client, f"FeaturesOfInterest({feature['@iot.id']})/Observations")) == 3


def test_deep_insert_datastream_with_new_and_linked_parts(client: TestClient, parts: dict[str, int]) -> None:
    before = counts(client)
    body = datastream_body(
        Thing=link(parts["thing"]),
        Sensor=sensor_body("new sensor"),
        ObservedProperty=link(parts["op"]),
        Observations=[
            {
                "phenomenonTime": "2024-05-01T10:00:00Z",
                "result": 1,
                "FeatureOfInterest": feature_body("nested feature"),
            },
            {"phenomenonTime": "2024-05-01T11:00:00Z", "result": 2, "FeatureOfInterest": link(parts["feature"])},
        ],
    )
    datastream = post(client, "Datastreams", body)
    assert get(client, f"Datastreams({datastream})/Sensor")["name"] == "new sensor"
    features = [
        get(client, f"Observations({o})/FeatureOfInterest")["name"]
        for o in ids(client, f"Datastreams({datastream})/Observations")
    ]
    assert features == ["nested feature", "Dam square"]
    assert counts(client) == {
        **before,
        "Datastreams": before["Datastreams"] + 1,
        "Sensors": before["Sensors"] + 1,
        "Observations": 2,
        "FeaturesOfInterest": before["FeaturesOfInterest"] + 1,
    }


def _break(body: dict[str, Any], where: str) -> dict[str, Any]:
    streams = body["Datastreams"]
    if where == "sensor":
        del streams[0]["Sensor"]["metadata"]
    elif where == "observation":
        streams[1]["Observations"][0]["phenomenonTime"] = "yesterday"
    elif where == "location":
        body["Locations"][0]["location"] = {"type": "Point", "coordinates": ["x", 1]}
    elif where == "link":
        streams[1]["ObservedProperty"] = {"@iot.id": 4242}
    elif where == "unknown":
        streams[1]["Observations"][0]["colour"] = "red"
    elif where == "no-sensor":
        del streams[1]["Sensor"]
    elif where == "no-location":
        del body["Locations"]  # nothing to generate the FeatureOfInterest from
    return body


@pytest.mark.parametrize(
    ("where", "field"),
    [
        ("sensor", "Datastreams[0]/Sensor/metadata"),
        ("observation", "Datastreams[1]/Observations[0]/phenomenonTime"),
        ("location", "Locations[0]/location"),
        ("link", "Datastreams[1]/ObservedProperty"),
        ("unknown", "Datastreams[1]/Observations[0]/colour"),
        ("no-sensor", "Datastreams[1]/Sensor"),
        ("no-location", "Datastreams[0]/Observations[0]/FeatureOfInterest"),
    ],
)
def test_deep_insert_is_atomic(client: TestClient, where: str, field: str) -> None:
    """§10.2.1.2: if any part of a deep insert fails, nothing of it is created."""
    post(client, "Things", {"name": "bystander", "description": "exists before"})
    before = counts(client)
    problem(client.post("/v1.1/Things", json=_break(deep_thing(), where)), 400, field)
    assert counts(client) == before
    # The same body without the fault goes through afterwards (nothing half-written in the way).
    post(client, "Things", deep_thing())
    assert count(client, "Datastreams") == before["Datastreams"] + 2


# -- POST to a navigation collection ------------------------------------------------------------


def test_post_to_things_datastreams(client: TestClient, parts: dict[str, int]) -> None:
    response = client.post(
        f"/v1.1/Things({parts['thing']})/Datastreams",
        json=datastream_body(Sensor=link(parts["sensor"]), ObservedProperty=link(parts["op"])),
    )
    datastream = created_id(response)
    assert response.headers["location"] == f"{ROOT}/Datastreams({datastream})"
    assert get(client, f"Datastreams({datastream})/Thing")["@iot.id"] == parts["thing"]
    assert ids(client, f"Things({parts['thing']})/Datastreams") == [datastream]
    # The Thing comes from the URL; naming another one in the body is a conflict.
    other = post(client, "Things", {"name": "other", "description": "d"})
    body = datastream_body(Thing=link(other), Sensor=link(parts["sensor"]), ObservedProperty=link(parts["op"]))
    problem(client.post(f"/v1.1/Things({parts['thing']})/Datastreams", json=body), 400, "Thing")
    problem(client.post("/v1.1/Things(9999)/Datastreams", json=datastream_body(Sensor=link(parts["sensor"]))), 404)
    assert count(client, "Datastreams") == 1


def test_post_to_sensor_datastreams(client: TestClient, parts: dict[str, int]) -> None:
    datastream = post(
        client,
        f"Sensors({parts['sensor']})/Datastreams",
        datastream_body(Thing=link(parts["thing"]), ObservedProperty=link(parts["op"])),
    )
    assert get(client, f"Datastreams({datastream})/Sensor")["@iot.id"] == parts["sensor"]


def test_post_to_datastream_observations(client: TestClient, stream: dict[str, int]) -> None:
    datastream = stream["datastream"]
    obs = post(
        client, f"Datastreams({datastream})/Observations", {"phenomenonTime": "2024-05-01T10:00:00Z", "result": 12}
    )
    assert get(client, f"Observations({obs})/Datastream")["@iot.id"] == datastream
    assert get(client, f"Observations({obs})")["result"] == 12
    assert get(client, f"Datastreams({datastream})")["phenomenonTime"] == "2024-05-01T10:00:00Z/2024-05-01T10:00:00Z"
    obs2 = post(
        client, f"FeaturesOfInterest({stream['feature']})/Observations", {"result": 13, "Datastream": link(datastream)}
    )
    assert get(client, f"Observations({obs2})/FeatureOfInterest")["@iot.id"] == stream["feature"]
    problem(client.post("/v1.1/Datastreams(9999)/Observations", json={"result": 1}), 404)


def test_post_to_thing_locations_replaces_location(client: TestClient, parts: dict[str, int]) -> None:
    thing, old = parts["thing"], parts["location"]
    assert len(ids(client, f"Things({thing})/HistoricalLocations")) == 1
    new = post(
        client, f"Things({thing})/Locations", location_body("Rokin", {"type": "Point", "coordinates": [4.892, 52.368]})
    )
    assert ids(client, f"Things({thing})/Locations") == [new]
    assert exists(client, f"Locations({old})")  # the old Location stays, no longer current
    assert ids(client, f"Locations({old})/Things") == []
    history = get(client, f"Things({thing})/HistoricalLocations?$orderby=id")["value"]
    assert len(history) == 2
    assert ids(client, f"HistoricalLocations({history[0]['@iot.id']})/Locations") == [old]
    assert ids(client, f"HistoricalLocations({history[1]['@iot.id']})/Locations") == [new]
    assert history[1]["time"] >= history[0]["time"]


def test_post_to_location_things_puts_the_new_thing_there(client: TestClient, parts: dict[str, int]) -> None:
    location = parts["location"]
    thing = post(client, f"Locations({location})/Things", {"name": "kiosk", "description": "d"})
    assert ids(client, f"Things({thing})/Locations") == [location]
    assert ids(client, f"Locations({location})/Things") == [parts["thing"], thing]
    history = get(client, f"Things({thing})/HistoricalLocations")["value"]
    assert len(history) == 1
    assert ids(client, f"HistoricalLocations({history[0]['@iot.id']})/Locations") == [location]


def test_post_to_thing_historical_locations(client: TestClient, parts: dict[str, int]) -> None:
    hl = post(
        client,
        f"Things({parts['thing']})/HistoricalLocations",
        {"time": "2020-06-01T00:00:00+02:00", "Locations": [link(parts["location"])]},
    )
    assert get(client, f"HistoricalLocations({hl})")["time"] == "2020-05-31T22:00:00Z"
    assert get(client, f"HistoricalLocations({hl})/Thing")["@iot.id"] == parts["thing"]


def test_post_to_a_single_valued_path_is_405(client: TestClient, stream: dict[str, int]) -> None:
    problem(client.post(f"/v1.1/Datastreams({stream['datastream']})/Sensor", json=sensor_body()), 405)
    problem(client.post(f"/v1.1/Things({stream['thing']})/Locations({stream['location']})", json=location_body()), 405)
    assert count(client, "Sensors") == 1
    assert count(client, "Locations") == 1


@pytest.mark.parametrize(
    "content_type", [None, "application/json", "application/json; charset=utf-8", "APPLICATION/JSON"]
)
def test_json_content_types_are_accepted(client: TestClient, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post(
        "/v1.1/Things", content=json.dumps({"name": "n", "description": "d"}).encode(), headers=headers
    )
    assert response.status_code == 201, response.text
    assert get(client, f"Things({response.json()['@iot.id']})")["name"] == "n"


# -- FeatureOfInterest from the Location (§10.2.1.1) --------------------------------------------


def test_feature_of_interest_generated_from_location_and_reused(client: TestClient, stream: dict[str, int]) -> None:
    datastream, multi = stream["datastream"], stream["multi"]
    before = count(client, "FeaturesOfInterest")
    first = post(client, f"Datastreams({datastream})/Observations", {"result": 1})
    feature = get(client, f"Observations({first})/FeatureOfInterest")
    location = get(client, f"Locations({stream['location']})")
    assert feature["feature"] == location["location"]
    assert feature["name"] == location["name"]
    assert feature["encodingType"] == location["encodingType"]
    assert count(client, "FeaturesOfInterest") == before + 1
    # The next observation (another request), and one of another stream of the same Thing,
    # reuse it.
    second = post(client, f"Datastreams({datastream})/Observations", {"result": 2})
    third = post(client, f"MultiDatastreams({multi})/Observations", {"result": [1, 2]})
    for obs in (second, third):
        assert get(client, f"Observations({obs})/FeatureOfInterest")["@iot.id"] == feature["@iot.id"]
    assert count(client, "FeaturesOfInterest") == before + 1


def test_feature_of_interest_follows_a_moved_thing(client: TestClient, stream: dict[str, int]) -> None:
    datastream = stream["datastream"]
    first = post(client, f"Datastreams({datastream})/Observations", {"result": 1})
    moved_to = {"type": "Point", "coordinates": [5.0, 52.0]}
    post(client, f"Things({stream['thing']})/Locations", location_body("new place", moved_to))
    second = post(client, f"Datastreams({datastream})/Observations", {"result": 2})
    assert get(client, f"Observations({second})/FeatureOfInterest")["feature"] == moved_to
    assert get(client, f"Observations({first})/FeatureOfInterest")["feature"] == POINT


def test_observation_without_feature_needs_a_location(client: TestClient, parts: dict[str, int]) -> None:
    homeless = post(client, "Things", {"name": "homeless", "description": "no location"})
    datastream = post(
        client,
        "Datastreams",
        datastream_body(Thing=link(homeless), Sensor=link(parts["sensor"]), ObservedProperty=link(parts["op"])),
    )
    before = counts(client)
    problem(client.post(f"/v1.1/Datastreams({datastream})/Observations", json={"result": 1}), 400, "FeatureOfInterest")
    assert counts(client) == before


# -- HistoricalLocation on a change of Location (§10.2.1.3) -------------------------------------


def test_patch_thing_locations_records_history(client: TestClient, parts: dict[str, int]) -> None:
    thing, old = parts["thing"], parts["location"]
    other = post(client, "Locations", location_body("Spui"))
    assert count(client, "HistoricalLocations") == 1
    updated = ok(client.patch(f"/v1.1/Things({thing})", json={"Locations": [link(other)]}))
    assert updated["name"] == "station"
    assert ids(client, f"Things({thing})/Locations") == [other]
    history = get(client, f"Things({thing})/HistoricalLocations?$orderby=id")["value"]
    assert len(history) == 2
    assert ids(client, f"HistoricalLocations({history[-1]['@iot.id']})/Locations") == [other]
    assert ids(client, f"Locations({old})/HistoricalLocations") == [history[0]["@iot.id"]]
    # A PATCH that leaves the Locations alone records nothing.
    ok(client.patch(f"/v1.1/Things({thing})", json={"description": "moved"}))
    assert count(client, "HistoricalLocations") == 2


def test_an_update_with_new_related_entities_is_refused(client: TestClient, stream: dict[str, int]) -> None:
    """An update links to existing entities but creates none (OData 4.0 §11.4.3: no deep
    update): a related entity without @iot.id is a 400 naming it, and nothing changes."""
    thing_url, stream_url = f"/v1.1/Things({stream['thing']})", f"/v1.1/Datastreams({stream['datastream']})"
    before = counts(client), client.get(thing_url).json(), client.get(stream_url).json()
    existing = link(stream["location"])
    refusals = {
        "Locations[0]": client.patch(thing_url, json={"name": "renamed", "Locations": [location_body("Nieuwmarkt")]}),
        "Locations[1]": client.patch(thing_url, json={"Locations": [existing, location_body()]}),
        "Datastreams[0]": client.patch(thing_url, json={"Datastreams": [datastream_body()]}),
        "Sensor": client.patch(stream_url, json={"Sensor": sensor_body("new")}),
        "ObservedProperty": client.put(stream_url, json={**datastream_body(), "ObservedProperty": observed_property_body()}),
        "HistoricalLocations[0]": json_patch(
            client, f"Things({stream['thing']})", [{"op": "add", "path": "/HistoricalLocations", "value": [{"time": "2024-01-01T00:00:00Z"}]}]
        ),
    }
    for field, response in refusals.items():
        assert "creates none" in problem(response, 400, field)["detail"]
    problem(client.patch(thing_url, json={"Locations": location_body()}), 400, "Locations")  # not even an array
    assert (counts(client), client.get(thing_url).json(), client.get(stream_url).json()) == before


def test_an_update_links_to_existing_entities(client: TestClient, stream: dict[str, int]) -> None:
    thing, datastream = stream["thing"], stream["datastream"]
    other = post(client, "Locations", location_body("Nieuwmarkt"))
    sensor = post(client, "Sensors", sensor_body("second"))
    ok(client.patch(f"/v1.1/Things({thing})", json={"Locations": [{"@iot.id": other, "name": "ignored"}]}))
    assert ids(client, f"Things({thing})/Locations") == [other]
    assert get(client, f"Locations({other})")["name"] == "Nieuwmarkt"
    ok(client.patch(f"/v1.1/Datastreams({datastream})", json={"Sensor": link(sensor)}))
    assert get(client, f"Datastreams({datastream})/Sensor")["@iot.id"] == sensor
    assert count(client, "HistoricalLocations") == 2


def test_post_location_with_existing_thing_records_history(client: TestClient, parts: dict[str, int]) -> None:
    thing = parts["thing"]
    second = post(client, "Things", {"name": "second", "description": "d", "Locations": [link(parts["location"])]})
    assert count(client, "HistoricalLocations") == 2
    new = post(client, "Locations", {**location_body("Leidseplein"), "Things": [link(thing), link(second)]})
    for t in (thing, second):
        assert ids(client, f"Things({t})/Locations") == [new]
        latest = get(client, f"Things({t})/HistoricalLocations?$orderby=id desc&$top=1")["value"][0]
        assert ids(client, f"HistoricalLocations({latest['@iot.id']})/Locations") == [new]
    assert count(client, "HistoricalLocations") == 4


# -- update (§10.3) -----------------------------------------------------------------------------


def test_patch_merges(client: TestClient, parts: dict[str, int]) -> None:
    thing = post(
        client, "Things", {"name": "bench", "description": "old", "properties": {"seats": 3, "colour": "green"}}
    )
    response = client.patch(f"/v1.1/Things({thing})", json={"description": "new"})
    updated = ok(response)
    assert updated["@iot.id"] == thing
    assert updated["@iot.selfLink"] == f"{ROOT}/Things({thing})"
    assert (updated["name"], updated["description"], updated["properties"]) == (
        "bench",
        "new",
        {"seats": 3, "colour": "green"},
    )
    assert get(client, f"Things({thing})") == updated
    # `properties` is one value: PATCH replaces it as a whole.
    ok(client.patch(f"/v1.1/Things({thing})", json={"properties": {"seats": 4}}))
    assert get(client, f"Things({thing})")["properties"] == {"seats": 4}
    # Control information echoed back from a GET is accepted and ignored.
    ok(client.patch(f"/v1.1/Things({thing})", json={**get(client, f"Things({thing})"), "name": "sofa"}))
    assert get(client, f"Things({thing})")["name"] == "sofa"
    # An empty PATCH changes nothing.
    assert ok(client.patch(f"/v1.1/Things({thing})", json={}))["name"] == "sofa"


def test_patch_other_entity_types(client: TestClient, stream: dict[str, int]) -> None:
    ok(
        client.patch(
            f"/v1.1/Locations({stream['location']})", json={"location": {"type": "Point", "coordinates": [4.9, 52.4]}}
        )
    )
    assert get(client, f"Locations({stream['location']})")["location"] == {"type": "Point", "coordinates": [4.9, 52.4]}
    ok(client.patch(f"/v1.1/Sensors({stream['sensor']})", json={"metadata": {"datasheet": "https://example.org/ds"}}))
    assert get(client, f"Sensors({stream['sensor']})")["metadata"] == {"datasheet": "https://example.org/ds"}
    ok(client.patch(f"/v1.1/FeaturesOfInterest({stream['feature']})", json={"name": "Dam"}))
    assert get(client, f"FeaturesOfInterest({stream['feature']})")["name"] == "Dam"
    obs = post(
        client,
        f"Datastreams({stream['datastream']})/Observations",
        {"phenomenonTime": "2024-05-01T10:00:00Z", "result": 1},
    )
    ok(client.patch(f"/v1.1/Observations({obs})", json={"result": "n/a", "phenomenonTime": "2024-05-02T10:00:00Z"}))
    assert get(client, f"Observations({obs})")["result"] == "n/a"
    # The Datastream's extent follows the changed observation.
    assert (
        get(client, f"Datastreams({stream['datastream']})")["phenomenonTime"]
        == "2024-05-02T10:00:00Z/2024-05-02T10:00:00Z"
    )


def test_patch_to_one_link(client: TestClient, stream: dict[str, int]) -> None:
    sensor2 = post(client, "Sensors", sensor_body("hygrometer"))
    ok(client.patch(f"/v1.1/Datastreams({stream['datastream']})", json={"Sensor": link(sensor2)}))
    assert get(client, f"Datastreams({stream['datastream']})/Sensor")["@iot.id"] == sensor2
    assert ids(client, f"Sensors({stream['sensor']})/Datastreams") == []
    problem(client.patch(f"/v1.1/Datastreams({stream['datastream']})", json={"Sensor": link(9999)}), 400, "Sensor")
    problem(client.patch(f"/v1.1/Datastreams({stream['datastream']})", json={"Sensor": None}), 400, "Sensor")
    assert get(client, f"Datastreams({stream['datastream']})/Sensor")["@iot.id"] == sensor2


def test_patch_observation_moves_between_streams(client: TestClient, stream: dict[str, int]) -> None:
    datastream, multi = stream["datastream"], stream["multi"]
    other = post(
        client,
        "Datastreams",
        datastream_body(
            "other", Thing=link(stream["thing"]), Sensor=link(stream["sensor"]), ObservedProperty=link(stream["op"])
        ),
    )
    obs = post(
        client, f"Datastreams({datastream})/Observations", {"phenomenonTime": "2024-05-01T10:00:00Z", "result": 1}
    )
    ok(client.patch(f"/v1.1/Observations({obs})", json={"Datastream": link(other)}))
    assert get(client, f"Observations({obs})/Datastream")["@iot.id"] == other
    assert get(client, f"Datastreams({datastream})").get("phenomenonTime") is None
    assert get(client, f"Datastreams({other})")["phenomenonTime"] == "2024-05-01T10:00:00Z/2024-05-01T10:00:00Z"
    # Into the MultiDatastream: the link to the Datastream goes and the result must fit.
    ok(
        client.patch(
            f"/v1.1/Observations({obs})", json={"Datastream": None, "MultiDatastream": link(multi), "result": [1, 2]}
        )
    )
    assert get(client, f"Observations({obs})/MultiDatastream")["@iot.id"] == multi
    assert get(client, f"Datastreams({other})").get("phenomenonTime") is None
    assert get(client, f"MultiDatastreams({multi})")["phenomenonTime"] == "2024-05-01T10:00:00Z/2024-05-01T10:00:00Z"


def test_patch_observation_keeps_one_stream_and_its_feature(client: TestClient, stream: dict[str, int]) -> None:
    """An Observation belongs to exactly one Datastream or MultiDatastream and always has a
    FeatureOfInterest (§8.2.7, §8.4): updates may not break that."""
    datastream, multi = stream["datastream"], stream["multi"]
    single = post(client, f"Datastreams({datastream})/Observations", {"result": 1})
    double = post(client, f"MultiDatastreams({multi})/Observations", {"result": [1, 2]})
    problem(
        client.patch(f"/v1.1/Observations({single})", json={"MultiDatastream": link(multi)}), 400, "MultiDatastream"
    )
    problem(client.patch(f"/v1.1/Observations({double})", json={"Datastream": link(datastream)}), 400, "Datastream")
    problem(client.patch(f"/v1.1/Observations({single})", json={"Datastream": None}), 400, "Datastream")
    problem(client.patch(f"/v1.1/Observations({single})", json={"FeatureOfInterest": None}), 400, "FeatureOfInterest")
    # Moving a scalar observation into the MultiDatastream needs a result that fits.
    problem(
        client.patch(f"/v1.1/Observations({single})", json={"Datastream": None, "MultiDatastream": link(multi)}),
        400,
        "result",
    )
    assert ids(client, f"Datastreams({datastream})/Observations") == [single]
    assert ids(client, f"MultiDatastreams({multi})/Observations") == [double]
    assert get(client, f"Observations({single})/FeatureOfInterest")["@iot.id"] is not None
    problem(client.get(f"/v1.1/Observations({single})/MultiDatastream"), 404)


def test_patch_multi_datastream_keeps_lengths_equal(client: TestClient, stream: dict[str, int]) -> None:
    multi = stream["multi"]
    before = get(client, f"MultiDatastreams({multi})")
    one_unit = before["unitOfMeasurements"][:1]
    problem(
        client.patch(f"/v1.1/MultiDatastreams({multi})", json={"unitOfMeasurements": one_unit}),
        400,
        "unitOfMeasurements",
    )
    third = post(client, "ObservedProperties", observed_property_body("gusts"))
    problem(client.patch(f"/v1.1/MultiDatastreams({multi})", json={"ObservedProperties": [link(third)]}), 400)
    assert get(client, f"MultiDatastreams({multi})") == before
    assert ids(client, f"MultiDatastreams({multi})/ObservedProperties") == [stream["op"], stream["op2"]]
    # All three together is fine.
    body = {
        "unitOfMeasurements": [*before["unitOfMeasurements"], CELSIUS],
        "multiObservationDataTypes": [MEASUREMENT] * 3,
        "ObservedProperties": [link(third)],
    }
    ok(client.patch(f"/v1.1/MultiDatastreams({multi})", json=body))
    assert ids(client, f"MultiDatastreams({multi})/ObservedProperties") == [stream["op"], stream["op2"], third]
    post(client, f"MultiDatastreams({multi})/Observations", {"result": [1, 2, 3]})


def test_patch_feature_geometry_updates_observed_area(client: TestClient, stream: dict[str, int]) -> None:
    datastream = stream["datastream"]
    post(client, f"Datastreams({datastream})/Observations", {"result": 1, "FeatureOfInterest": link(stream["feature"])})
    assert get(client, f"Datastreams({datastream})")["observedArea"] == POINT
    moved = {"type": "Point", "coordinates": [4.9, 52.4]}
    ok(client.patch(f"/v1.1/FeaturesOfInterest({stream['feature']})", json={"feature": moved}))
    assert get(client, f"Datastreams({datastream})")["observedArea"] == moved


def test_patch_errors(client: TestClient, parts: dict[str, int]) -> None:
    thing = parts["thing"]
    problem(client.patch(f"/v1.1/Things({thing})", json={"name": None}), 400, "name")
    problem(client.patch(f"/v1.1/Things({thing})", json={"colour": "red"}), 400, "colour")
    problem(client.patch(f"/v1.1/Things({thing})", json={"properties": "red"}), 400, "properties")
    problem(
        client.patch(f"/v1.1/Locations({parts['location']})", json={"location": {"type": "Pointy"}}), 400, "location"
    )
    problem(client.patch("/v1.1/Things(9999)", json={"name": "x"}), 404)
    problem(client.patch("/v1.1/Things", json={"name": "x"}), 405)
    assert get(client, f"Things({thing})")["name"] == "station"


def test_put_replaces(client: TestClient, parts: dict[str, int]) -> None:
    thing = post(client, "Things", {"name": "bench", "description": "old", "properties": {"seats": 3}})
    updated = ok(client.put(f"/v1.1/Things({thing})", json={"name": "sofa", "description": "new"}))
    assert (updated["name"], updated["description"], updated.get("properties")) == ("sofa", "new", None)
    assert get(client, f"Things({thing})").get("properties") is None
    sensor = parts["sensor"]
    ok(client.put(f"/v1.1/Sensors({sensor})", json={**sensor_body("replaced"), "properties": {"v": 2}}))
    assert get(client, f"Sensors({sensor})")["properties"] == {"v": 2}
    ok(client.put(f"/v1.1/Sensors({sensor})", json=sensor_body("replaced again")))
    replaced = get(client, f"Sensors({sensor})")
    assert (replaced["name"], replaced.get("properties")) == ("replaced again", None)


def test_put_needs_every_required_property(client: TestClient, parts: dict[str, int]) -> None:
    thing = parts["thing"]
    problem(client.put(f"/v1.1/Things({thing})", json={"name": "only a name"}), 400, "description")
    location = parts["location"]
    problem(
        client.put(
            f"/v1.1/Locations({location})",
            json={"name": "n", "description": "d", "encodingType": "application/geo+json"},
        ),
        400,
        "location",
    )
    assert get(client, f"Things({thing})")["name"] == "station"
    assert get(client, f"Locations({location})")["name"] == "Dam"
    problem(client.put("/v1.1/Things(9999)", json={"name": "n", "description": "d"}), 404)


JSON_PATCH = {"Content-Type": "application/json-patch+json"}


def json_patch(client: TestClient, path: str, operations: list[dict[str, Any]]) -> Any:
    return client.patch(f"/v1.1/{path}", content=json.dumps(operations), headers=JSON_PATCH)


def test_json_patch(client: TestClient) -> None:
    thing = post(
        client, "Things", {"name": "bench", "description": "old", "properties": {"seats": 3, "colour": "green"}}
    )
    response = json_patch(
        client,
        f"Things({thing})",
        [
            {"op": "replace", "path": "/name", "value": "sofa"},
            {"op": "add", "path": "/properties/material", "value": "oak"},
            {"op": "remove", "path": "/properties/colour"},
            {"op": "replace", "path": "/properties/seats", "value": 4},
        ],
    )
    updated = ok(response)
    assert updated["name"] == "sofa"
    assert updated["description"] == "old"
    assert updated["properties"] == {"seats": 4, "material": "oak"}
    assert get(client, f"Things({thing})") == updated
    # `test` guards the patch; when it fails, nothing is applied.
    response = json_patch(
        client,
        f"Things({thing})",
        [{"op": "test", "path": "/name", "value": "bench"}, {"op": "replace", "path": "/name", "value": "x"}],
    )
    problem(response, 400)
    assert get(client, f"Things({thing})")["name"] == "sofa"
    # Removing a whole optional property sets it to null.
    ok(json_patch(client, f"Things({thing})", [{"op": "remove", "path": "/properties"}]))
    assert get(client, f"Things({thing})").get("properties") is None
    ok(json_patch(client, f"Things({thing})", [{"op": "add", "path": "/properties", "value": {"a": 1}}]))
    assert get(client, f"Things({thing})")["properties"] == {"a": 1}


def test_json_patch_errors(client: TestClient, parts: dict[str, int]) -> None:
    thing = parts["thing"]
    problem(json_patch(client, f"Things({thing})", [{"op": "remove", "path": "/name"}]), 400, "name")
    problem(json_patch(client, f"Things({thing})", [{"op": "remove", "path": "/nothing"}]), 400)
    problem(json_patch(client, f"Things({thing})", [{"op": "jump", "path": "/name"}]), 400)
    problem(json_patch(client, f"Things({thing})", [{"op": "add", "path": "/colour", "value": "red"}]), 400, "colour")
    response = client.patch(f"/v1.1/Things({thing})", content=b'{"op": "remove"}', headers=JSON_PATCH)
    problem(response, 400)
    assert get(client, f"Things({thing})")["name"] == "station"


# -- delete (§10.4) -----------------------------------------------------------------------------


def test_delete_entity(client: TestClient, parts: dict[str, int]) -> None:
    sensor = parts["sensor"]
    response = client.delete(f"/v1.1/Sensors({sensor})")
    assert response.status_code == 200
    problem(client.get(f"/v1.1/Sensors({sensor})"), 404)
    problem(client.delete(f"/v1.1/Sensors({sensor})"), 404)
    problem(client.delete("/v1.1/Sensors"), 405)
    problem(client.delete(f"/v1.1/Things({parts['thing']})/name"), 405)


def test_delete_thing_cascades(client: TestClient, seed: dict[str, Any]) -> None:
    air, garage = seed["things"]
    ds1, ds2, ds3 = seed["datastreams"]
    air_location = ids(client, f"Things({air})/Locations")[0]
    air_history = ids(client, f"Things({air})/HistoricalLocations")
    before = counts(client)
    ok(client.delete(f"/v1.1/Things({air})"))
    assert not exists(client, f"Things({air})")
    assert not exists(client, f"Datastreams({ds1})")
    assert not exists(client, f"Datastreams({ds2})")
    assert not any(exists(client, f"HistoricalLocations({h})") for h in air_history)
    after = counts(client)
    assert after["Things"] == before["Things"] - 1
    assert after["Datastreams"] == 1
    assert after["Observations"] == 2  # only the garage's
    assert after["HistoricalLocations"] == before["HistoricalLocations"] - len(air_history)
    # Locations, Sensors, ObservedProperties and features are not part of the Thing.
    assert exists(client, f"Locations({air_location})")
    assert (after["Locations"], after["Sensors"], after["ObservedProperties"], after["FeaturesOfInterest"]) == (
        before["Locations"],
        before["Sensors"],
        before["ObservedProperties"],
        before["FeaturesOfInterest"],
    )
    assert ids(client, f"Things({garage})/Datastreams") == [ds3]
    assert len(ids(client, f"Datastreams({ds3})/Observations")) == 2


def test_delete_thing_cascades_to_multi_datastreams(client: TestClient, stream: dict[str, int]) -> None:
    post(client, f"MultiDatastreams({stream['multi']})/Observations", {"result": [1, 2]})
    ok(client.delete(f"/v1.1/Things({stream['thing']})"))
    assert (count(client, "MultiDatastreams"), count(client, "Datastreams"), count(client, "Observations")) == (0, 0, 0)


def test_delete_datastream_cascades_to_observations(client: TestClient, seed: dict[str, Any]) -> None:
    ds1, ds2, _ = seed["datastreams"]
    pm10 = ids(client, f"Datastreams({ds1})/Observations")
    sensor = get(client, f"Datastreams({ds1})/Sensor")["@iot.id"]
    before = counts(client)
    ok(client.delete(f"/v1.1/Datastreams({ds1})"))
    assert not any(exists(client, f"Observations({o})") for o in pm10)
    after = counts(client)
    assert after["Observations"] == before["Observations"] - len(pm10)
    assert after["Datastreams"] == before["Datastreams"] - 1
    assert exists(client, f"Sensors({sensor})")
    assert after["FeaturesOfInterest"] == before["FeaturesOfInterest"]
    assert len(ids(client, f"Datastreams({ds2})/Observations")) == 2


def test_delete_sensor_cascades_to_datastreams(client: TestClient, stream: dict[str, int]) -> None:
    post(client, f"Datastreams({stream['datastream']})/Observations", {"result": 1})
    other = post(client, "Sensors", sensor_body("other"))
    kept = post(
        client,
        "Datastreams",
        datastream_body(Thing=link(stream["thing"]), Sensor=link(other), ObservedProperty=link(stream["op"])),
    )
    ok(client.delete(f"/v1.1/Sensors({stream['sensor']})"))
    assert not exists(client, f"Datastreams({stream['datastream']})")
    assert not exists(client, f"MultiDatastreams({stream['multi']})")
    assert ids(client, "Datastreams") == [kept]
    assert count(client, "Observations") == 0
    assert exists(client, f"Things({stream['thing']})")


def test_delete_observed_property_cascades(client: TestClient, stream: dict[str, int]) -> None:
    """The Datastreams of the ObservedProperty go, and so do MultiDatastreams that have it among
    their ObservedProperties."""
    ok(client.delete(f"/v1.1/ObservedProperties({stream['op2']})"))
    assert not exists(client, f"MultiDatastreams({stream['multi']})")
    assert exists(client, f"Datastreams({stream['datastream']})")
    ok(client.delete(f"/v1.1/ObservedProperties({stream['op']})"))
    assert not exists(client, f"Datastreams({stream['datastream']})")
    assert exists(client, f"Sensors({stream['sensor']})")


def test_delete_feature_of_interest_cascades_to_observations(client: TestClient, stream: dict[str, int]) -> None:
    datastream = stream["datastream"]
    kept = post(
        client, f"Datastreams({datastream})/Observations", {"phenomenonTime": "2024-05-01T10:00:00Z", "result": 1}
    )
    gone = post(
        client,
        f"Datastreams({datastream})/Observations",
        {"phenomenonTime": "2024-05-03T10:00:00Z", "result": 2, "FeatureOfInterest": link(stream["feature"])},
    )
    assert get(client, f"Datastreams({datastream})")["phenomenonTime"] == "2024-05-01T10:00:00Z/2024-05-03T10:00:00Z"
    ok(client.delete(f"/v1.1/FeaturesOfInterest({stream['feature']})"))
    assert not exists(client, f"Observations({gone})")
    assert ids(client, f"Datastreams({datastream})/Observations") == [kept]
    assert get(client, f"Datastreams({datastream})")["phenomenonTime"] == "2024-05-01T10:00:00Z/2024-05-01T10:00:00Z"


def test_delete_location_removes_history_left_without_location(client: TestClient, parts: dict[str, int]) -> None:
    thing, first = parts["thing"], parts["location"]
    first_history = ids(client, f"Things({thing})/HistoricalLocations")
    second = post(client, f"Things({thing})/Locations", location_body("second"))
    # A HistoricalLocation with both Locations survives the deletion of one of them.
    both = post(
        client,
        "HistoricalLocations",
        {"time": "2020-01-01T00:00:00Z", "Thing": link(thing), "Locations": [link(first), link(second)]},
    )
    ok(client.delete(f"/v1.1/Locations({first})"))
    assert not any(exists(client, f"HistoricalLocations({h})") for h in first_history)
    assert ids(client, f"HistoricalLocations({both})/Locations") == [second]
    assert exists(client, f"Things({thing})")
    assert ids(client, f"Things({thing})/Locations") == [second]
    assert count(client, "HistoricalLocations") == 2


def test_delete_historical_location_and_multi_datastream(client: TestClient, stream: dict[str, int]) -> None:
    hl = ids(client, "HistoricalLocations")[0]
    ok(client.delete(f"/v1.1/HistoricalLocations({hl})"))
    assert count(client, "HistoricalLocations") == 0
    assert ids(client, f"Things({stream['thing']})/Locations") == [stream["location"]]
    obs = post(client, f"MultiDatastreams({stream['multi']})/Observations", {"result": [1, 2]})
    ok(client.delete(f"/v1.1/MultiDatastreams({stream['multi']})"))
    assert not exists(client, f"Observations({obs})")
    assert count(client, "ObservedProperties") == 2


def test_deleting_observations_recomputes_the_extent(client: TestClient, seed: dict[str, Any]) -> None:
    ds1 = seed["datastreams"][0]
    by_time = get(client, f"Datastreams({ds1})/Observations?$orderby=phenomenonTime")["value"]
    assert get(client, f"Datastreams({ds1})")["phenomenonTime"] == "2024-03-01T10:00:00Z/2024-03-01T12:00:00Z"
    ok(client.delete(f"/v1.1/Observations({by_time[-1]['@iot.id']})"))
    assert get(client, f"Datastreams({ds1})")["phenomenonTime"] == "2024-03-01T10:00:00Z/2024-03-01T11:00:00Z"
    ok(client.delete(f"/v1.1/Observations({by_time[0]['@iot.id']})"))
    assert get(client, f"Datastreams({ds1})")["phenomenonTime"] == "2024-03-01T11:00:00Z/2024-03-01T11:00:00Z"
    ok(client.delete(f"/v1.1/Observations({by_time[1]['@iot.id']})"))
    emptied = get(client, f"Datastreams({ds1})")
    assert emptied.get("phenomenonTime") is None
    assert emptied.get("observedArea") is None
    # The other streams keep theirs.
    assert (
        get(client, f"Datastreams({seed['datastreams'][1]})")["phenomenonTime"]
        == "2024-03-01T10:00:00Z/2024-03-01T11:00:00Z"
    )


def test_delete_through_a_navigation_path(client: TestClient, seed: dict[str, Any]) -> None:
    air = seed["things"][0]
    ds1, _, ds3 = seed["datastreams"]
    problem(client.delete(f"/v1.1/Things({air})/Datastreams({ds3})"), 404)
    assert exists(client, f"Datastreams({ds3})")
    ok(client.delete(f"/v1.1/Things({air})/Datastreams({ds1})"))
    assert not exists(client, f"Datastreams({ds1})")


# -- $ref writes (OData 4.01 §11.4.6) -----------------------------------------------------------


def test_post_ref_adds_a_link(client: TestClient, parts: dict[str, int]) -> None:
    thing, first = parts["thing"], parts["location"]
    second = post(client, "Locations", location_body("second"))
    history_before = count(client, "HistoricalLocations")
    response = client.post(f"/v1.1/Things({thing})/Locations/$ref", json={"@iot.id": second})
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert ids(client, f"Things({thing})/Locations") == [first, second]
    # The Thing's set of Locations changed: a HistoricalLocation records the new set.
    assert count(client, "HistoricalLocations") == history_before + 1
    latest = get(client, f"Things({thing})/HistoricalLocations?$orderby=id desc&$top=1")["value"][0]["@iot.id"]
    assert ids(client, f"HistoricalLocations({latest})/Locations") == [first, second]
    # A selfLink works as well as an id.
    third = post(client, "Locations", location_body("third"))
    response = client.post(
        f"/v1.1/Things({thing})/Locations/$ref", json={"@iot.selfLink": f"{ROOT}/Locations({third})"}
    )
    assert response.status_code == 204, response.text
    assert ids(client, f"Things({thing})/Locations") == [first, second, third]


def test_post_ref_from_the_location_side(client: TestClient, parts: dict[str, int]) -> None:
    thing, first = parts["thing"], parts["location"]
    second = post(client, "Locations", location_body("second"))
    response = client.post(f"/v1.1/Locations({second})/Things/$ref", json={"@iot.id": thing})
    assert response.status_code == 204, response.text
    assert ids(client, f"Things({thing})/Locations") == [first, second]
    assert ids(client, f"Locations({second})/Things") == [thing]
    assert count(client, "HistoricalLocations") == 2
    # Linking what is already linked changes nothing and records nothing.
    assert client.post(f"/v1.1/Locations({second})/Things/$ref", json={"@iot.id": thing}).status_code == 204
    assert count(client, "HistoricalLocations") == 2
    problem(client.post(f"/v1.1/Locations({second})/Things/$ref", json={"@iot.id": 9999}), 400, "@iot.id")


def test_post_ref_to_other_collections(client: TestClient, stream: dict[str, int]) -> None:
    """A $ref POST to a collection whose members point back with a foreign key moves the member."""
    other = post(client, "Things", {"name": "other", "description": "d"})
    response = client.post(f"/v1.1/Things({other})/Datastreams/$ref", json={"@iot.id": stream["datastream"]})
    assert response.status_code == 204, response.text
    assert ids(client, f"Things({other})/Datastreams") == [stream["datastream"]]
    assert ids(client, f"Things({stream['thing']})/Datastreams") == []


def test_post_ref_errors(client: TestClient, parts: dict[str, int]) -> None:
    thing = parts["thing"]
    problem(client.post(f"/v1.1/Things({thing})/Locations/$ref", json={"@iot.id": 9999}), 400)
    problem(client.post(f"/v1.1/Things({thing})/Locations/$ref", json={"@iot.selfLink": f"{ROOT}/Sensors(1)"}), 400)
    problem(client.post(f"/v1.1/Things({thing})/Locations/$ref", json=["x"]), 400)
    huge = {"@iot.selfLink": f"{ROOT}/Locations(99999999999999999999999)"}
    problem(client.post(f"/v1.1/Things({thing})/Locations/$ref", json=huge), 400, "@iot.selfLink")
    problem(client.post("/v1.1/Things(9999)/Locations/$ref", json={"@iot.id": parts["location"]}), 404)
    problem(client.post(f"/v1.1/Things({thing})/$ref", json={"@iot.id": 1}), 405)
    assert ids(client, f"Things({thing})/Locations") == [parts["location"]]


def test_put_ref_sets_a_to_one_link(client: TestClient, stream: dict[str, int]) -> None:
    datastream = stream["datastream"]
    sensor2 = post(client, "Sensors", sensor_body("second"))
    response = client.put(f"/v1.1/Datastreams({datastream})/Sensor/$ref", json={"@iot.id": sensor2})
    assert response.status_code == 204, response.text
    assert get(client, f"Datastreams({datastream})/Sensor/$ref") == {"@iot.selfLink": f"{ROOT}/Sensors({sensor2})"}
    assert ids(client, f"Sensors({stream['sensor']})/Datastreams") == []
    assert count(client, "Sensors") == 2
    response = client.put(
        f"/v1.1/Datastreams({datastream})/Sensor/$ref", json={"@iot.selfLink": f"{ROOT}/Sensors({stream['sensor']})"}
    )
    assert response.status_code == 204, response.text
    assert get(client, f"Datastreams({datastream})/Sensor")["@iot.id"] == stream["sensor"]
    problem(client.put(f"/v1.1/Datastreams({datastream})/Sensor/$ref", json={"@iot.id": 9999}), 400)
    problem(client.put(f"/v1.1/Things({stream['thing']})/Locations/$ref", json={"@iot.id": stream["location"]}), 405)
    assert get(client, f"Datastreams({datastream})/Sensor")["@iot.id"] == stream["sensor"]


def test_delete_ref_removes_one_link(client: TestClient, parts: dict[str, int]) -> None:
    thing, first = parts["thing"], parts["location"]
    second = post(client, "Locations", location_body("second"))
    assert client.post(f"/v1.1/Things({thing})/Locations/$ref", json={"@iot.id": second}).status_code == 204
    response = client.delete(f"/v1.1/Things({thing})/Locations({second})/$ref")
    assert response.status_code == 204, response.text
    assert ids(client, f"Things({thing})/Locations") == [first]
    assert exists(client, f"Locations({second})")  # only the link is gone
    problem(client.delete(f"/v1.1/Things({thing})/Locations({second})/$ref"), 404)
    problem(client.delete(f"/v1.1/Things({thing})/Locations/$ref"), 405)
    problem(client.delete(f"/v1.1/Things({thing})/Datastreams(9999)/$ref"), 404)


# -- errors (problem+json naming the field) -----------------------------------------------------


@pytest.mark.parametrize(
    ("set_name", "body", "field"),
    [
        ("Things", {"description": "no name"}, "name"),
        ("Things", {"name": "n", "description": "d", "properties": "not an object"}, "properties"),
        ("Things", {"name": 42, "description": "d"}, "name"),
        ("Things", {"name": "n", "description": "d", "colour": "red"}, "colour"),
        ("Things", {"name": "n", "description": "d", "Datastreams": {"name": "not a list"}}, "Datastreams"),
        ("Things", {"name": "n", "description": "d", "Locations": [{"@iot.id": "abc"}]}, "Locations[0]/@iot.id"),
        ("Things", {"name": "n", "description": "d", "Locations": [{"@iot.id": 9999}]}, "Locations[0]"),
        ("Locations", {**location_body(), "location": {"type": "Point", "coordinates": [1]}}, "location"),
        ("Locations", {**location_body(), "location": "POINT (1 2)"}, "location"),
        (
            "Locations",
            {**location_body(), "location": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}},
            "location",
        ),
        ("Sensors", {"name": "n", "description": "d", "encodingType": "application/pdf"}, "metadata"),
        ("FeaturesOfInterest", {**feature_body(), "feature": {"type": "Blob"}}, "feature"),
        ("ObservedProperties", {"name": "n", "description": "d"}, "definition"),
        ("HistoricalLocations", {"time": "not a time", "Thing": {"@iot.id": 1}}, "time"),
    ],
)
def test_invalid_entity_bodies(client: TestClient, set_name: str, body: dict[str, Any], field: str) -> None:
    problem(client.post(f"/v1.1/{set_name}", json=body), 400, field)
    assert count(client, set_name) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phenomenonTime": "yesterday", "result": 1}, "phenomenonTime"),
        ({"phenomenonTime": "2024-05-01T25:00:00Z", "result": 1}, "phenomenonTime"),
        ({"phenomenonTime": "2024-05-02T00:00:00Z/2024-05-01T00:00:00Z", "result": 1}, "phenomenonTime"),
        ({"resultTime": "2024-05-01T00:00:00Z/2024-05-02T00:00:00Z", "result": 1}, "resultTime"),
        ({"validTime": "2024-05-01T00:00:00Z", "result": 1}, "validTime"),
        ({"phenomenonTime": "2024-05-01T00:00:00Z"}, "result"),
        ({"result": 1, "parameters": [1, 2]}, "parameters"),
        ({"result": 1, "FeatureOfInterest": {"@iot.id": 9999}}, "FeatureOfInterest"),
        (
            {"result": 1, "FeatureOfInterest": {**feature_body(), "feature": {"type": "Point"}}},
            "FeatureOfInterest/feature",
        ),
    ],
)
def test_invalid_observations(client: TestClient, stream: dict[str, int], body: dict[str, Any], field: str) -> None:
    problem(client.post(f"/v1.1/Datastreams({stream['datastream']})/Observations", json=body), 400, field)
    assert count(client, "Observations") == 0


def test_datastream_needs_its_links(client: TestClient, parts: dict[str, int]) -> None:
    full = {"Thing": link(parts["thing"]), "Sensor": link(parts["sensor"]), "ObservedProperty": link(parts["op"])}
    for missing in full:
        links = {k: v for k, v in full.items() if k != missing}
        problem(client.post("/v1.1/Datastreams", json=datastream_body(**links)), 400, missing)
    problem(client.post("/v1.1/Datastreams", json=datastream_body(**{**full, "Sensor": link(9999)})), 400, "Sensor")
    problem(client.post("/v1.1/Datastreams", json=datastream_body(**{**full, "Sensor": None})), 400, "Sensor")
    # Ids beyond the 64-bit range name nothing (and must not reach the database).
    for huge in (2**64 - 1, "99999999999999999999999"):
        problem(
            client.post("/v1.1/Datastreams", json=datastream_body(**{**full, "Sensor": link(huge)})),
            400,
            "Sensor/@iot.id",
        )
    problem(
        client.post("/v1.1/Datastreams", json={**datastream_body(**full), "unitOfMeasurement": "degC"}),
        400,
        "unitOfMeasurement",
    )
    assert count(client, "Datastreams") == 0


def test_observation_needs_one_stream(client: TestClient, stream: dict[str, int]) -> None:
    problem(
        client.post("/v1.1/Observations", json={"result": 1, "FeatureOfInterest": link(stream["feature"])}),
        400,
        "Datastream",
    )
    body = {"result": [1, 2], "Datastream": link(stream["datastream"]), "MultiDatastream": link(stream["multi"])}
    problem(client.post("/v1.1/Observations", json=body), 400, "MultiDatastream")
    assert count(client, "Observations") == 0


@pytest.mark.parametrize("result", [[1], [1, 2, 3], 5, None, {"speed": 1, "direction": 2}])
def test_multi_datastream_observation_result_width(client: TestClient, stream: dict[str, int], result: Any) -> None:
    response = client.post(f"/v1.1/MultiDatastreams({stream['multi']})/Observations", json={"result": result})
    problem(response, 400, "result")
    assert count(client, "Observations") == 0
    obs = post(client, f"MultiDatastreams({stream['multi']})/Observations", {"result": [1, 2]})
    problem(client.patch(f"/v1.1/Observations({obs})", json={"result": result}), 400, "result")
    assert get(client, f"Observations({obs})")["result"] == [1, 2]


@pytest.mark.parametrize(
    "content",
    [b"{not json", b'{"name": "n",}', b"", b"   ", b'{"name": "n"', b"\xff\xfe"],
)
def test_invalid_json_body(client: TestClient, content: bytes) -> None:
    response = client.post("/v1.1/Things", content=content, headers={"Content-Type": "application/json"})
    problem(response, 400, "body")
    assert count(client, "Things") == 0


@pytest.mark.parametrize(
    "content_type",
    ["application/xml", "text/csv", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
def test_wrong_content_type_is_415(client: TestClient, parts: dict[str, int], content_type: str) -> None:
    body = b'{"name": "n", "description": "d"}'
    problem(client.post("/v1.1/Things", content=body, headers={"Content-Type": content_type}), 415)
    problem(client.patch(f"/v1.1/Things({parts['thing']})", content=body, headers={"Content-Type": content_type}), 415)
    problem(client.put(f"/v1.1/Things({parts['thing']})", content=body, headers={"Content-Type": content_type}), 415)
    assert count(client, "Things") == 1


def test_post_on_an_entity_or_property_is_405(client: TestClient, parts: dict[str, int]) -> None:
    body = {"name": "n", "description": "d"}
    problem(client.post(f"/v1.1/Things({parts['thing']})", json=body), 405)
    problem(client.post(f"/v1.1/Things({parts['thing']})/name", json=body), 405)
    problem(client.post(f"/v1.1/Locations({parts['location']})/Things({parts['thing']})", json=body), 405)
    problem(client.put("/v1.1/Things", json=body), 405)
    problem(client.patch(f"/v1.1/Things({parts['thing']})/name", json={"name": "x"}), 405)
    assert count(client, "Things") == 1


def test_writes_to_unknown_paths_are_404(client: TestClient) -> None:
    problem(client.post("/v1.1/Thingz", json={"name": "n"}), 404)
    problem(client.patch("/v1.1/Things(abc)", json={"name": "n"}), 404)
    problem(client.delete("/v1.1/Things(9999)"), 404)
    problem(client.delete("/v1.1/Things(99999999999999999999999)"), 404)
    problem(client.patch("/v1.1/Things(18446744073709551615)", json={"name": "n"}), 404)
    problem(client.delete("/v1.1/Things(1)/colour"), 404)


GARBAGE: list[Any] = [
    None,
    42,
    "text",
    [],
    [{}],
    {},
    {"@iot.id": 1},
    {"@iot.id": None},
    {"name": ["x"], "description": {"a": 1}},
    {"properties": [1]},
    {"location": {"type": "GeometryCollection", "geometries": [{"type": "Point"}]}},
    {"feature": {"type": "Point", "coordinates": [1e308, 1e308, 1e308, 1e308]}},
    {"Thing": 1, "Sensor": "x", "ObservedProperty": []},
    {"Datastream": {"@iot.id": {"nested": 1}}, "result": 1},
    {"Datastreams": [None]},
    {"Locations": [{"Things": [{"Locations": [{"name": 1}]}]}]},
    {"phenomenonTime": 12, "result": 1},
    {"time": None},
    {"unitOfMeasurements": {}, "multiObservationDataTypes": "x", "ObservedProperties": {}},
    {"name": "\u0000", "description": "\ud7ff", "encodingType": 1, "metadata": None},
    {"@iot.id": 2**70},
    {"Thing": {"@iot.id": -1}},
    {"Thing": {"@iot.id": 2**70}},
]


@pytest.mark.parametrize("set_name", SETS)
def test_garbage_bodies_are_client_errors(client: TestClient, seed: dict[str, Any], set_name: str) -> None:
    before = counts(client)
    for body in GARBAGE:
        for method, path in (("POST", set_name), ("PATCH", f"{set_name}(1)"), ("PUT", f"{set_name}(1)")):
            response = client.request(method, f"/v1.1/{path}", json=body)
            if method == "PATCH" and isinstance(body, dict) and set(body) <= {"@iot.id"}:
                assert response.status_code in (200, 404), response.text  # nothing to change
                continue
            assert 400 <= response.status_code < 500, (method, path, body, response.status_code, response.text)
            assert response.headers["content-type"].startswith(PROBLEM), (method, path, body)
    assert counts(client) == before
