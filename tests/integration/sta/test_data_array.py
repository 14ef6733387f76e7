"""The dataArray extension (OGC 18-088 §14): reading Observations with `$resultFormat=dataArray`
and creating them in bulk with `POST CreateObservations`."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.sta.conftest import CELSIUS, COMPLEX, MEASUREMENT, assert_problem, created_id

pytestmark = pytest.mark.conformance("data-array")

BASE = "http://testserver/v1.1"
CREATE = "/v1.1/CreateObservations"
DEFAULT_COMPONENTS = ["id", "phenomenonTime", "result", "resultTime"]
ALL_COMPONENTS = ["id", "phenomenonTime", "result", "resultTime", "FeatureOfInterest/id", "parameters", "validTime", "resultQuality"]


# --- helpers -------------------------------------------------------------------------------------


def get_json(client: TestClient, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return response.json()


def count(client: TestClient, collection: str) -> int:
    return int(get_json(client, f"/v1.1/{collection}?$count=true&$top=0")["@iot.count"])



def observation_rows(client: TestClient, url: str, components: list[str]) -> list[list[Any]]:
    """What the dataArray rows should be, from the ordinary JSON representation."""
    sep = "&" if "?" in url else "?"
    entities = get_json(client, f"{url}{sep}$expand=FeatureOfInterest($select=id)&$top=1000")["value"]
    rows = []
    for entity in entities:
        row = []
        for component in components:
            if component == "id":
                row.append(entity["@iot.id"])
            elif component == "FeatureOfInterest/id":
                row.append(entity["FeatureOfInterest"]["@iot.id"])
            else:
                row.append(entity.get(component))  # an unset parameters may be left out of the JSON
        rows.append(row)
    return rows


def id_of(link: str) -> int:
    return int(link.rsplit("(", 1)[1].rstrip(")"))


def observation(client: TestClient, link: str) -> dict[str, Any]:
    assert link.startswith(f"{BASE}/Observations(")
    got = get_json(client, f"/v1.1/Observations({id_of(link)})?$expand=FeatureOfInterest($select=id),Datastream($select=id),MultiDatastream($select=id)")
    assert got["@iot.selfLink"] == link
    return got


@pytest.fixture
def data(client: TestClient, seed: dict[str, Any]) -> dict[str, Any]:
    """The seed plus: a fully populated Observation on the first Datastream, a MultiDatastream
    with two Observations, and a Thing with a Location and an empty Datastream."""
    pm10, temperature, vacancy = seed["datastreams"]
    feature = {"name": "kerb", "description": "the kerb", "encodingType": "application/geo+json", "feature": {"type": "Point", "coordinates": [5.101, 52.091]}}
    full = created_id(
        client.post(
            f"/v1.1/Datastreams({pm10})/Observations",
            json={
                "phenomenonTime": "2024-03-01T12:30:00Z/2024-03-01T12:45:00Z",
                "resultTime": "2024-03-01T12:46:00Z",
                "result": 18,
                "validTime": "2024-03-01T12:00:00Z/2024-03-02T00:00:00Z",
                "parameters": {"method": "beta", "flow": 2.3},
                "resultQuality": {"grade": "A"},
                "FeatureOfInterest": feature,
            },
        )
    )
    multi = created_id(
        client.post(
            "/v1.1/MultiDatastreams",
            json={
                "name": "climate",
                "description": "temperature and humidity",
                "observationType": COMPLEX,
                "unitOfMeasurements": [CELSIUS, {"name": "percent", "symbol": "%", "definition": "d"}],
                "multiObservationDataTypes": [MEASUREMENT, MEASUREMENT],
                "Thing": {"@iot.id": seed["things"][0]},
                "Sensor": {"name": "climate sensor", "description": "s", "encodingType": "application/pdf", "metadata": "m"},
                "ObservedProperties": [
                    {"name": "air temperature", "definition": "d", "description": "t"},
                    {"name": "relative humidity", "definition": "d", "description": "h"},
                ],
                "Observations": [
                    {"phenomenonTime": "2024-03-01T10:30:00Z", "result": [7.5, 81]},
                    {"phenomenonTime": "2024-03-01T11:30:00Z", "result": [8.25, 77]},
                ],
            },
        )
    )
    fresh_thing = created_id(
        client.post(
            "/v1.1/Things",
            json={
                "name": "Bridge",
                "description": "a bridge",
                "Locations": [{"name": "bridge", "description": "b", "encodingType": "application/geo+json", "location": {"type": "Point", "coordinates": [5.2, 52.2]}}],
                "Datastreams": [
                    {
                        "name": "water level",
                        "description": "w",
                        "unitOfMeasurement": {"name": "metre", "symbol": "m", "definition": "d"},
                        "observationType": MEASUREMENT,
                        "Sensor": {"name": "gauge", "description": "g", "encodingType": "application/pdf", "metadata": "m"},
                        "ObservedProperty": {"name": "water level", "definition": "d", "description": "w"},
                    }
                ],
            },
        )
    )
    (fresh,) = get_json(client, f"/v1.1/Things({fresh_thing})/Datastreams")["value"]
    return {
        "pm10": pm10,
        "temperature": temperature,
        "vacancy": vacancy,
        "full": full,
        "multi": multi,
        "fresh": fresh["@iot.id"],
        "fresh_thing": fresh_thing,
        "kerb": get_json(client, f"/v1.1/Observations({full})/FeatureOfInterest")["@iot.id"],
        "things": seed["things"],
    }


# === GET ?$resultFormat=dataArray ===================================================================


def test_datastream_observations_default_components(client: TestClient, data: dict[str, Any]) -> None:
    url = f"/v1.1/Datastreams({data['pm10']})/Observations"
    body = get_json(client, f"{url}?$resultFormat=dataArray")
    assert set(body) == {"value"}
    (group,) = body["value"]
    assert group["Datastream@iot.navigationLink"] == f"{BASE}/Datastreams({data['pm10']})"
    assert group["components"] == DEFAULT_COMPONENTS
    assert group["dataArray@iot.count"] == 4 == len(group["dataArray"])
    assert group["dataArray"] == observation_rows(client, url, DEFAULT_COMPONENTS)
    assert group["dataArray"][0] == [group["dataArray"][0][0], "2024-03-01T10:00:00Z", 12.5, None]
    assert group["dataArray"][3] == [data["full"], "2024-03-01T12:30:00Z/2024-03-01T12:45:00Z", 18, "2024-03-01T12:46:00Z"]


@pytest.mark.parametrize(
    "components",
    [
        pytest.param(["result"], id="result"),
        pytest.param(["phenomenonTime", "result"], id="time-result"),
        pytest.param(["result", "id"], id="order-as-given"),
        pytest.param(["FeatureOfInterest/id", "result"], id="feature"),
        pytest.param(["id", "parameters", "validTime", "resultQuality"], id="optional-properties"),
        pytest.param(ALL_COMPONENTS, id="all"),
        pytest.param(ALL_COMPONENTS[::-1], id="all-reversed"),
    ],
)
def test_select_chooses_components(client: TestClient, data: dict[str, Any], components: list[str]) -> None:
    url = f"/v1.1/Datastreams({data['pm10']})/Observations"
    (group,) = get_json(client, f"{url}?$resultFormat=dataArray&$select={','.join(components)}")["value"]
    assert group["components"] == components
    assert group["dataArray"] == observation_rows(client, url, components)
    assert all(len(row) == len(components) for row in group["dataArray"])


def test_full_observation_values(client: TestClient, data: dict[str, Any]) -> None:
    url = f"/v1.1/Datastreams({data['pm10']})/Observations?$filter=id eq {data['full']}&$resultFormat=dataArray&$select={','.join(ALL_COMPONENTS)}"
    (group,) = get_json(client, url)["value"]
    assert group["dataArray"] == [
        [
            data["full"],
            "2024-03-01T12:30:00Z/2024-03-01T12:45:00Z",
            18,
            "2024-03-01T12:46:00Z",
            data["kerb"],
            {"method": "beta", "flow": 2.3},
            "2024-03-01T12:00:00Z/2024-03-02T00:00:00Z",
            {"grade": "A"},
        ]
    ]


def test_select_with_iot_id(client: TestClient, data: dict[str, Any]) -> None:
    url = f"/v1.1/Datastreams({data['temperature']})/Observations"
    (group,) = get_json(client, f"{url}?$resultFormat=dataArray&$select=@iot.id,result")["value"]
    assert group["components"] == ["id", "result"]
    assert [row[1] for row in group["dataArray"]] == [7.5, 8]


def test_all_observations_grouped_by_stream(client: TestClient, data: dict[str, Any]) -> None:
    body = get_json(client, "/v1.1/Observations?$resultFormat=dataArray&$select=id,result")
    groups = body["value"]
    links = [g.get("Datastream@iot.navigationLink") or g["MultiDatastream@iot.navigationLink"] for g in groups]
    assert sorted(links) == sorted(
        [f"{BASE}/Datastreams({data[k]})" for k in ("pm10", "temperature", "vacancy")] + [f"{BASE}/MultiDatastreams({data['multi']})"]
    )
    assert len(set(links)) == len(links)  # one group per stream
    for group in groups:
        assert group["components"] == ["id", "result"]
        assert group["dataArray@iot.count"] == len(group["dataArray"])
        stream = group.get("Datastream@iot.navigationLink") or group["MultiDatastream@iot.navigationLink"]
        path = stream.removeprefix(BASE)
        assert group["dataArray"] == observation_rows(client, f"/v1.1{path}/Observations", ["id", "result"])
        assert ("Datastream@iot.navigationLink" in group) != ("MultiDatastream@iot.navigationLink" in group)
    total = sum(g["dataArray@iot.count"] for g in groups)
    assert total == count(client, "Observations") == 10


def test_interleaved_order_still_groups_by_stream(client: TestClient, data: dict[str, Any]) -> None:
    url = "/v1.1/Observations?$orderby=phenomenonTime desc&$resultFormat=dataArray&$select=id,phenomenonTime"
    groups = get_json(client, url)["value"]
    seen = [row[0] for g in groups for row in g["dataArray"]]
    assert sorted(seen) == sorted(o["@iot.id"] for o in get_json(client, "/v1.1/Observations?$select=id")["value"])
    for group in groups:
        times = [row[1] for row in group["dataArray"]]
        assert times == sorted(times, reverse=True)  # the requested order within each group


def test_multidatastream_observations(client: TestClient, data: dict[str, Any]) -> None:
    url = f"/v1.1/MultiDatastreams({data['multi']})/Observations"
    (group,) = get_json(client, f"{url}?$resultFormat=dataArray&$select=phenomenonTime,result,FeatureOfInterest/id")["value"]
    assert group["MultiDatastream@iot.navigationLink"] == f"{BASE}/MultiDatastreams({data['multi']})"
    assert "Datastream@iot.navigationLink" not in group
    assert group["dataArray@iot.count"] == 2
    feature = get_json(client, f"/v1.1/Observations?$filter=Datastream/id eq {data['pm10']}&$top=1&$expand=FeatureOfInterest($select=id)")["value"][0]
    same_place = feature["FeatureOfInterest"]["@iot.id"]  # generated from the same Thing's Location
    assert group["dataArray"] == [
        ["2024-03-01T10:30:00Z", [7.5, 81], same_place],
        ["2024-03-01T11:30:00Z", [8.25, 77], same_place],
    ]


def test_count_top_and_next_link(client: TestClient, data: dict[str, Any]) -> None:
    total = count(client, "Observations")
    url: str | None = "/v1.1/Observations?$resultFormat=dataArray&$count=true&$top=3&$orderby=id&$select=id"
    seen: list[int] = []
    pages = 0
    while url is not None:
        body = get_json(client, url)
        pages += 1
        assert body["@iot.count"] == total
        rows = [row[0] for g in body["value"] for row in g["dataArray"]]
        assert len(rows) <= 3
        for group in body["value"]:
            assert group["dataArray@iot.count"] == len(group["dataArray"])
            assert group["components"] == ["id"]
        seen.extend(rows)
        link = body.get("@iot.nextLink")
        if link is not None:
            assert link.startswith(f"{BASE}/Observations?")
            assert "$resultFormat=dataArray" in link
            url = link.removeprefix("http://testserver")
        else:
            url = None
    assert pages == -(-total // 3)
    assert seen == sorted(seen) and len(seen) == total == len(set(seen))


def test_count_with_filter(client: TestClient, data: dict[str, Any]) -> None:
    body = get_json(client, f"/v1.1/Datastreams({data['pm10']})/Observations?$resultFormat=dataArray&$count=true&$filter=result ge 18&$select=result")
    assert body["@iot.count"] == 3
    (group,) = body["value"]
    assert sorted(row[0] for row in group["dataArray"]) == [18, 20, 31.25]
    assert group["dataArray@iot.count"] == 3


def test_empty_collection(client: TestClient, data: dict[str, Any]) -> None:
    body = get_json(client, f"/v1.1/Datastreams({data['fresh']})/Observations?$resultFormat=dataArray&$count=true")
    assert body == {"@iot.count": 0, "value": []}


def test_data_array_only_for_observations(client: TestClient, data: dict[str, Any]) -> None:
    assert_problem(client.get("/v1.1/Things?$resultFormat=dataArray"), 400, "$resultFormat")
    assert_problem(client.get(f"/v1.1/Datastreams({data['pm10']})/Observations?$resultFormat=dataArrays"), 400, "$resultFormat")


def test_select_of_unknown_component_is_400(client: TestClient, data: dict[str, Any]) -> None:
    assert_problem(client.get("/v1.1/Observations?$resultFormat=dataArray&$select=id,nonsense"), 400)


# === POST CreateObservations ======================================================================


def test_create_observations_as_in_the_specification(client: TestClient, data: dict[str, Any]) -> None:
    pm10, temperature = data["pm10"], data["temperature"]
    before = count(client, "Observations")
    body = [
        {
            "Datastream": {"@iot.id": pm10},
            "components": ["phenomenonTime", "result", "FeatureOfInterest/id"],
            "dataArray@iot.count": 2,
            "dataArray": [["2010-12-23T10:20:00-0700", 20, data["kerb"]], ["2010-12-23T10:21:00-0700", 30, data["kerb"]]],
        },
        {
            "Datastream": {"@iot.id": temperature},
            "components": ["phenomenonTime", "result", "FeatureOfInterest/id"],
            "dataArray@iot.count": 2,
            "dataArray": [["2010-12-23T10:20:00-0700", 65, data["kerb"]], ["2010-12-23T10:21:00-0700", 60, data["kerb"]]],
        },
    ]
    response = client.post(CREATE, json=body)
    assert response.status_code == 201, response.text
    links = response.json()
    assert isinstance(links, list) and len(links) == 4
    got = [observation(client, link) for link in links]
    assert [o["result"] for o in got] == [20, 30, 65, 60]
    assert [o["phenomenonTime"] for o in got] == ["2010-12-23T17:20:00Z", "2010-12-23T17:21:00Z"] * 2
    assert [o["Datastream"]["@iot.id"] for o in got] == [pm10, pm10, temperature, temperature]
    assert all(o["FeatureOfInterest"]["@iot.id"] == data["kerb"] for o in got)
    assert all(o.get("MultiDatastream") is None for o in got)
    assert len({o["@iot.id"] for o in got}) == 4
    assert count(client, "Observations") == before + 4


def test_components_in_any_order_and_every_component(client: TestClient, data: dict[str, Any]) -> None:
    components = ["parameters", "result", "validTime", "FeatureOfInterest/id", "resultQuality", "resultTime", "phenomenonTime"]
    rows = [
        [{"k": 1}, 1.5, "2024-04-01T00:00:00Z/2024-04-02T00:00:00Z", data["kerb"], {"q": "good"}, "2024-04-01T10:05:00+02:00", "2024-04-01T10:00:00+02:00"],
        [None, "text", None, None, None, None, "2024-04-01T09:00:00Z/2024-04-01T09:30:00Z"],
        [{}, True, None, data["kerb"], [1, 2], "2024-04-01T12:00:00Z", "2010-12-23T10:20:00-07:00"],
        [None, {"nested": [1, {"a": None}]}, None, None, None, None, "2024-04-01T08:00:00.123Z"],
    ]
    response = client.post(CREATE, json=[{"Datastream": {"@iot.id": data["vacancy"]}, "components": components, "dataArray": rows}])
    assert response.status_code == 201, response.text
    got = [observation(client, link) for link in response.json()]
    assert [o["result"] for o in got] == [1.5, "text", True, {"nested": [1, {"a": None}]}]
    assert [o["phenomenonTime"] for o in got] == [
        "2024-04-01T08:00:00Z",
        "2024-04-01T09:00:00Z/2024-04-01T09:30:00Z",
        "2010-12-23T17:20:00Z",
        "2024-04-01T08:00:00.123Z",
    ]
    assert [o["resultTime"] for o in got] == ["2024-04-01T08:05:00Z", None, "2024-04-01T12:00:00Z", None]
    assert [o["validTime"] for o in got] == ["2024-04-01T00:00:00Z/2024-04-02T00:00:00Z", None, None, None]
    assert [o.get("parameters") for o in got] == [{"k": 1}, None, {}, None]
    assert [o["resultQuality"] for o in got] == [{"q": "good"}, None, [1, 2], None]
    garage_feature = get_json(client, f"/v1.1/Datastreams({data['vacancy']})/Observations?$top=1&$orderby=id&$expand=FeatureOfInterest($select=id)")["value"][0]
    assert [o["FeatureOfInterest"]["@iot.id"] for o in got] == [data["kerb"], garage_feature["FeatureOfInterest"]["@iot.id"], data["kerb"], garage_feature["FeatureOfInterest"]["@iot.id"]]


def test_round_trip_through_data_array(client: TestClient, data: dict[str, Any]) -> None:
    components = ["phenomenonTime", "result", "resultTime", "FeatureOfInterest/id", "parameters", "validTime", "resultQuality"]
    rows = [
        ["2024-05-01T00:00:00Z", 1, "2024-05-01T00:00:01Z", data["kerb"], {"a": 1}, "2024-05-01T00:00:00Z/2024-05-02T00:00:00Z", "ok"],
        ["2024-05-01T01:00:00Z/2024-05-01T02:00:00Z", 2.5, None, data["kerb"], None, None, None],
    ]
    response = client.post(CREATE, json=[{"Datastream": {"@iot.id": data["fresh"]}, "components": components, "dataArray": rows}])
    assert response.status_code == 201, response.text
    (group,) = get_json(client, f"/v1.1/Datastreams({data['fresh']})/Observations?$resultFormat=dataArray&$select={','.join(components)}")["value"]
    assert group["dataArray"] == rows


def test_multidatastream_and_datastream_documents(client: TestClient, data: dict[str, Any]) -> None:
    multi = data["multi"]
    body = [
        {"MultiDatastream": {"@iot.id": multi}, "components": ["result", "phenomenonTime"], "dataArray": [[[9, 70], "2024-03-02T00:00:00Z"], [[9.5, None], "2024-03-02T01:00:00Z"]]},
        {"Datastream": {"@iot.id": data["pm10"]}, "components": ["phenomenonTime", "result"], "dataArray": [["2024-03-02T00:00:00Z", 11]]},
        {"MultiDatastream": {"@iot.id": multi}, "components": ["phenomenonTime", "result"], "dataArray": [["2024-03-02T02:00:00Z", [10, 65]]]},
    ]
    response = client.post(CREATE, json=body)
    assert response.status_code == 201, response.text
    got = [observation(client, link) for link in response.json()]
    assert [o["result"] for o in got] == [[9, 70], [9.5, None], 11, [10, 65]]
    assert [(o.get("MultiDatastream") or {}).get("@iot.id") for o in got] == [multi, multi, None, multi]
    assert [(o.get("Datastream") or {}).get("@iot.id") for o in got] == [None, None, data["pm10"], None]
    assert get_json(client, f"/v1.1/MultiDatastreams({multi})")["phenomenonTime"] == "2024-03-01T10:30:00Z/2024-03-02T02:00:00Z"
    assert count(client, f"MultiDatastreams({multi})/Observations") == 5


def test_feature_generated_from_the_things_location(client: TestClient, data: dict[str, Any]) -> None:
    fresh = data["fresh"]
    features = count(client, "FeaturesOfInterest")
    body = [
        {"Datastream": {"@iot.id": fresh}, "components": ["phenomenonTime", "result"], "dataArray": [["2024-06-01T00:00:00Z", 1.25], ["2024-06-01T00:10:00Z", 1.5]]},
        {"Datastream": {"@iot.id": fresh}, "components": ["result", "FeatureOfInterest/id", "phenomenonTime"], "dataArray": [[1.75, None, "2024-06-01T00:20:00Z"], [2, data["kerb"], "2024-06-01T00:30:00Z"]]},
    ]
    response = client.post(CREATE, json=body)
    assert response.status_code == 201, response.text
    got = [observation(client, link) for link in response.json()]
    generated = {o["FeatureOfInterest"]["@iot.id"] for o in got[:3]}
    assert len(generated) == 1  # one FeatureOfInterest for the Location, shared
    assert got[3]["FeatureOfInterest"]["@iot.id"] == data["kerb"]
    assert count(client, "FeaturesOfInterest") == features + 1
    feature = get_json(client, f"/v1.1/FeaturesOfInterest({generated.pop()})")
    location = get_json(client, f"/v1.1/Things({data['fresh_thing']})/Locations")["value"][0]
    assert feature["feature"] == location["location"] == {"type": "Point", "coordinates": [5.2, 52.2]}
    assert feature["name"] == location["name"]
    # a second request reuses it
    again = client.post(CREATE, json=[{"Datastream": {"@iot.id": fresh}, "components": ["result"], "dataArray": [[3]]}])
    assert again.status_code == 201, again.text
    (link,) = again.json()
    assert observation(client, link)["FeatureOfInterest"]["@iot.id"] == got[0]["FeatureOfInterest"]["@iot.id"]
    assert count(client, "FeaturesOfInterest") == features + 1


def test_missing_phenomenon_time_defaults_to_now(client: TestClient, data: dict[str, Any]) -> None:
    response = client.post(CREATE, json=[{"Datastream": {"@iot.id": data["fresh"]}, "components": ["result"], "dataArray": [[1], [2]]}])
    assert response.status_code == 201, response.text
    times = [observation(client, link)["phenomenonTime"] for link in response.json()]
    assert all(t is not None and t.startswith("20") for t in times)


def test_extent_and_latest_reflect_the_inserts(client: TestClient, data: dict[str, Any]) -> None:
    pm10 = data["pm10"]
    stream_url = f"/v1.1/Datastreams({pm10})"
    assert get_json(client, stream_url)["phenomenonTime"] == "2024-03-01T10:00:00Z/2024-03-01T12:45:00Z"
    before = count(client, f"Datastreams({pm10})/Observations")
    rows = [
        ["2024-03-05T00:00:00Z", 3, "2024-03-05T00:00:05Z"],
        ["2024-03-07T00:00:00Z/2024-03-07T06:00:00Z", 5, "2024-03-07T06:00:05Z"],  # the latest, not last in the array
        ["2024-02-01T00:00:00Z", 1, None],
        ["2024-03-06T00:00:00Z", 4, "2024-01-01T00:00:00Z"],
    ]
    response = client.post(CREATE, json=[{"Datastream": {"@iot.id": pm10}, "components": ["phenomenonTime", "result", "resultTime"], "dataArray": rows}])
    assert response.status_code == 201, response.text
    links = response.json()
    stream = get_json(client, stream_url)
    assert stream["phenomenonTime"] == "2024-02-01T00:00:00Z/2024-03-07T06:00:00Z"
    assert stream["resultTime"] == "2024-01-01T00:00:00Z/2024-03-07T06:00:05Z"
    (latest,) = get_json(client, f"{stream_url}/Observations?$orderby=phenomenonTime desc&$top=1")["value"]
    assert latest["@iot.selfLink"] == links[1]
    assert latest["result"] == 5
    expanded = get_json(client, f"/v1.1/Datastreams?$filter=id eq {pm10}&$expand=Observations($orderby=phenomenonTime desc;$top=1)")
    assert [o["@iot.id"] for o in expanded["value"][0]["Observations"]] == [id_of(links[1])]
    (first,) = get_json(client, f"{stream_url}/Observations?$orderby=phenomenonTime&$top=1")["value"]
    assert first["@iot.selfLink"] == links[2]
    assert count(client, f"Datastreams({pm10})/Observations") == before + 4
    assert get_json(client, f"{stream_url}/Observations?$count=true&$top=0")["@iot.count"] == before + 4


@pytest.mark.parametrize(
    ("document", "field"),
    [
        pytest.param({"components": ["phenomenonTime", "result", "colour"], "dataArray": [["2024-01-01T00:00:00Z", 1, "red"]]}, "[1]/components", id="unknown-component"),
        pytest.param({"components": ["phenomenonTime", "id"], "dataArray": [["2024-01-01T00:00:00Z", 5]]}, "[1]/components", id="id-component"),
        pytest.param({"components": ["phenomenonTime"], "dataArray": [["2024-01-01T00:00:00Z"]]}, "[1]/components", id="no-result-component"),
        pytest.param({"components": "phenomenonTime,result", "dataArray": []}, "[1]/components", id="components-not-an-array"),
        pytest.param({"dataArray": [[1]]}, "[1]/components", id="no-components"),
        pytest.param({"components": ["phenomenonTime", "result"], "dataArray": [["2024-01-01T00:00:00Z", 1], ["2024-01-01T01:00:00Z", 2], ["2024-01-01T02:00:00Z"]]}, "[1]/dataArray[2]", id="row-too-short"),
        pytest.param({"components": ["phenomenonTime", "result"], "dataArray": [["2024-01-01T00:00:00Z", 1, 2]]}, "[1]/dataArray[0]", id="row-too-long"),
        pytest.param({"components": ["phenomenonTime", "result"], "dataArray": [["2024-01-01T00:00:00Z", 1], 7]}, "[1]/dataArray[1]", id="row-not-an-array"),
        pytest.param({"components": ["phenomenonTime", "result"], "dataArray": {"0": 1}}, "[1]/dataArray", id="data-array-not-an-array"),
        pytest.param(
            {"components": ["phenomenonTime", "result"], "dataArray": [[f"2024-01-01T0{n}:00:00Z", n] for n in range(7)] + [["2024-13-01T00:00:00Z", 7], ["2024-01-02T00:00:00Z", 8]]},
            "[1]/dataArray[7]/phenomenonTime",
            id="bad-time-in-row-7",
        ),
        pytest.param({"components": ["result", "phenomenonTime"], "dataArray": [[1, "2024-01-01T00:00:00Z/2023-01-01T00:00:00Z"]]}, "[1]/dataArray[0]/phenomenonTime", id="interval-backwards"),
        pytest.param({"components": ["result", "phenomenonTime"], "dataArray": [[1, 20240101]]}, "[1]/dataArray[0]/phenomenonTime", id="time-not-a-string"),
        pytest.param({"components": ["result", "resultTime"], "dataArray": [[1, "2024-01-01T00:00:00Z/2024-01-02T00:00:00Z"]]}, "[1]/dataArray[0]/resultTime", id="result-time-interval"),
        pytest.param({"components": ["result", "validTime"], "dataArray": [[1, "2024-01-01T00:00:00Z"]]}, "[1]/dataArray[0]/validTime", id="valid-time-instant"),
        pytest.param({"components": ["result", "parameters"], "dataArray": [[1, [1, 2]]]}, "[1]/dataArray[0]/parameters", id="parameters-not-an-object"),
        pytest.param({"components": ["result", "FeatureOfInterest/id"], "dataArray": [[1, "kerb"]]}, "[1]/dataArray[0]/FeatureOfInterest/id", id="feature-id-not-an-id"),
        pytest.param({"components": ["phenomenonTime", "result"], "dataArray": [["2024-01-01T00:00:00Z", 1], ["2024-01-01T01:00:00Z", "a\u0000b"]]}, "[1]/dataArray[1]/result", id="nul-in-text-result"),
        pytest.param({"components": ["result", "parameters"], "dataArray": [[1.5, {"note": "\u0000"}]]}, "[1]/dataArray[0]/parameters", id="nul-in-parameters"),
        pytest.param({"components": ["result", "resultQuality"], "dataArray": [[2, ["ok", "\u0000"]]]}, "[1]/dataArray[0]/resultQuality", id="nul-in-quality"),
    ],
)
def test_invalid_document_stores_nothing(client: TestClient, data: dict[str, Any], document: dict[str, Any], field: str) -> None:
    """A valid document (whose rows would generate a FeatureOfInterest) before the bad one: the
    request is refused as a whole, naming the bad part, and nothing is stored."""
    state = _state(client, data)
    good = {"Datastream": {"@iot.id": data["fresh"]}, "components": ["phenomenonTime", "result"], "dataArray": [["2024-01-01T00:00:00Z", 1], ["2024-01-01T00:10:00Z", 2]]}
    bad = {"Datastream": {"@iot.id": data["pm10"]}, **document}
    problem = assert_problem(client.post(CREATE, json=[good, bad]), 400, field)
    assert problem["detail"]
    assert _state(client, data) == state


@pytest.mark.parametrize(
    ("document", "status", "field"),
    [
        pytest.param({"Datastream": {"@iot.id": 9999}}, (400, 404), "[1]/Datastream", id="unknown-datastream"),
        pytest.param({"MultiDatastream": {"@iot.id": 9999}}, (400, 404), "[1]/MultiDatastream", id="unknown-multidatastream"),
        pytest.param({"Datastream": {"@iot.id": "x"}}, (400,), "[1]/Datastream/@iot.id", id="datastream-id-not-an-id"),
        pytest.param({"Datastream": 1}, (400,), "[1]/Datastream", id="datastream-not-a-link"),
        pytest.param({}, (400,), None, id="no-datastream"),
    ],
)
def test_unknown_or_missing_stream_stores_nothing(client: TestClient, data: dict[str, Any], document: dict[str, Any], status: tuple[int, ...], field: str | None) -> None:
    state = _state(client, data)
    good = {"Datastream": {"@iot.id": data["fresh"]}, "components": ["result"], "dataArray": [[1]]}
    bad = {"components": ["phenomenonTime", "result"], "dataArray": [["2024-01-01T00:00:00Z", [1, 2]]], **document}
    response = client.post(CREATE, json=[good, bad])
    assert response.status_code in status, response.text
    assert_problem(response, response.status_code, field)
    assert _state(client, data) == state


def test_unknown_feature_of_interest_stores_nothing(client: TestClient, data: dict[str, Any]) -> None:
    state = _state(client, data)
    body = [
        {"Datastream": {"@iot.id": data["fresh"]}, "components": ["result"], "dataArray": [[1]]},
        {"Datastream": {"@iot.id": data["pm10"]}, "components": ["result", "FeatureOfInterest/id"], "dataArray": [[1, data["kerb"]], [2, 9999]]},
    ]
    response = client.post(CREATE, json=body)
    assert 400 <= response.status_code < 500, response.text
    problem = assert_problem(response, response.status_code)
    assert "FeatureOfInterest" in problem.get("field", "")
    assert "9999" in problem["detail"]
    assert _state(client, data) == state


def test_wrong_multidatastream_result_stores_nothing(client: TestClient, data: dict[str, Any]) -> None:
    state = _state(client, data)
    body = [
        {"MultiDatastream": {"@iot.id": data["multi"]}, "components": ["result"], "dataArray": [[[1, 2]], [[1, 2, 3]]]},
    ]
    assert_problem(client.post(CREATE, json=body), 400, "[0]/dataArray[1]/result")
    assert_problem(client.post(CREATE, json=[{**body[0], "dataArray": [[5]]}]), 400, "[0]/dataArray[0]/result")
    assert _state(client, data) == state


def test_both_stream_kinds_in_one_document_is_400(client: TestClient, data: dict[str, Any]) -> None:
    state = _state(client, data)
    body = [{"Datastream": {"@iot.id": data["pm10"]}, "MultiDatastream": {"@iot.id": data["multi"]}, "components": ["result"], "dataArray": [[1]]}]
    assert_problem(client.post(CREATE, json=body), 400)
    assert _state(client, data) == state


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"Datastream": {"@iot.id": 1}, "components": ["result"], "dataArray": [[1]]}, id="object-not-array"),
        pytest.param(["not a document"], id="document-not-an-object"),
        pytest.param(None, id="null"),
    ],
)
def test_malformed_body(client: TestClient, data: dict[str, Any], body: Any) -> None:
    state = _state(client, data)
    assert_problem(client.post(CREATE, json=body), 400)
    assert _state(client, data) == state


def test_not_json(client: TestClient, data: dict[str, Any]) -> None:
    assert_problem(client.post(CREATE, content=b"[", headers={"Content-Type": "application/json"}), 400)
    assert_problem(client.post(CREATE, content=b"a,b", headers={"Content-Type": "text/csv"}), 415)


def test_empty_requests(client: TestClient, data: dict[str, Any]) -> None:
    state = _state(client, data)
    for body in ([], [{"Datastream": {"@iot.id": data["pm10"]}, "components": ["result"], "dataArray": []}]):
        response = client.post(CREATE, json=body)
        assert response.status_code == 201, response.text
        assert response.json() == []
    assert _state(client, data) == state


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_create_observations_takes_only_post(client: TestClient, method: str) -> None:
    assert_problem(client.request(method, CREATE), 405)


def test_create_observations_on_version_1_0(client: TestClient, data: dict[str, Any]) -> None:
    response = client.post("/v1.0/CreateObservations", json=[{"Datastream": {"@iot.id": data["pm10"]}, "components": ["result"], "dataArray": [[1]]}])
    assert response.status_code == 201, response.text
    (link,) = response.json()
    assert link.startswith("http://testserver/v1.0/Observations(")


def _state(client: TestClient, data: dict[str, Any]) -> dict[str, Any]:
    """Everything a failed CreateObservations could have touched."""
    return {
        "observations": count(client, "Observations"),
        "features": count(client, "FeaturesOfInterest"),
        "ids": [o["@iot.id"] for o in get_json(client, "/v1.1/Observations?$select=id&$orderby=id&$top=1000")["value"]],
        "streams": [
            {k: v for k, v in get_json(client, f"/v1.1/Datastreams({data[k2]})").items() if k in ("phenomenonTime", "resultTime", "observedArea")}
            for k2 in ("pm10", "fresh")
        ],
        "multi": get_json(client, f"/v1.1/MultiDatastreams({data['multi']})")["phenomenonTime"],
        "counts": [count(client, f"Datastreams({data[k]})/Observations") for k in ("pm10", "fresh")],
    }
