"""One behaviour check per requirement URI the service root declares (`stadsdata/api/sta/conformance.py`):
each does a request or two of that requirement against a server holding the `seed` city of
`conftest.py`, and asserts what OGC 18-088 says must come back. Expectations are computed from
the data the server itself returns, not written down.

The MQTT checks are in `test_conformance.py`: they need the embedded broker."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from stadsdata.api.sta.conformance import REQ
from tests.integration.sta.conftest import (
    COMPLEX,
    MEASUREMENT,
    UGM3,
    assert_problem,
    created_id,
    stream_body,
    thing_body,
)

Check = Callable[[TestClient], None]
V = "/v1.1"

# 18-088 §8.2: per entity, its set, its properties (mandatory ones first, then the optional
# ones, which an entity may leave out when they are null) and its navigation properties.
DATAMODEL: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "thing": ("Things", ("name", "description"), ("properties",), ("Locations", "HistoricalLocations", "Datastreams")),
    "location": ("Locations", ("name", "description", "encodingType", "location"), ("properties",), ("Things", "HistoricalLocations")),
    "historical-location": ("HistoricalLocations", ("time",), (), ("Thing", "Locations")),
    "datastream": (
        "Datastreams",
        ("name", "description", "unitOfMeasurement", "observationType"),
        ("observedArea", "phenomenonTime", "resultTime", "properties"),
        ("Thing", "Sensor", "ObservedProperty", "Observations"),
    ),
    "sensor": ("Sensors", ("name", "description", "encodingType", "metadata"), ("properties",), ("Datastreams",)),
    "observed-property": ("ObservedProperties", ("name", "definition", "description"), ("properties",), ("Datastreams",)),
    "observation": (
        "Observations",
        ("phenomenonTime", "result"),
        ("resultTime", "resultQuality", "validTime", "parameters"),
        ("Datastream", "FeatureOfInterest"),
    ),
    "feature-of-interest": ("FeaturesOfInterest", ("name", "description", "encodingType", "feature"), ("properties",), ("Observations",)),
}
TO_MANY = {"Things", "Locations", "HistoricalLocations", "Datastreams", "Observations"}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def values(client: TestClient, url: str) -> list[dict[str, Any]]:
    return list(ok(client.get(url))["value"])


def first(client: TestClient, set_name: str) -> dict[str, Any]:
    return values(client, f"{V}/{set_name}?$top=1&$orderby=id")[0]


def relative(link: str) -> str:
    return link.removeprefix("http://testserver")


def counts(client: TestClient) -> dict[str, int]:
    sets = [e["name"] for e in ok(client.get(V))["value"]]
    return {s: ok(client.get(f"{V}/{s}?$count=true&$top=0"))["@iot.count"] for s in sets}


def pm10_results(client: TestClient) -> tuple[int, list[float]]:
    (stream,) = values(client, f"{V}/Datastreams?$filter=name eq 'pm10 Markt'")
    results = [o["result"] for o in values(client, f"{V}/Datastreams({stream['@iot.id']})/Observations")]
    return stream["@iot.id"], results


# -- Sensing Core -------------------------------------------------------------------------------


def properties_of(entity: str) -> Check:
    set_name, mandatory, optional, _ = DATAMODEL[entity]

    def check(client: TestClient) -> None:
        got = first(client, set_name)
        assert all(got.get(name) is not None for name in mandatory), (mandatory, got)
        assert set(got) - {"@iot.id", "@iot.selfLink"} <= {*mandatory, *optional} | {k for k in got if k.endswith("@iot.navigationLink")}
        every = ok(client.get(f"{V}/{set_name}(%d)?$select={','.join(mandatory + optional)}" % got["@iot.id"]))
        assert set(every) <= {*mandatory, *optional}, every

    return check


def relations_of(entity: str) -> Check:
    set_name, _, _, navigation = DATAMODEL[entity]

    def check(client: TestClient) -> None:
        got = first(client, set_name)
        for name in navigation:
            link = got[f"{name}@iot.navigationLink"]
            assert link == f"{got['@iot.selfLink']}/{name}"
            related = ok(client.get(relative(link)))
            if name in TO_MANY:
                assert isinstance(related["value"], list), (name, related)
            else:
                assert isinstance(related["@iot.id"], int), (name, related)

    return check


def common_control_information(client: TestClient) -> None:
    for set_name, *_ in DATAMODEL.values():
        entity = first(client, set_name)
        assert isinstance(entity["@iot.id"], int)
        assert entity["@iot.selfLink"] == f"http://testserver{V}/{set_name}({entity['@iot.id']})"
        assert ok(client.get(relative(entity["@iot.selfLink"]))) == entity


def resource_path_to_entities(client: TestClient) -> None:
    listed = {e["name"]: e["url"] for e in ok(client.get(V))["value"]}  # the service root (§9.2.1)
    for set_name, *_ in DATAMODEL.values():
        assert listed[set_name] == f"http://testserver{V}/{set_name}"
    thing = first(client, "Things")
    path = f"{V}/Things({thing['@iot.id']})"
    stream = values(client, f"{path}/Datastreams")[0]
    locations = values(client, f"{V}/Datastreams({stream['@iot.id']})/Thing/Locations")
    assert [loc["@iot.id"] for loc in locations] == [loc["@iot.id"] for loc in values(client, f"{path}/Locations")]
    assert ok(client.get(f"{path}/name")) == {"name": thing["name"]}
    assert client.get(f"{path}/name/$value").text == thing["name"]
    refs = values(client, f"{path}/Datastreams/$ref")
    assert all(set(ref) == {"@iot.selfLink"} for ref in refs) and len(refs) == len(values(client, f"{path}/Datastreams"))
    assert_problem(client.get(f"{V}/Things({thing['@iot.id']})/Datastreams(999999)"), 404)


# -- Filtering extension (request data) ---------------------------------------------------------


def status_code(client: TestClient) -> None:
    for path in ("", "/Things", "/Observations?$top=1"):
        assert client.get(f"{V}{path}").status_code == 200


def query_status_code(client: TestClient) -> None:
    for query in ("$filter=name eq", "$top=-1", "$orderby=nothing", "$expand=Nothing"):
        assert_problem(client.get(f"{V}/Things?{query}"), 400)


def order(client: TestClient) -> None:
    """$filter, then $count, $orderby, $skip, $top (§9.3.2)."""
    stream, results = pm10_results(client)
    page = ok(client.get(f"{V}/Datastreams({stream})/Observations?$filter=result gt 15&$orderby=result desc&$skip=1&$top=1&$count=true"))
    kept = sorted((r for r in results if r > 15), reverse=True)
    assert [o["result"] for o in page["value"]] == kept[1:2]
    assert page["@iot.count"] == len(kept)


def expand(client: TestClient) -> None:
    for thing in values(client, f"{V}/Things?$expand=Datastreams($select=id)"):
        linked = values(client, f"{V}/Things({thing['@iot.id']})/Datastreams?$select=id")
        assert [d["@iot.id"] for d in thing["Datastreams"]] == [d["@iot.id"] for d in linked]


def select(client: TestClient) -> None:
    assert all(set(t) == {"name"} for t in values(client, f"{V}/Things?$select=name"))


def orderby(client: TestClient) -> None:
    names = [t["name"] for t in values(client, f"{V}/Things?$orderby=name desc")]
    assert names == sorted(names, reverse=True) and len(names) > 1


def top(client: TestClient) -> None:
    page = ok(client.get(f"{V}/Observations?$top=2"))
    assert len(page["value"]) == 2 and "@iot.nextLink" in page


def skip(client: TestClient) -> None:
    everything = [o["@iot.id"] for o in values(client, f"{V}/Observations?$orderby=id")]
    assert [o["@iot.id"] for o in values(client, f"{V}/Observations?$orderby=id&$skip=2")] == everything[2:]


def count(client: TestClient) -> None:
    everything = values(client, f"{V}/Observations?$top=1000")
    assert ok(client.get(f"{V}/Observations?$count=true&$top=1"))["@iot.count"] == len(everything)


def filter_(client: TestClient) -> None:
    thing = first(client, "Things")
    assert [t["@iot.id"] for t in values(client, f"{V}/Things?$filter=name eq '{thing['name']}'")] == [thing["@iot.id"]]


def built_in_filter_operations(client: TestClient) -> None:
    stream, results = pm10_results(client)
    got = values(client, f"{V}/Datastreams({stream})/Observations?$filter=(result mul 2 sub 10 gt 20 and not (result ge 30)) or result eq 12.5")
    assert sorted(o["result"] for o in got) == sorted(r for r in results if (r * 2 - 10 > 20 and not r >= 30) or r == 12.5)


def built_in_query_functions(client: TestClient) -> None:
    things = values(client, f"{V}/Things")
    got = values(client, f"{V}/Things?$filter=startswith(name,'Air') and length(name) gt 3 and substringof('sensor',tolower(name))")
    assert [t["name"] for t in got] == [t["name"] for t in things if t["name"].startswith("Air") and "sensor" in t["name"].lower()]
    years = {o["phenomenonTime"][:4] for o in values(client, f"{V}/Observations?$top=1000")}
    for year in years:
        assert values(client, f"{V}/Observations?$filter=year(phenomenonTime) eq {year}&$top=1")
    near = values(client, f"{V}/Locations?$filter=geo.distance(location, geography'POINT(5.10 52.09)') lt 0.001")
    assert [loc["location"]["coordinates"] for loc in near] == [[5.10, 52.09]]


def pagination(client: TestClient) -> None:
    everything = [o["@iot.id"] for o in values(client, f"{V}/Observations?$orderby=id&$top=1000")]
    page, seen = ok(client.get(f"{V}/Observations?$orderby=id&$top=2")), []
    while True:
        seen += [o["@iot.id"] for o in page["value"]]
        if "@iot.nextLink" not in page:
            break
        page = ok(client.get(relative(page["@iot.nextLink"])))
    assert seen == everything


# -- Create-Update-Delete -----------------------------------------------------------------------

SENSOR = {"name": "thermometer", "description": "a sensor", "encodingType": "application/pdf", "metadata": "https://example.org/t.pdf"}
LOCATION = {"name": "Dam", "description": "square", "encodingType": "application/geo+json", "location": {"type": "Point", "coordinates": [4.89, 52.37]}}


def create_entity(client: TestClient) -> None:
    response = client.post(f"{V}/Sensors", json=SENSOR)
    new = created_id(response)
    assert response.json() == ok(client.get(relative(response.headers["location"]))) and response.json()["@iot.id"] == new


def link_to_existing_entities(client: TestClient) -> None:
    thing, sensor, observed = first(client, "Things"), first(client, "Sensors"), first(client, "ObservedProperties")
    links = {"Thing": thing, "Sensor": sensor, "ObservedProperty": observed}
    body = {"name": "linked", "description": "d", "unitOfMeasurement": UGM3, "observationType": MEASUREMENT}
    stream = created_id(client.post(f"{V}/Datastreams", json={**body, **{k: {"@iot.id": v["@iot.id"]} for k, v in links.items()}}))
    for name, entity in links.items():
        assert ok(client.get(f"{V}/Datastreams({stream})/{name}"))["@iot.id"] == entity["@iot.id"]


def deep_insert(client: TestClient) -> None:
    before = counts(client)
    body = thing_body("Deep", 5.2, 52.2, [stream_body("deep", "deep", UGM3, [("2024-03-02T10:00:00Z", 1)])])
    thing = created_id(client.post(f"{V}/Things", json=body))
    after = counts(client)
    grown = {name for name in after if after[name] > before[name]}
    expected = {"Things", "Locations", "HistoricalLocations", "Datastreams", "Sensors", "ObservedProperties", "Observations", "FeaturesOfInterest"}
    assert grown == expected
    (stream,) = values(client, f"{V}/Things({thing})/Datastreams?$expand=Sensor,ObservedProperty,Observations")
    assert stream["Sensor"]["name"] == "deep sensor" and stream["ObservedProperty"]["name"] == "deep"
    assert [o["result"] for o in stream["Observations"]] == [1]


def deep_insert_status_code(client: TestClient) -> None:
    before = counts(client)
    body = thing_body("Broken", 5.2, 52.2, [stream_body("broken", "broken", UGM3, [])])
    del body["Datastreams"][0]["Sensor"]["encodingType"]
    assert_problem(client.post(f"{V}/Things", json=body), 400, "Datastreams[0]/Sensor/encodingType")
    assert counts(client) == before


def update_entity(client: TestClient) -> None:
    thing = first(client, "Things")
    updated = ok(client.patch(f"{V}/Things({thing['@iot.id']})", json={"description": "patched"}))
    assert updated == {**thing, "description": "patched"} == ok(client.get(f"{V}/Things({thing['@iot.id']})"))


def update_entity_put(client: TestClient) -> None:
    thing = first(client, "Things")
    assert thing.get("properties") is not None
    updated = ok(client.put(f"{V}/Things({thing['@iot.id']})", json={"name": "replaced", "description": "whole"}))
    assert (updated["name"], updated["description"], updated.get("properties")) == ("replaced", "whole", None)


def update_entity_jsonpatch(client: TestClient) -> None:
    thing = first(client, "Things")
    operations = [{"op": "replace", "path": "/name", "value": "json-patched"}, {"op": "add", "path": "/properties/colour", "value": "red"}]
    response = client.patch(f"{V}/Things({thing['@iot.id']})", content=json.dumps(operations), headers={"Content-Type": "application/json-patch+json"})
    updated = ok(response)
    assert updated["name"] == "json-patched" and updated["properties"] == {**thing["properties"], "colour": "red"}


def delete_entity(client: TestClient) -> None:
    thing = first(client, "Things")
    streams = values(client, f"{V}/Things({thing['@iot.id']})/Datastreams?$select=id")
    assert client.delete(f"{V}/Things({thing['@iot.id']})").status_code in (200, 204)
    assert_problem(client.get(f"{V}/Things({thing['@iot.id']})"), 404)
    for stream in streams:  # a Thing's Datastreams go with it (§10.4)
        assert_problem(client.get(f"{V}/Datastreams({stream['@iot.id']})"), 404)


def historical_location_auto_creation(client: TestClient) -> None:
    thing = first(client, "Things")["@iot.id"]
    before = values(client, f"{V}/Things({thing})/HistoricalLocations?$select=id")
    location = created_id(client.post(f"{V}/Locations", json=LOCATION))
    ok(client.patch(f"{V}/Things({thing})", json={"Locations": [{"@iot.id": location}]}))
    history = values(client, f"{V}/Things({thing})/HistoricalLocations?$orderby=id&$expand=Locations($select=id)")
    assert len(history) == len(before) + 1
    assert [loc["@iot.id"] for loc in history[-1]["Locations"]] == [location]


# -- Batch, MultiDatastream, Data Array ---------------------------------------------------------


def batch_request(client: TestClient) -> None:
    thing = first(client, "Things")
    requests = [
        {"id": "read", "method": "GET", "url": f"Things({thing['@iot.id']})"},
        {"id": "make", "method": "POST", "url": "Sensors", "body": SENSOR},
        {"id": "fail", "method": "GET", "url": "Things(999999)"},
    ]
    responses = {r["id"]: r for r in ok(client.post(f"{V}/$batch", json={"requests": requests}))["responses"]}
    assert {k: r["status"] for k, r in responses.items()} == {"read": 200, "make": 201, "fail": 404}
    assert responses["read"]["body"] == thing
    assert ok(client.get(relative(responses["make"]["headers"]["location"])))["name"] == SENSOR["name"]


def _multi(client: TestClient, width: int = 2) -> int:
    thing, sensor = first(client, "Things"), first(client, "Sensors")
    observed = [{"name": f"part {i}", "definition": f"https://example.org/{i}", "description": "part"} for i in range(width)]
    body = {
        "name": "wind", "description": "speed and direction", "observationType": COMPLEX,
        "unitOfMeasurements": [UGM3] * width, "multiObservationDataTypes": [MEASUREMENT] * width,
        "Thing": {"@iot.id": thing["@iot.id"]}, "Sensor": {"@iot.id": sensor["@iot.id"]}, "ObservedProperties": observed,
    }  # fmt: skip
    return created_id(client.post(f"{V}/MultiDatastreams", json=body))


def multi_datastream_properties(client: TestClient) -> None:
    multi = ok(client.get(f"{V}/MultiDatastreams({_multi(client)})"))
    assert multi["observationType"] == COMPLEX
    assert len(multi["unitOfMeasurements"]) == len(multi["multiObservationDataTypes"]) == 2


def multi_datastream_relations(client: TestClient) -> None:
    multi = _multi(client)
    observation = created_id(client.post(f"{V}/MultiDatastreams({multi})/Observations", json={"result": [3.5, 270]}))
    assert len(values(client, f"{V}/MultiDatastreams({multi})/ObservedProperties")) == 2
    for name in ("Thing", "Sensor"):
        assert ok(client.get(f"{V}/MultiDatastreams({multi})/{name}"))["@iot.id"]
    assert ok(client.get(f"{V}/Observations({observation})/MultiDatastream"))["@iot.id"] == multi
    assert [o["result"] for o in values(client, f"{V}/MultiDatastreams({multi})/Observations")] == [[3.5, 270]]


def multi_datastream_constraints(client: TestClient) -> None:
    multi = _multi(client)
    assert_problem(client.post(f"{V}/MultiDatastreams({multi})/Observations", json={"result": [1]}), 400, "result")
    assert_problem(client.patch(f"{V}/MultiDatastreams({multi})", json={"unitOfMeasurements": [UGM3]}), 400)


def data_array(client: TestClient) -> None:
    stream, results = pm10_results(client)
    document = ok(client.get(f"{V}/Datastreams({stream})/Observations?$resultFormat=dataArray&$select=result"))
    (block,) = document["value"]
    assert block["components"] == ["result"] and [row[0] for row in block["dataArray"]] == results
    rows = [["2024-03-03T10:00:00Z", 1], ["2024-03-03T11:00:00Z", 2]]
    created = ok(client.post(f"{V}/CreateObservations", json=[{"Datastream": {"@iot.id": stream}, "components": ["phenomenonTime", "result"], "dataArray": rows}]), 201)
    assert [ok(client.get(relative(link)))["result"] for link in created] == [1, 2]


CHECKS: dict[str, Check] = {
    REQ + "datamodel/entity-control-information/common-control-information": common_control_information,
    **{REQ + f"datamodel/{entity}/properties": properties_of(entity) for entity in DATAMODEL},
    **{REQ + f"datamodel/{entity}/relations": relations_of(entity) for entity in DATAMODEL},
    REQ + "resource-path/resource-path-to-entities": resource_path_to_entities,
    REQ + "request-data/status-code": status_code,
    REQ + "request-data/query-status-code": query_status_code,
    REQ + "request-data/order": order,
    REQ + "request-data/expand": expand,
    REQ + "request-data/select": select,
    REQ + "request-data/orderby": orderby,
    REQ + "request-data/top": top,
    REQ + "request-data/skip": skip,
    REQ + "request-data/count": count,
    REQ + "request-data/filter": filter_,
    REQ + "request-data/built-in-filter-operations": built_in_filter_operations,
    REQ + "request-data/built-in-query-functions": built_in_query_functions,
    REQ + "request-data/pagination": pagination,
    REQ + "create-update-delete/create-entity": create_entity,
    REQ + "create-update-delete/link-to-existing-entities": link_to_existing_entities,
    REQ + "create-update-delete/deep-insert": deep_insert,
    REQ + "create-update-delete/deep-insert-status-code": deep_insert_status_code,
    REQ + "create-update-delete/update-entity": update_entity,
    REQ + "create-update-delete/update-entity-put": update_entity_put,
    REQ + "create-update-delete/update-entity-jsonpatch": update_entity_jsonpatch,
    REQ + "create-update-delete/delete-entity": delete_entity,
    REQ + "create-update-delete/historical-location-auto-creation": historical_location_auto_creation,
    REQ + "batch-request/batch-request": batch_request,
    REQ + "multi-datastream/properties": multi_datastream_properties,
    REQ + "multi-datastream/relations": multi_datastream_relations,
    REQ + "multi-datastream/constraints": multi_datastream_constraints,
    REQ + "data-array/data-array": data_array,
}
