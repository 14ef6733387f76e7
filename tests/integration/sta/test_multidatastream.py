"""MultiDatastreams (OGC 18-088 §12): creation with ordered ObservedProperties, the constraints
on observationType and array lengths, Observations with array results, navigation, $expand,
$filter, deletion rules and the phenomenonTime extent."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.sta.conftest import CELSIUS, COMPLEX, MEASUREMENT, PROBLEM, UGM3, assert_problem, created_id

pytestmark = pytest.mark.conformance("multi-datastream")

PERCENT = {"name": "percent", "symbol": "%", "definition": "http://unitsofmeasure.org/ucum.html#para-29"}
MPS = {"name": "metre per second", "symbol": "m/s", "definition": "http://unitsofmeasure.org/ucum.html"}
OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/"


def sensor_body(name: str = "weather station") -> dict[str, Any]:
    return {"name": name, "description": "a station", "encodingType": "application/pdf", "metadata": "https://example.org/ws.pdf"}


def property_body(name: str) -> dict[str, Any]:
    return {"name": name, "definition": f"https://example.org/{name}", "description": f"the {name}"}


def multi_body(thing: int, observed: list[dict[str, Any]], units: list[dict[str, str]] | None = None, **extra: Any) -> dict[str, Any]:
    units = units if units is not None else [CELSIUS, PERCENT, MPS][: len(observed)]
    return {
        "name": "weather",
        "description": "temperature, humidity and wind",
        "observationType": COMPLEX,
        "unitOfMeasurements": units,
        "multiObservationDataTypes": [OM + "OM_Measurement"] * len(units),
        "Thing": {"@iot.id": thing},
        "Sensor": sensor_body(),
        "ObservedProperties": observed,
        **extra,
    }


def count(client: TestClient, collection: str) -> int:
    response = client.get(f"/v1.1/{collection}?$count=true&$top=0")
    assert response.status_code == 200, response.text
    return int(response.json()["@iot.count"])


def counts(client: TestClient) -> dict[str, int]:
    return {name: count(client, name) for name in ("MultiDatastreams", "Sensors", "ObservedProperties", "Observations", "FeaturesOfInterest")}


def values(client: TestClient, url: str) -> list[dict[str, Any]]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return response.json()["value"]



@pytest.fixture
def existing_properties(client: TestClient) -> list[int]:
    """Three ObservedProperties created in id order: humidity < wind < temperature."""
    return [created_id(client.post("/v1.1/ObservedProperties", json=property_body(n))) for n in ("humidity", "wind", "temperature")]


@pytest.fixture
def multi(client: TestClient, seed: dict[str, Any], existing_properties: list[int]) -> dict[str, Any]:
    """A MultiDatastream on the first seed Thing whose ObservedProperties are, in this order,
    temperature, humidity and wind (not the order of their ids), with three Observations."""
    humidity, wind, temperature = existing_properties
    body = multi_body(seed["things"][0], [{"@iot.id": temperature}, {"@iot.id": humidity}, {"@iot.id": wind}])
    md = created_id(client.post("/v1.1/MultiDatastreams", json=body))
    observations = [
        created_id(client.post(f"/v1.1/MultiDatastreams({md})/Observations", json={"phenomenonTime": t, "result": r}))
        for t, r in (
            ("2024-03-01T10:00:00Z", [7.5, 80, 3.2]),
            ("2024-03-01T11:00:00Z", [8.0, 75, 4.1]),
            ("2024-03-01T12:00:00Z", [9.25, 70, 2.0]),
        )
    ]
    return {
        "id": md,
        "thing": seed["things"][0],
        "properties": [temperature, humidity, wind],
        "observations": observations,
        "sensor": client.get(f"/v1.1/MultiDatastreams({md})/Sensor").json()["@iot.id"],
    }


# --- create ------------------------------------------------------------------------------------


def test_create_deep(client: TestClient, seed: dict[str, Any]) -> None:
    thing = seed["things"][1]
    body = multi_body(thing, [property_body("temperature"), property_body("humidity")], properties={"height": 2})
    response = client.post("/v1.1/MultiDatastreams", json=body)
    md = created_id(response)
    created = response.json()
    assert created["@iot.selfLink"] == f"http://testserver/v1.1/MultiDatastreams({md})"
    got = client.get(f"/v1.1/MultiDatastreams({md})").json()
    assert got == created
    assert got["name"] == "weather"
    assert got["observationType"] == COMPLEX
    assert got["unitOfMeasurements"] == [CELSIUS, PERCENT]
    assert got["multiObservationDataTypes"] == [OM + "OM_Measurement"] * 2
    assert got["properties"] == {"height": 2}
    assert got["phenomenonTime"] is None and got["resultTime"] is None and got["observedArea"] is None
    for nav in ("Thing", "Sensor", "ObservedProperties", "Observations"):
        assert got[f"{nav}@iot.navigationLink"] == f"http://testserver/v1.1/MultiDatastreams({md})/{nav}"
    assert client.get(f"/v1.1/MultiDatastreams({md})/Thing").json()["@iot.id"] == thing
    assert client.get(f"/v1.1/MultiDatastreams({md})/Sensor").json()["name"] == "weather station"
    assert [p["name"] for p in values(client, f"/v1.1/MultiDatastreams({md})/ObservedProperties")] == ["temperature", "humidity"]


def test_create_by_links_keeps_the_given_order(client: TestClient, seed: dict[str, Any], existing_properties: list[int]) -> None:
    humidity, wind, temperature = existing_properties
    sensor = created_id(client.post("/v1.1/Sensors", json=sensor_body("linked sensor")))
    body = multi_body(seed["things"][0], [{"@iot.id": wind}, {"@iot.id": temperature}, {"@iot.id": humidity}])
    body["Sensor"] = {"@iot.id": sensor}
    md = created_id(client.post("/v1.1/MultiDatastreams", json=body))
    expected = ["wind", "temperature", "humidity"]
    assert [p["name"] for p in values(client, f"/v1.1/MultiDatastreams({md})/ObservedProperties")] == expected
    refs = values(client, f"/v1.1/MultiDatastreams({md})/ObservedProperties/$ref")
    assert [r["@iot.selfLink"] for r in refs] == [f"http://testserver/v1.1/ObservedProperties({i})" for i in (wind, temperature, humidity)]
    expanded = client.get(f"/v1.1/MultiDatastreams({md})?$expand=ObservedProperties($select=name)").json()
    assert [p["name"] for p in expanded["ObservedProperties"]] == expected
    in_collection = values(client, "/v1.1/MultiDatastreams?$expand=ObservedProperties($select=name)")
    assert [p["name"] for p in in_collection[0]["ObservedProperties"]] == expected
    assert client.get(f"/v1.1/MultiDatastreams({md})/Sensor").json()["@iot.id"] == sensor
    assert count(client, "Sensors") == 3 + 1  # the seed's three plus the linked one; no new Sensor


def test_create_mixed_links_and_deep_properties(client: TestClient, seed: dict[str, Any], existing_properties: list[int]) -> None:
    humidity = existing_properties[0]
    body = multi_body(seed["things"][0], [property_body("pressure"), {"@iot.id": humidity}], units=[{"name": "hPa", "symbol": "hPa", "definition": "d"}, PERCENT])
    md = created_id(client.post("/v1.1/MultiDatastreams", json=body))
    got = values(client, f"/v1.1/MultiDatastreams({md})/ObservedProperties")
    assert [p["name"] for p in got] == ["pressure", "humidity"]
    assert got[1]["@iot.id"] == humidity


def test_create_within_thing_deep_insert(client: TestClient) -> None:
    body = {
        "name": "roof",
        "description": "a roof",
        "Locations": [{"name": "roof", "description": "r", "encodingType": "application/geo+json", "location": {"type": "Point", "coordinates": [5.0, 52.0]}}],
        "MultiDatastreams": [
            {
                "name": "wind",
                "description": "speed and direction",
                "observationType": COMPLEX,
                "unitOfMeasurements": [MPS, {"name": "degree", "symbol": "deg", "definition": "d"}],
                "multiObservationDataTypes": [OM + "OM_Measurement", OM + "OM_Measurement"],
                "Sensor": sensor_body("anemometer"),
                "ObservedProperties": [property_body("wind speed"), property_body("wind direction")],
                "Observations": [{"phenomenonTime": "2024-01-01T00:00:00Z", "result": [3.5, 270]}],
            }
        ],
    }
    thing = created_id(client.post("/v1.1/Things", json=body))
    (md,) = values(client, f"/v1.1/Things({thing})/MultiDatastreams")
    assert md["name"] == "wind"
    assert [p["name"] for p in values(client, f"/v1.1/MultiDatastreams({md['@iot.id']})/ObservedProperties")] == ["wind speed", "wind direction"]
    (obs,) = values(client, f"/v1.1/MultiDatastreams({md['@iot.id']})/Observations")
    assert obs["result"] == [3.5, 270]
    feature = client.get(f"/v1.1/Observations({obs['@iot.id']})/FeatureOfInterest").json()
    assert feature["feature"] == {"type": "Point", "coordinates": [5.0, 52.0]}


def test_create_below_thing(client: TestClient, seed: dict[str, Any]) -> None:
    thing = seed["things"][1]
    body = multi_body(thing, [property_body("a"), property_body("b")])
    del body["Thing"]
    md = created_id(client.post(f"/v1.1/Things({thing})/MultiDatastreams", json=body))
    assert client.get(f"/v1.1/MultiDatastreams({md})/Thing").json()["@iot.id"] == thing


@pytest.mark.parametrize(
    "observation_type",
    [OM + "OM_Measurement", OM + "OM_Observation", "OM_ComplexObservation", ""],
)
def test_observation_type_must_be_complex(client: TestClient, seed: dict[str, Any], observation_type: str) -> None:
    before = counts(client)
    body = multi_body(seed["things"][0], [property_body("x"), property_body("y")], observationType=observation_type)
    assert_problem(client.post("/v1.1/MultiDatastreams", json=body), 400, "observationType")
    assert counts(client) == before


def test_observation_type_is_required(client: TestClient, seed: dict[str, Any]) -> None:
    body = multi_body(seed["things"][0], [property_body("x")])
    del body["observationType"]
    assert_problem(client.post("/v1.1/MultiDatastreams", json=body), 400, "observationType")


def test_observation_type_cannot_be_patched_away(client: TestClient, multi: dict[str, Any]) -> None:
    response = client.patch(f"/v1.1/MultiDatastreams({multi['id']})", json={"observationType": OM + "OM_Measurement"})
    assert_problem(response, 400, "observationType")
    assert client.get(f"/v1.1/MultiDatastreams({multi['id']})").json()["observationType"] == COMPLEX


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"unitOfMeasurements": [CELSIUS, PERCENT]}, id="fewer-units"),
        pytest.param({"multiObservationDataTypes": [OM + "OM_Measurement"] * 4}, id="more-types"),
        pytest.param({"ObservedProperties": [property_body("a fourth")]}, id="add-property"),
    ],
)
def test_patch_must_keep_array_lengths(client: TestClient, multi: dict[str, Any], change: dict[str, Any]) -> None:
    url = f"/v1.1/MultiDatastreams({multi['id']})"
    before = client.get(url).json()
    properties = count(client, "ObservedProperties")
    assert_problem(client.patch(url, json=change), 400)
    assert client.get(url).json() == before
    assert count(client, f"MultiDatastreams({multi['id']})/ObservedProperties") == 3
    assert count(client, "ObservedProperties") == properties


def test_patch_with_consistent_arrays(client: TestClient, multi: dict[str, Any]) -> None:
    url = f"/v1.1/MultiDatastreams({multi['id']})"
    units = [{**CELSIUS, "name": "celsius"}, PERCENT, MPS]
    response = client.patch(url, json={"unitOfMeasurements": units, "observationType": COMPLEX, "description": "renamed"})
    assert response.status_code == 200, response.text
    got = client.get(url).json()
    assert got["unitOfMeasurements"] == units
    assert got["description"] == "renamed"


@pytest.mark.parametrize(
    "how",
    [
        pytest.param("post-ref"),
        pytest.param("post-new"),
        pytest.param("post-reverse-ref"),
        pytest.param("delete-ref"),
    ],
)
def test_changing_observed_property_links_keeps_lengths(client: TestClient, multi: dict[str, Any], how: str) -> None:
    """Adding or removing one ObservedProperty link would break §12 (one per unitOfMeasurement)."""
    extra = created_id(client.post("/v1.1/ObservedProperties", json=property_body("pressure")))
    url = f"/v1.1/MultiDatastreams({multi['id']})/ObservedProperties"
    properties = count(client, "ObservedProperties")
    if how == "post-ref":
        response = client.post(f"{url}/$ref", json={"@iot.id": extra})
    elif how == "post-new":
        response = client.post(url, json=property_body("rain"))
    elif how == "post-reverse-ref":
        response = client.post(f"/v1.1/ObservedProperties({extra})/MultiDatastreams/$ref", json={"@iot.id": multi["id"]})
    else:
        response = client.delete(f"{url}({multi['properties'][0]})/$ref")
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == PROBLEM
    assert [p["@iot.id"] for p in values(client, url)] == multi["properties"]
    assert count(client, "ObservedProperties") == properties


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"unitOfMeasurements": [CELSIUS, PERCENT]}, None, id="fewer-units"),
        pytest.param({"multiObservationDataTypes": [OM + "OM_Measurement"] * 4}, None, id="more-types"),
        pytest.param({"ObservedProperties": [property_body("only one")]}, None, id="fewer-properties"),
        pytest.param({"unitOfMeasurements": [CELSIUS, PERCENT], "multiObservationDataTypes": [OM + "OM_Measurement"] * 2}, None, id="more-properties"),
        pytest.param({"unitOfMeasurements": CELSIUS}, "unitOfMeasurements", id="units-not-an-array"),
        pytest.param({"multiObservationDataTypes": None}, "multiObservationDataTypes", id="types-null"),
        pytest.param({"ObservedProperties": []}, "ObservedProperties", id="no-properties"),
    ],
)
def test_array_lengths_must_match(client: TestClient, seed: dict[str, Any], change: dict[str, Any], field: str | None) -> None:
    before = counts(client)
    body = multi_body(seed["things"][0], [property_body("t"), property_body("h"), property_body("w")])
    body.update(change)
    assert_problem(client.post("/v1.1/MultiDatastreams", json=body), 400, field)
    assert counts(client) == before  # neither the MultiDatastream nor its deep Sensor / ObservedProperties


@pytest.mark.parametrize("missing", ["Thing", "Sensor", "ObservedProperties", "unitOfMeasurements", "multiObservationDataTypes", "name"])
def test_required_parts(client: TestClient, seed: dict[str, Any], missing: str) -> None:
    body = multi_body(seed["things"][0], [property_body("t")])
    del body[missing]
    assert_problem(client.post("/v1.1/MultiDatastreams", json=body), 400)


# --- observations ------------------------------------------------------------------------------


def test_observations_with_array_results(client: TestClient, multi: dict[str, Any]) -> None:
    md = multi["id"]
    via_stream = client.post(f"/v1.1/MultiDatastreams({md})/Observations", json={"phenomenonTime": "2024-03-02T00:00:00Z", "result": [1.5, 60, 0]})
    via_link = client.post(
        "/v1.1/Observations",
        json={"phenomenonTime": "2024-03-02T01:00:00Z", "resultTime": "2024-03-02T01:00:05Z", "result": [2, 61, None], "MultiDatastream": {"@iot.id": md}},
    )
    first, second = created_id(via_stream), created_id(via_link)
    assert via_stream.json()["result"] == [1.5, 60, 0]
    got = client.get(f"/v1.1/Observations({second})").json()
    assert got["result"] == [2, 61, None]
    assert got["resultTime"] == "2024-03-02T01:00:05Z"
    for obs in (first, second):
        assert client.get(f"/v1.1/Observations({obs})/MultiDatastream").json()["@iot.id"] == md
        assert_problem(client.get(f"/v1.1/Observations({obs})/Datastream"), 404)
    # the FeatureOfInterest is generated from the Thing's Location and shared
    features = {client.get(f"/v1.1/Observations({o})/FeatureOfInterest").json()["@iot.id"] for o in (first, second)}
    assert len(features) == 1
    thing_location = values(client, f"/v1.1/Things({multi['thing']})/Locations")[0]["location"]
    assert client.get(f"/v1.1/FeaturesOfInterest({features.pop()})").json()["feature"] == thing_location
    assert count(client, f"MultiDatastreams({md})/Observations") == 5


def test_observation_with_explicit_feature(client: TestClient, multi: dict[str, Any]) -> None:
    feature = {"name": "park", "description": "a park", "encodingType": "application/geo+json", "feature": {"type": "Point", "coordinates": [4.9, 52.3]}}
    obs = created_id(client.post(f"/v1.1/MultiDatastreams({multi['id']})/Observations", json={"result": [1, 2, 3], "FeatureOfInterest": feature}))
    assert client.get(f"/v1.1/Observations({obs})/FeatureOfInterest").json()["name"] == "park"


@pytest.mark.parametrize(
    "result",
    [
        pytest.param([1, 2], id="too-short"),
        pytest.param([1, 2, 3, 4], id="too-long"),
        pytest.param([], id="empty"),
        pytest.param(5, id="scalar"),
        pytest.param({"a": 1, "b": 2, "c": 3}, id="object"),
        pytest.param(None, id="null"),
    ],
)
def test_wrong_result_length_is_400(client: TestClient, multi: dict[str, Any], result: Any) -> None:
    md = multi["id"]
    before = counts(client)
    assert_problem(client.post(f"/v1.1/MultiDatastreams({md})/Observations", json={"result": result}), 400, "result")
    assert_problem(client.post("/v1.1/Observations", json={"result": result, "MultiDatastream": {"@iot.id": md}}), 400, "result")
    obs = multi["observations"][0]
    assert_problem(client.patch(f"/v1.1/Observations({obs})", json={"result": result}), 400, "result")
    assert client.get(f"/v1.1/Observations({obs})").json()["result"] == [7.5, 80, 3.2]
    assert counts(client) == before


def test_observation_cannot_have_both_streams(client: TestClient, seed: dict[str, Any], multi: dict[str, Any]) -> None:
    body = {"result": [1, 2, 3], "MultiDatastream": {"@iot.id": multi["id"]}, "Datastream": {"@iot.id": seed["datastreams"][0]}}
    assert_problem(client.post("/v1.1/Observations", json=body), 400)


def test_observation_needs_a_stream(client: TestClient, multi: dict[str, Any]) -> None:
    assert_problem(client.post("/v1.1/Observations", json={"result": [1, 2, 3]}), 400)


def test_observation_of_unknown_multidatastream(client: TestClient, multi: dict[str, Any]) -> None:
    response = client.post("/v1.1/Observations", json={"result": [1, 2, 3], "MultiDatastream": {"@iot.id": 999}})
    assert 400 <= response.status_code < 500
    assert_problem(client.post("/v1.1/MultiDatastreams(999)/Observations", json={"result": [1, 2, 3]}), 404)


# --- reading and navigation ---------------------------------------------------------------------


def test_observed_properties_in_defined_order(client: TestClient, multi: dict[str, Any]) -> None:
    md = multi["id"]
    ordered = values(client, f"/v1.1/MultiDatastreams({md})/ObservedProperties")
    assert [p["@iot.id"] for p in ordered] == multi["properties"]
    assert [p["name"] for p in ordered] == ["temperature", "humidity", "wind"]
    # the order follows unitOfMeasurements, component by component
    units = client.get(f"/v1.1/MultiDatastreams({md})").json()["unitOfMeasurements"]
    assert [u["symbol"] for u in units] == ["degC", "%", "m/s"]
    counted = client.get(f"/v1.1/MultiDatastreams({md})/ObservedProperties?$count=true").json()
    assert counted["@iot.count"] == 3
    # an explicit $orderby wins
    by_name = values(client, f"/v1.1/MultiDatastreams({md})/ObservedProperties?$orderby=name")
    assert [p["name"] for p in by_name] == ["humidity", "temperature", "wind"]


def test_navigation_both_ways(client: TestClient, seed: dict[str, Any], multi: dict[str, Any]) -> None:
    md = multi["id"]
    for prop in multi["properties"]:
        assert [m["@iot.id"] for m in values(client, f"/v1.1/ObservedProperties({prop})/MultiDatastreams")] == [md]
        assert values(client, f"/v1.1/ObservedProperties({prop})/Datastreams") == []
    assert [m["@iot.id"] for m in values(client, f"/v1.1/Things({multi['thing']})/MultiDatastreams")] == [md]
    assert values(client, f"/v1.1/Things({seed['things'][1]})/MultiDatastreams") == []
    assert [m["@iot.id"] for m in values(client, f"/v1.1/Sensors({multi['sensor']})/MultiDatastreams")] == [md]
    assert values(client, f"/v1.1/Sensors({multi['sensor']})/Datastreams") == []
    for obs in multi["observations"]:
        got = client.get(f"/v1.1/Observations({obs})/MultiDatastream")
        assert got.status_code == 200
        assert got.json()["@iot.id"] == md
    assert client.get(f"/v1.1/MultiDatastreams({md})/Thing").json()["@iot.id"] == multi["thing"]
    assert client.get(f"/v1.1/MultiDatastreams({md})/Sensor").json()["@iot.id"] == multi["sensor"]
    assert [o["@iot.id"] for o in values(client, f"/v1.1/MultiDatastreams({md})/Observations")] == multi["observations"]
    # two hops
    assert [p["name"] for p in values(client, f"/v1.1/Observations({multi['observations'][0]})/MultiDatastream/ObservedProperties")] == [
        "temperature",
        "humidity",
        "wind",
    ]
    assert client.get(f"/v1.1/ObservedProperties({multi['properties'][0]})/MultiDatastreams({md})/Thing").json()["@iot.id"] == multi["thing"]
    # a MultiDatastream that does not belong to the path
    assert_problem(client.get(f"/v1.1/Things({seed['things'][1]})/MultiDatastreams({md})"), 404)
    # properties and $value
    assert client.get(f"/v1.1/MultiDatastreams({md})/name").json() == {"name": "weather"}
    assert client.get(f"/v1.1/MultiDatastreams({md})/name/$value").text == "weather"
    assert client.get(f"/v1.1/MultiDatastreams({md})/unitOfMeasurements").json()["unitOfMeasurements"][0] == CELSIUS


def test_navigation_links(client: TestClient, multi: dict[str, Any]) -> None:
    md = multi["id"]
    base = "http://testserver/v1.1"
    assert client.get(f"/v1.1/Things({multi['thing']})").json()["MultiDatastreams@iot.navigationLink"] == f"{base}/Things({multi['thing']})/MultiDatastreams"
    assert client.get(f"/v1.1/Sensors({multi['sensor']})").json()["MultiDatastreams@iot.navigationLink"] == f"{base}/Sensors({multi['sensor']})/MultiDatastreams"
    prop = multi["properties"][0]
    assert client.get(f"/v1.1/ObservedProperties({prop})").json()["MultiDatastreams@iot.navigationLink"] == f"{base}/ObservedProperties({prop})/MultiDatastreams"
    obs = multi["observations"][0]
    assert client.get(f"/v1.1/Observations({obs})").json()["MultiDatastream@iot.navigationLink"] == f"{base}/Observations({obs})/MultiDatastream"
    assert client.get(f"/v1.1/MultiDatastreams({md})").json()["Observations@iot.navigationLink"] == f"{base}/MultiDatastreams({md})/Observations"


def test_expand_multidatastreams_with_observations(client: TestClient, seed: dict[str, Any], multi: dict[str, Any]) -> None:
    thing = multi["thing"]
    one = client.get(f"/v1.1/Things({thing})?$expand=MultiDatastreams($expand=Observations)")
    assert one.status_code == 200, one.text
    (md,) = one.json()["MultiDatastreams"]
    assert md["@iot.id"] == multi["id"]
    assert [o["@iot.id"] for o in md["Observations"]] == multi["observations"]
    assert [o["result"] for o in md["Observations"]] == [[7.5, 80, 3.2], [8.0, 75, 4.1], [9.25, 70, 2.0]]
    assert "Observations@iot.nextLink" not in md

    many = values(client, "/v1.1/Things?$orderby=id&$expand=MultiDatastreams($expand=Observations($orderby=phenomenonTime desc;$top=2;$count=true))")
    assert [t["@iot.id"] for t in many] == seed["things"]
    assert many[1]["MultiDatastreams"] == []
    (md,) = many[0]["MultiDatastreams"]
    assert md["Observations@iot.count"] == 3
    assert [o["@iot.id"] for o in md["Observations"]] == multi["observations"][::-1][:2]
    assert "Observations@iot.nextLink" in md

    nested = client.get(f"/v1.1/Observations({multi['observations'][0]})?$expand=MultiDatastream($expand=ObservedProperties($select=name),Thing($select=name))").json()
    assert [p["name"] for p in nested["MultiDatastream"]["ObservedProperties"]] == ["temperature", "humidity", "wind"]
    assert nested["MultiDatastream"]["Thing"] == {"name": "Air sensor Markt"}

    from_property = client.get(f"/v1.1/ObservedProperties({multi['properties'][1]})?$expand=MultiDatastreams($select=id;$expand=Observations($select=result))").json()
    (md,) = from_property["MultiDatastreams"]
    assert [o["result"][1] for o in md["Observations"]] == [80, 75, 70]


def test_filters_on_multidatastream_paths(client: TestClient, seed: dict[str, Any], multi: dict[str, Any]) -> None:
    md = multi["id"]
    other = multi_body(seed["things"][1], [{"@iot.id": multi["properties"][0]}], name="garage climate")
    other_md = created_id(client.post("/v1.1/MultiDatastreams", json=other))

    def ids(url: str) -> list[int]:
        return [e["@iot.id"] for e in values(client, url)]

    assert ids("/v1.1/MultiDatastreams?$filter=name eq 'weather'") == [md]
    assert ids("/v1.1/MultiDatastreams?$filter=Thing/name eq 'Garage Centrum'") == [other_md]
    assert ids("/v1.1/MultiDatastreams?$filter=ObservedProperties/name eq 'wind'") == [md]
    assert ids("/v1.1/MultiDatastreams?$filter=ObservedProperties/name eq 'temperature'&$orderby=id") == [md, other_md]
    assert ids(f"/v1.1/Things({multi['thing']})/MultiDatastreams?$filter=name eq 'garage climate'") == []
    assert ids(f"/v1.1/ObservedProperties({multi['properties'][0]})/MultiDatastreams?$filter=Thing/name eq 'Garage Centrum'") == [other_md]
    assert ids("/v1.1/ObservedProperties?$filter=MultiDatastreams/name eq 'weather'&$orderby=id") == sorted(multi["properties"])
    assert ids("/v1.1/Things?$filter=MultiDatastreams/name eq 'weather'") == [multi["thing"]]
    assert ids(f"/v1.1/MultiDatastreams({md})/Observations?$filter=phenomenonTime gt 2024-03-01T10:30:00Z") == multi["observations"][1:]
    assert ids(f"/v1.1/MultiDatastreams({md})/Observations?$filter=phenomenonTime le 2024-03-01T11:00:00Z&$orderby=phenomenonTime desc") == multi["observations"][1::-1]
    assert ids("/v1.1/Observations?$filter=MultiDatastream/name eq 'weather'") == multi["observations"]
    assert ids("/v1.1/Observations?$filter=MultiDatastream/Thing/name eq 'Air sensor Markt'") == multi["observations"]
    assert ids(f"/v1.1/Observations?$filter=MultiDatastream/id eq {md} and phenomenonTime eq 2024-03-01T12:00:00Z") == multi["observations"][2:]
    counted = client.get(f"/v1.1/MultiDatastreams({md})/Observations?$count=true&$top=1").json()
    assert counted["@iot.count"] == 3
    assert len(counted["value"]) == 1
    assert "@iot.nextLink" in counted
    filtered = client.get(f"/v1.1/MultiDatastreams({md})/Observations?$count=true&$filter=phenomenonTime gt 2024-03-01T10:30:00Z").json()
    assert filtered["@iot.count"] == 2


# --- delete ------------------------------------------------------------------------------------


def test_delete_multidatastream_deletes_its_observations(client: TestClient, seed: dict[str, Any], multi: dict[str, Any]) -> None:
    md = multi["id"]
    before = counts(client)
    datastream_observations = count(client, f"Datastreams({seed['datastreams'][0]})/Observations")
    response = client.delete(f"/v1.1/MultiDatastreams({md})")
    assert response.status_code in (200, 204)
    assert_problem(client.get(f"/v1.1/MultiDatastreams({md})"), 404)
    for obs in multi["observations"]:
        assert_problem(client.get(f"/v1.1/Observations({obs})"), 404)
    after = counts(client)
    assert after["MultiDatastreams"] == before["MultiDatastreams"] - 1
    assert after["Observations"] == before["Observations"] - 3
    # the Thing, Sensor, ObservedProperties and FeaturesOfInterest remain
    assert after["Sensors"] == before["Sensors"]
    assert after["ObservedProperties"] == before["ObservedProperties"]
    assert after["FeaturesOfInterest"] == before["FeaturesOfInterest"]
    assert client.get(f"/v1.1/Things({multi['thing']})").status_code == 200
    assert values(client, f"/v1.1/Things({multi['thing']})/MultiDatastreams") == []
    assert values(client, f"/v1.1/ObservedProperties({multi['properties'][0]})/MultiDatastreams") == []
    assert count(client, f"Datastreams({seed['datastreams'][0]})/Observations") == datastream_observations


def test_delete_observed_property_deletes_multidatastreams_using_it(client: TestClient, seed: dict[str, Any], multi: dict[str, Any]) -> None:
    md = multi["id"]
    humidity = multi["properties"][1]
    unrelated = created_id(client.post("/v1.1/MultiDatastreams", json=multi_body(seed["things"][1], [property_body("noise")], name="noise")))
    created_id(client.post(f"/v1.1/MultiDatastreams({unrelated})/Observations", json={"result": [55]}))
    before = counts(client)
    datastreams = count(client, "Datastreams")
    response = client.delete(f"/v1.1/ObservedProperties({humidity})")
    assert response.status_code in (200, 204)
    assert_problem(client.get(f"/v1.1/MultiDatastreams({md})"), 404)
    for obs in multi["observations"]:
        assert_problem(client.get(f"/v1.1/Observations({obs})"), 404)
    assert client.get(f"/v1.1/MultiDatastreams({unrelated})").status_code == 200
    after = counts(client)
    assert after["MultiDatastreams"] == before["MultiDatastreams"] - 1
    assert after["Observations"] == before["Observations"] - 3
    assert after["ObservedProperties"] == before["ObservedProperties"] - 1
    # the other ObservedProperties of the deleted MultiDatastream and the Datastreams remain
    for prop in (multi["properties"][0], multi["properties"][2]):
        assert client.get(f"/v1.1/ObservedProperties({prop})").status_code == 200
        assert values(client, f"/v1.1/ObservedProperties({prop})/MultiDatastreams") == []
    assert count(client, "Datastreams") == datastreams
    assert count(client, f"MultiDatastreams({unrelated})/Observations") == 1


def test_delete_thing_or_sensor_deletes_multidatastreams(client: TestClient, multi: dict[str, Any]) -> None:
    assert client.delete(f"/v1.1/Sensors({multi['sensor']})").status_code in (200, 204)
    assert_problem(client.get(f"/v1.1/MultiDatastreams({multi['id']})"), 404)
    assert_problem(client.get(f"/v1.1/Observations({multi['observations'][0]})"), 404)
    for prop in multi["properties"]:
        assert client.get(f"/v1.1/ObservedProperties({prop})").status_code == 200


def test_delete_observation_of_multidatastream(client: TestClient, multi: dict[str, Any]) -> None:
    last = multi["observations"][-1]
    assert client.delete(f"/v1.1/Observations({last})").status_code in (200, 204)
    assert [o["@iot.id"] for o in values(client, f"/v1.1/MultiDatastreams({multi['id']})/Observations")] == multi["observations"][:-1]
    assert client.get(f"/v1.1/MultiDatastreams({multi['id']})").json()["phenomenonTime"] == "2024-03-01T10:00:00Z/2024-03-01T11:00:00Z"


# --- computed properties -----------------------------------------------------------------------


def test_phenomenon_time_extent(client: TestClient, seed: dict[str, Any], existing_properties: list[int]) -> None:
    md = created_id(client.post("/v1.1/MultiDatastreams", json=multi_body(seed["things"][1], [{"@iot.id": existing_properties[0]}])))
    url = f"/v1.1/MultiDatastreams({md})"
    assert client.get(url).json()["phenomenonTime"] is None
    client.post(f"{url}/Observations", json={"phenomenonTime": "2024-05-01T12:00:00Z", "result": [1]})
    assert client.get(url).json()["phenomenonTime"] == "2024-05-01T12:00:00Z/2024-05-01T12:00:00Z"
    client.post(f"{url}/Observations", json={"phenomenonTime": "2024-04-30T22:00:00+02:00", "result": [2]})
    assert client.get(url).json()["phenomenonTime"] == "2024-04-30T20:00:00Z/2024-05-01T12:00:00Z"
    client.post("/v1.1/Observations", json={"phenomenonTime": "2024-05-02T00:00:00Z/2024-05-03T00:00:00Z", "result": [3], "MultiDatastream": {"@iot.id": md}})
    got = client.get(url).json()
    assert got["phenomenonTime"] == "2024-04-30T20:00:00Z/2024-05-03T00:00:00Z"
    assert got["observedArea"] == {"type": "Point", "coordinates": [5.12, 52.10]}
    # $select of the computed property and filtering on it
    assert client.get(f"{url}?$select=phenomenonTime").json() == {"phenomenonTime": "2024-04-30T20:00:00Z/2024-05-03T00:00:00Z"}
    # the seed's Datastreams are not affected
    for ds in seed["datastreams"]:
        assert client.get(f"/v1.1/Datastreams({ds})").json()["phenomenonTime"].startswith("2024-03-01")


def test_result_time_extent(client: TestClient, multi: dict[str, Any]) -> None:
    url = f"/v1.1/MultiDatastreams({multi['id']})"
    assert client.get(url).json()["resultTime"] is None
    client.post(f"{url}/Observations", json={"phenomenonTime": "2024-03-01T13:00:00Z", "resultTime": "2024-03-01T13:00:10Z", "result": [1, 2, 3]})
    client.post(f"{url}/Observations", json={"phenomenonTime": "2024-03-01T14:00:00Z", "resultTime": "2024-03-01T14:00:10Z", "result": [1, 2, 3]})
    assert client.get(url).json()["resultTime"] == "2024-03-01T13:00:10Z/2024-03-01T14:00:10Z"


def test_read_only_extent_is_ignored_on_create(client: TestClient, seed: dict[str, Any]) -> None:
    body = multi_body(seed["things"][0], [property_body("t")], phenomenonTime="2000-01-01T00:00:00Z/2001-01-01T00:00:00Z")
    md = created_id(client.post("/v1.1/MultiDatastreams", json=body))
    assert client.get(f"/v1.1/MultiDatastreams({md})").json()["phenomenonTime"] is None


def test_version_1_0_serves_multidatastreams(client: TestClient, multi: dict[str, Any]) -> None:
    got = client.get(f"/v1.0/MultiDatastreams({multi['id']})")
    assert got.status_code == 200
    assert got.json()["@iot.selfLink"] == f"http://testserver/v1.0/MultiDatastreams({multi['id']})"


def test_datastream_observation_type_unaffected(client: TestClient, seed: dict[str, Any]) -> None:
    """Plain Datastreams keep their own observationType rules (not ComplexObservation)."""
    ds = client.get(f"/v1.1/Datastreams({seed['datastreams'][0]})").json()
    assert ds["observationType"] == MEASUREMENT
    assert ds["unitOfMeasurement"] == UGM3
