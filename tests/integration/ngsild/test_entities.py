"""Conformance of the NGSI-LD entity operations (ETSI GS CIM 009 v1.9 clause 5.6, 5.7, 6.4–6.7),
written from the spec's text: request, status, body. Both backends."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.ngsild.conftest import BASE, CONTEXT_LINK_REL, air, assert_ngsi_problem

CORE = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld"


def create(client: TestClient, entity: dict[str, Any]) -> None:
    response = client.post(f"{BASE}/entities", json=entity)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"{BASE}/entities/{entity['id']}"  # 6.4.3.1: Location header
    assert response.content == b""


def test_create_then_retrieve_gives_the_entity_back(client: TestClient) -> None:
    create(client, air())
    response = client.get(f"{BASE}/entities/urn:ngsi-ld:AirQualityObserved:markt")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert (
        CORE in response.headers["link"] and CONTEXT_LINK_REL in response.headers["link"]
    )  # 6.3.5: JSON: @context in Link
    assert response.json() == air()  # what was written, in the normalized representation


def test_second_create_is_already_exists(client: TestClient) -> None:
    create(client, air())
    assert_ngsi_problem(client.post(f"{BASE}/entities", json=air(no2=1)), 409, "AlreadyExists", "id")


def test_json_ld_in_and_out(client: TestClient) -> None:
    body = {**air(), "@context": [CORE]}
    response = client.post(f"{BASE}/entities", json=body, headers={"Content-Type": "application/ld+json"})
    assert response.status_code == 201, response.text
    got = client.get(f"{BASE}/entities/{air()['id']}", headers={"Accept": "application/ld+json"})
    assert got.headers["content-type"] == "application/ld+json" and "link" not in got.headers
    assert got.json()["@context"] == CORE and got.json()["no2"]["value"] == 31.5


def test_representations(client: TestClient) -> None:
    create(client, air())
    url = f"{BASE}/entities/{air()['id']}"
    assert client.get(url, params={"options": "keyValues"}).json() == {
        "id": air()["id"], "type": "AirQualityObserved", "no2": 31.5, "pm10": 12, "name": "Luchtmeetpunt markt",
        "dataProvider": "gemeente", "location": {"type": "Point", "coordinates": [6.09, 52.51]},
    }  # fmt: skip
    assert client.get(url, params={"format": "simplified", "attrs": "no2"}).json() == {
        "id": air()["id"],
        "type": "AirQualityObserved",
        "no2": 31.5,
    }
    concise = client.get(url, params={"options": "concise"}).json()
    assert concise["no2"] == {"value": 31.5, "observedAt": "2026-05-01T10:00:00Z", "unitCode": "GQ"}
    assert concise["name"] == "Luchtmeetpunt markt"
    assert client.get(url, params={"pick": "id,no2"}).json() == {"id": air()["id"], "no2": air()["no2"]}
    assert "no2" not in client.get(url, params={"omit": "no2"}).json()
    geo = client.get(url, headers={"Accept": "application/geo+json"})
    assert geo.headers["content-type"] == "application/geo+json"
    assert geo.json()["type"] == "Feature" and geo.json()["geometry"] == {"type": "Point", "coordinates": [6.09, 52.51]}
    assert geo.json()["properties"]["no2"]["value"] == 31.5
    assert_ngsi_problem(client.get(url, params={"options": "fancy"}), 400, "BadRequestData", "options")
    assert client.get(url, headers={"Accept": "text/csv"}).status_code == 406


def test_retrieve_unknown_is_resource_not_found(client: TestClient) -> None:
    assert_ngsi_problem(client.get(f"{BASE}/entities/urn:ngsi-ld:Thing:999"), 404, "ResourceNotFound")


def test_query_filters_count_and_paging(client: TestClient) -> None:
    values = [5.0, 20.0, 31.5, 41.0, 50.0]
    for index, value in enumerate(values):
        create(client, air(f"p{index}", value, lon=6.09 + index / 100))
    url = f"{BASE}/entities"

    def ids(params: dict[str, str]) -> list[str]:
        response = client.get(url, params=params)
        assert response.status_code == 200, response.text
        return [e["id"] for e in response.json()]

    everything = [air(f"p{i}")["id"] for i in range(5)]
    assert ids({"type": "AirQualityObserved"}) == everything
    assert ids({"type": "WeatherObserved"}) == []
    assert ids({"type": "AirQualityObserved", "q": "no2>20"}) == [
        air(f"p{i}")["id"] for i, v in enumerate(values) if v > 20
    ]
    assert ids({"q": "no2>=20;no2<45"}) == [air(f"p{i}")["id"] for i, v in enumerate(values) if 20 <= v < 45]
    assert ids({"q": '(no2<10|no2>45);name=="Luchtmeetpunt p4"'}) == [air("p4")["id"]]
    assert ids({"id": f"{everything[1]},{everything[3]}"}) == [everything[1], everything[3]]
    assert ids({"idPattern": ".*:p[0-2]$"}) == everything[:3]
    assert ids({"attrs": "pm25"}) == []
    # geo: within 1.5 km of the first one (the others are 0.01° ≈ 680 m of longitude apart each)
    near = {"georel": "near;maxDistance==1500", "geometry": "Point", "coordinates": "[6.09,52.51]"}
    assert ids(near) == everything[:3]
    square = "[[[6.085,52.5],[6.115,52.5],[6.115,52.52],[6.085,52.52],[6.085,52.5]]]"
    assert ids({"georel": "within", "geometry": "Polygon", "coordinates": square}) == everything[:3]
    # paging, count, Link next/prev
    page = client.get(url, params={"type": "AirQualityObserved", "limit": "2", "offset": "2", "count": "true"})
    assert [e["id"] for e in page.json()] == everything[2:4]
    assert page.headers["ngsild-results-count"] == "5"
    links = page.headers["link"]
    assert (
        'rel="next"' in links
        and "offset=4" in links
        and 'rel="prev"' in links
        and "offset=0" in links
        and CONTEXT_LINK_REL in links
    )
    only_count = client.get(url, params={"type": "AirQualityObserved", "limit": "0", "count": "true"})
    assert only_count.json() == [] and only_count.headers["ngsild-results-count"] == "5"
    geojson = client.get(
        url, params={"type": "AirQualityObserved", "limit": "2"}, headers={"Accept": "application/geo+json"}
    ).json()
    assert geojson["type"] == "FeatureCollection" and [f["id"] for f in geojson["features"]] == everything[:2]


@pytest.mark.parametrize(
    ("params", "kind", "field", "status"),
    [({"q": "no2>>3"}, "BadRequestData", "q", 400), ({"q": "(no2>3"}, "BadRequestData", "q", 400),
     ({"type": "T", "georel": "near", "geometry": "Point", "coordinates": "[1,2]"}, "BadRequestData", "georel", 400),
     ({"type": "T", "georel": "within", "geometry": "Polygon", "coordinates": "[[1,2]"}, "BadRequestData", "coordinates", 400),
     ({"type": "T", "limit": "-1"}, "BadRequestData", "limit", 400), ({"type": "T", "limit": "5000"}, "TooManyResults", "limit", 403),
     ({"type": "T", "offset": "x"}, "BadRequestData", "offset", 400), ({"idPattern": "("}, "BadRequestData", "idPattern", 400),
     ({}, "BadRequestData", "type", 400), ({"type": "T", "count": "yes"}, "BadRequestData", "count", 400),
     ({"type": "T", "scopeQ": "/Veenhaven/#"}, "OperationNotSupported", "scopeQ", 422)],
)  # fmt: skip
def test_bad_query_parameters(client: TestClient, params: dict[str, str], kind: str, field: str, status: int) -> None:
    assert_ngsi_problem(client.get(f"{BASE}/entities", params=params), status, kind, field)


def test_bad_bodies_and_headers(client: TestClient) -> None:
    url = f"{BASE}/entities"
    assert_ngsi_problem(
        client.post(url, content=b"{no json", headers={"Content-Type": "application/json"}),
        400,
        "InvalidRequest",
        "body",
    )
    assert_ngsi_problem(client.post(url, json={"type": "T"}), 400, "BadRequestData", "id")
    assert_ngsi_problem(client.post(url, json={**air(), "scope": "/Veenhaven/Centrum"}), 422, "OperationNotSupported", "scope")
    assert_ngsi_problem(
        client.post(url, json={**air(), "no2": {"type": "Property"}}), 400, "BadRequestData", "no2.value"
    )
    assert_ngsi_problem(
        client.post(url, json={**air(), "@context": CORE}), 400, "BadRequestData", "@context"
    )  # JSON has no @context
    assert_ngsi_problem(
        client.post(url, json=air(), headers={"Content-Type": "application/ld+json"}), 400, "BadRequestData", "@context"
    )
    unknown = {**air(), "@context": "https://example.org/unknown.jsonld"}
    assert_ngsi_problem(
        client.post(url, json=unknown, headers={"Content-Type": "application/ld+json"}),
        503,
        "LdContextNotAvailable",
        "@context",
    )
    link = (
        '<https://example.org/unknown.jsonld>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
    )
    assert_ngsi_problem(client.post(url, json=air(), headers={"Link": link}), 503, "LdContextNotAvailable", "Link")
    assert_ngsi_problem(
        client.get(url, params={"type": "T"}, headers={"Link": link}), 503, "LdContextNotAvailable", "Link"
    )
    assert client.post(url, content=b"<x/>", headers={"Content-Type": "application/xml"}).status_code == 415
    assert_ngsi_problem(
        client.get(url, params={"type": "T"}, headers={"NGSILD-Tenant": "zwolle"}),
        404,
        "NonexistentTenant",
        "NGSILD-Tenant",
    )
    sdm = '<https://smartdatamodels.org/context.jsonld>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
    accepted = client.post(url, json=air(), headers={"Link": sdm})  # a bundled context: accepted, and answered in it
    assert accepted.status_code == 201, accepted.text
    assert (
        "smartdatamodels.org/context.jsonld"
        in client.get(f"{url}/{air()['id']}", headers={"Link": sdm}).headers["link"]
    )


def test_update_append_and_delete_attributes(client: TestClient) -> None:
    create(client, air())
    url = f"{BASE}/entities/{air()['id']}"
    # 6.6.3.2 update: 204 when all are updated; 207 UpdateResult naming those that are not
    assert (
        client.patch(
            f"{url}/attrs", json={"no2": {"type": "Property", "value": 40, "observedAt": "2026-05-01T11:00:00Z"}}
        ).status_code
        == 204
    )
    partly = client.patch(
        f"{url}/attrs", json={"no2": {"value": 41, "observedAt": "2026-05-01T12:00:00Z"}, "so2": {"value": 2}}
    )
    assert partly.status_code == 207 and partly.json()["updated"] == ["no2"]
    assert [a["attributeName"] for a in partly.json()["notUpdated"]] == ["so2"]
    assert client.get(url).json()["no2"] == {
        "type": "Property",
        "value": 41,
        "observedAt": "2026-05-01T12:00:00Z",
        "unitCode": "GQ",
    }
    # 6.6.3.1 append: new attributes (a numeric one becomes a Datastream), noOverwrite keeps existing ones
    assert (
        client.post(
            f"{url}/attrs", json={"so2": {"value": 2.5, "observedAt": "2026-05-01T12:00:00Z"}, "status": "ok"}
        ).status_code
        == 204
    )
    kept = client.post(f"{url}/attrs?options=noOverwrite", json={"status": "broken"})
    assert kept.status_code == 207 and kept.json()["notUpdated"][0]["attributeName"] == "status"
    entity = client.get(url, params={"options": "keyValues"}).json()
    assert entity["so2"] == 2.5 and entity["status"] == "ok"
    # 6.7.3.1 partial attribute update, 6.7.3.2 delete attribute
    assert client.patch(f"{url}/attrs/status", json={"value": "maintenance"}).status_code == 204
    assert client.get(url, params={"options": "keyValues"}).json()["status"] == "maintenance"
    assert_ngsi_problem(client.patch(f"{url}/attrs/nope", json={"value": 1}), 404, "ResourceNotFound")
    assert client.delete(f"{url}/attrs/so2").status_code == 204
    assert client.delete(f"{url}/attrs/status").status_code == 204
    assert "so2" not in client.get(url).json() and "status" not in client.get(url).json()
    assert_ngsi_problem(client.delete(f"{url}/attrs/so2"), 404, "ResourceNotFound")
    assert_ngsi_problem(
        client.patch(f"{BASE}/entities/urn:ngsi-ld:X:404/attrs", json={"a": 1}), 404, "ResourceNotFound"
    )


def test_delete_entity(client: TestClient) -> None:
    create(client, air())
    url = f"{BASE}/entities/{air()['id']}"
    assert client.delete(url).status_code == 204
    assert_ngsi_problem(client.get(url), 404, "ResourceNotFound")
    assert_ngsi_problem(client.delete(url), 404, "ResourceNotFound")
    assert client.get("/v1.1/Datastreams").json()["value"] == []  # cascaded on the SensorThings side
    create(client, air())  # the id is free again


def test_types_and_attributes_discovery(client: TestClient) -> None:
    create(client, air("a"))
    create(client, air("b"))
    weather = {"id": "urn:ngsi-ld:WeatherObserved:w", "type": "WeatherObserved", "temperature": {"value": 12.5, "unitCode": "CEL"},
               "location": {"type": "Point", "coordinates": [6.1, 52.5]}}  # fmt: skip
    create(client, weather)
    types = client.get(f"{BASE}/types").json()
    assert types["type"] == "EntityTypeList" and types["typeList"] == ["AirQualityObserved", "WeatherObserved"]
    detailed = client.get(f"{BASE}/types", params={"details": "true"}).json()
    assert detailed[1] == {
        "id": "WeatherObserved",
        "type": "EntityType",
        "typeName": "WeatherObserved",
        "attributeNames": ["location", "temperature"],
    }
    info = client.get(f"{BASE}/types/AirQualityObserved").json()
    assert info["type"] == "EntityTypeInfo" and info["entityCount"] == 2
    assert {a["attributeName"]: a["attributeTypes"] for a in info["attributeDetails"]}["location"] == ["GeoProperty"]
    assert_ngsi_problem(client.get(f"{BASE}/types/Unicorn"), 404, "ResourceNotFound")
    attributes = client.get(f"{BASE}/attributes").json()
    assert attributes["attributeList"] == ["dataProvider", "location", "name", "no2", "pm10", "temperature"]
    no2 = client.get(f"{BASE}/attributes/no2").json()
    assert (
        no2["attributeCount"] == 2
        and no2["typeNames"] == ["AirQualityObserved"]
        and no2["attributeTypes"] == ["Property"]
    )
    assert_ngsi_problem(client.get(f"{BASE}/attributes/nope"), 404, "ResourceNotFound")


def test_odd_input_is_never_a_server_error(client: TestClient) -> None:
    create(client, air())
    url, one = f"{BASE}/entities", f"{BASE}/entities/{air()['id']}"
    queries = ["q=no2==\"\u00e9%00\"", "q=" + "(" * 200 + "no2>1" + ")" * 200, "q=" + "(" * 5000 + "no2>1" + ")" * 5000, "q=a[b.c]>1;d.e|f", "q=no2==2026-13-45T99:99:99Z",
               "georel=near;maxDistance==1e999&geometry=Point&coordinates=[1,2]", "georel=within&geometry=Polygon&coordinates=[[[0,0],[1,1],[0,0]]]",
               "georel=near;maxDistance==10&geometry=Point&coordinates=[\"a\",\"b\"]", "type=A&limit=99999999999", "type=A&offset=-3",
               "idPattern=[", "id=,", "attrs=", "type=A&options=keyValues,concise", "type=A&pick=a&attrs=b", "type=A&geometryProperty=nope"]  # fmt: skip
    for query in queries:
        response = client.get(f"{url}?{query}", headers={"Accept": "application/geo+json"})
        assert response.status_code < 500, (query, response.text)
    bodies: list[object] = [[], [1, 2], "text", None, {"id": 5, "type": "T"}, {"id": "urn:x:1", "type": ["A", "B"]},
                            {**air("z"), "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": "x"}}},
                            {**air("z"), "no2": {"type": "Property", "value": 1, "observedAt": 5}}, {**air("z"), "": 1}]  # fmt: skip
    for body in bodies:
        for method, path in (("POST", url), ("PATCH", f"{one}/attrs"), ("POST", f"{one}/attrs"), ("POST", f"{BASE}/entityOperations/upsert"),
                             ("PATCH", f"{one}/attrs/no2"), ("POST", f"{BASE}/entityOperations/delete")):  # fmt: skip
            response = client.request(method, path, json=body)
            assert response.status_code < 500, (method, path, body, response.text)
            if response.status_code >= 400 and response.status_code != 415:  # no body: no Content-Type
                assert response.json()["type"].startswith("https://uri.etsi.org/ngsi-ld/errors/"), response.text
