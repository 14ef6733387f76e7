"""Query entities (ETSI GS CIM 009 v1.9 clause 6.4.3.2, 4.9 the query language, 4.10 geo-queries,
5.5.9 paging) answered by the store in SQL (`selection.py`, `pushdown.py`), on both backends:
each answer — the page, in order, and `NGSILD-Results-Count` — is the one the entities mapped
in the server and filtered one by one give (`retrieval.run` over every visible entity, the first
slice's way), on a city of mixed Things: entities created over NGSI-LD and plain SensorThings
Things whose type follows from the mapping rule, with multi-attributes, streams without an
observation, JSON, text and boolean results, a polygon location and attributes kept as
non-numeric ones."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.datastructures import QueryParams

from stadsdata.access.policy import ANONYMOUS, OpenAccess
from stadsdata.api.ngsild.entities import load
from stadsdata.api.ngsild.representation import render, view
from stadsdata.api.ngsild.retrieval import entity_query, run
from stadsdata.store.base import Store
from tests.integration.ngsild.conftest import BASE, air, assert_ngsi_problem

WHEN = "2026-05-01T10:00:00Z"
UNIT = {"name": "degree Celsius", "symbol": "°C", "definition": "x"}


def stream(name: str, result: Any = None, when: str = WHEN) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name, "description": name, "unitOfMeasurement": UNIT, "observationType": "x",
        "Sensor": {"name": "s", "description": "s", "encodingType": "text/html", "metadata": "x"},
        "ObservedProperty": {"name": name, "definition": "x", "description": name},
    }  # fmt: skip
    if result is not None:
        body["Observations"] = [{"phenomenonTime": when, "result": result}]
    return body


def thing(name: str, location: dict[str, Any] | None, *streams: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "description": "d", "Datastreams": list(streams)}
    if location is not None:
        body["Locations"] = [
            {"name": "l", "description": "l", "encodingType": "application/geo+json", "location": location}
        ]
    return body


def point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


@pytest.fixture
def city(client: TestClient) -> TestClient:
    for index, value in enumerate([5.0, 20.0, 31.5, 41.0, 50.0, 30.0]):
        entity = air(f"p{index}", value, lon=6.09 + index / 1000, lat=52.51, when=f"2026-05-0{index + 1}T10:00:00Z")
        if index == 3:
            entity["status"] = {"type": "Property", "value": "on"}  # kept: a non-numeric attribute
        if index == 4:
            entity["no2"]["unitCode"] = "59"
        assert client.post(f"{BASE}/entities", json=entity).status_code == 201
    weather = {"id": "urn:ngsi-ld:WeatherObserved:w1", "type": "WeatherObserved",
               "temperature": {"type": "Property", "value": 12.5, "observedAt": WHEN},
               "location": {"type": "GeoProperty", "value": point(6.2, 52.6)}}  # fmt: skip
    assert client.post(f"{BASE}/entities", json=weather).status_code == 201
    square = {"type": "Polygon", "coordinates": [[[6.0, 52.0], [6.01, 52.0], [6.01, 52.01], [6.0, 52.01], [6.0, 52.0]]]}
    things = [
        thing("plain air", point(6.0905, 52.5101), stream("NO2", 33.0), stream("PM10", 7)),
        thing("twice", point(6.3, 52.3), stream("temperature", 18.0), stream("temperature", 40.0)),  # a multi-attribute
        thing("charger", point(6.1, 52.5), stream("charging", "Available"), stream("temperature", 25.0)),
        thing("meter", square, stream("energy delivered", 120.5), stream("flag", True)),
        thing("list", point(6.7, 52.7), stream("no2", [1, 40, 3])),  # a JSON result
        thing("empty", None, stream("no2")),  # no observation yet, no Location
        thing("text", point(6.5, 52.9), stream("no2", "high")),
    ]
    for body in things:
        assert client.post("/v1.1/Things", json=body).status_code == 201, body
    return client


def brute_force(store: Store, params: dict[str, str]) -> tuple[list[dict[str, Any]], int]:
    """The first slice's answer: every visible entity mapped, filtered and paged in the server
    (and shown as the query asks: `attrs`)."""
    query = entity_query(QueryParams(params))
    page, total = run(query, load(store, OpenAccess(), ANONYMOUS, "test"))
    return [render(e, view(QueryParams(params))) for e in page], total


QUERIES: list[dict[str, str]] = [
    {"type": "AirQualityObserved"},
    {"type": "WeatherObserved,EVChargingStation"},
    {"type": "Thing|WeatherObserved"},
    {"type": "OffStreetParking"},
    {"id": "urn:ngsi-ld:AirQualityObserved:p1,urn:ngsi-ld:AirQualityObserved:p9"},
    {"idPattern": "urn:ngsi-ld:AirQualityObserved:p[0-3]"},
    {"idPattern": "urn:ngsi-ld:(Weather|Thing).*"},
    {"idPattern": "(?i)URN:NGSI-LD:AIR.*"},  # Python-only syntax: decided in the server
    {"idPattern": ".*"},
    {"attrs": "temperature"},
    {"attrs": "status,energyDelivered"},
    {"attrs": "name"},
    {"q": "no2>30"},
    {"q": "no2>=30;no2<45"},
    {"q": "no2==30..41"},
    {"q": "no2!=30..41"},
    {"q": "no2==5,20,33"},
    {"q": "no2!=20"},
    {"q": 'no2=="high"'},
    {"q": 'no2~="hi.*"'},
    {"q": 'no2!~="^h"'},
    {"q": 'no2~="(?i)HIGH"'},  # Python-only syntax: decided in the server
    {"q": "no2==40"},  # inside a JSON list: decided in the server
    {"q": "temperature>30"},  # of a multi-attribute: its default instance
    {"q": "temperature"},
    {"q": 'status=="on"'},  # a kept attribute
    {"q": "status"},
    {"q": "flag==true"},
    {"q": "flag!=false"},
    {"q": "energyDelivered>100|temperature<20"},
    {"q": "(no2>40|no2<10);pm10==12"},
    {"q": "no2.observedAt>=2026-05-03T00:00:00Z"},
    {"q": "no2.observedAt==2026-05-02T10:00:00Z,2026-05-04T10:00:00Z"},
    {"q": 'no2.unitCode=="59"'},  # a sub-attribute other than observedAt: decided in the server
    {"q": 'name=="plain air"'},
    {"q": 'id=="urn:ngsi-ld:AirQualityObserved:p2"'},
    {"q": "status.observedAt"},
    {"georel": "near;maxDistance==200", "geometry": "Point", "coordinates": "[6.09,52.51]"},
    {"georel": "near;minDistance==20000", "geometry": "Point", "coordinates": "[6.09,52.51]"},
    {"georel": "near;maxDistance==1000", "geometry": "Point", "coordinates": "[6.005,52.005]"},  # a polygon's point
    {
        "georel": "within",
        "geometry": "Polygon",
        "coordinates": "[[[6.0,52.4],[6.2,52.4],[6.2,52.6],[6.0,52.6],[6.0,52.4]]]",
    },
    {"georel": "intersects", "geometry": "Point", "coordinates": "[6.005,52.005]"},
    {"georel": "contains", "geometry": "Point", "coordinates": "[6.005,52.005]"},
    {
        "georel": "disjoint",
        "geometry": "Polygon",
        "coordinates": "[[[6.0,52.4],[6.2,52.4],[6.2,52.6],[6.0,52.6],[6.0,52.4]]]",
    },
    {"georel": "equals", "geometry": "Point", "coordinates": "[6.2,52.6]"},
    {
        "georel": "overlaps",
        "geometry": "Polygon",
        "coordinates": "[[[6.005,52.005],[6.02,52.005],[6.02,52.02],[6.005,52.02],[6.005,52.005]]]",
    },
    {"georel": "near;maxDistance==5000", "geometry": "Point", "coordinates": "[6.09,52.51]", "geoproperty": "other"},
    {
        "type": "AirQualityObserved",
        "q": "no2>10",
        "georel": "near;maxDistance==300",
        "geometry": "Point",
        "coordinates": "[6.09,52.51]",
    },
]
PAGES = [{}, {"limit": "2"}, {"limit": "2", "offset": "1"}, {"limit": "1", "offset": "3"}, {"offset": "50"}]


@pytest.mark.parametrize("params", QUERIES, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items())[:60])
def test_the_store_gives_the_answer_of_filtering_every_entity(
    city: TestClient, store: Store, params: dict[str, str]
) -> None:
    for page in PAGES:
        asked = {**params, **page, "count": "true"}
        response = city.get(f"{BASE}/entities", params=asked)
        assert response.status_code == 200, response.text
        expected, total = brute_force(store, asked)
        assert response.json() == expected, asked
        assert response.headers["ngsild-results-count"] == str(total), asked
        without = city.get(f"{BASE}/entities", params={k: v for k, v in asked.items() if k != "count"})
        assert without.json() == expected and "ngsild-results-count" not in without.headers


def test_the_city_exercises_both_kinds_of_entity(city: TestClient, store: Store) -> None:
    types = {e["id"]: e["type"] for e in brute_force(store, {"idPattern": ".*", "limit": "100"})[0]}
    assert sorted(set(types.values())) == ["AirQualityObserved", "EVChargingStation", "Thing", "WeatherObserved"]
    assert len(types) == 14  # 7 created over NGSI-LD, 7 plain Things (one without an observation)
    assert city.get(f"{BASE}/entities", params={"q": "no2>30"}).json()  # not an empty answer


def test_count_limit_zero_and_paging_links(city: TestClient) -> None:
    counted = city.get(f"{BASE}/entities", params={"type": "AirQualityObserved", "count": "true", "limit": "0"})
    assert counted.status_code == 200 and counted.json() == []
    total = int(counted.headers["ngsild-results-count"])
    assert total == 10  # 6 created, NO2/PM10, the JSON list, the text and the one without an observation
    seen: list[str] = []
    url: str | None = f"{BASE}/entities?type=AirQualityObserved&limit=4"
    while url:
        response = city.get(url)
        seen += [e["id"] for e in response.json()]
        links = dict(
            reversed(part.split(">; rel="))
            for part in response.headers["link"].replace("<", "").split(", ")
            if "rel=" in part
        )
        url = links.get('"next"')
        if len(seen) > 4:
            assert '"prev"' in links
    assert len(seen) == total == len(set(seen))


def test_bad_queries_are_bad_request_data(city: TestClient) -> None:
    assert_ngsi_problem(city.get(f"{BASE}/entities"), 400, "BadRequestData", "type")
    assert_ngsi_problem(city.get(f"{BASE}/entities", params={"idPattern": "("}), 400, "BadRequestData", "idPattern")
    assert_ngsi_problem(city.get(f"{BASE}/entities", params={"q": "no2>"}), 400, "BadRequestData", "q")
    assert_ngsi_problem(
        city.get(f"{BASE}/entities", params={"type": "A", "limit": "0"}), 400, "BadRequestData", "limit"
    )
    assert_ngsi_problem(city.get(f"{BASE}/entities", params={"georel": "near", "geometry": "Point", "coordinates": "[1,2]"}),
                        400, "BadRequestData", "georel")  # fmt: skip
    assert city.get(f"{BASE}/entities", params={"type": "A\x00B"}).json() == []
    assert city.get(f"{BASE}/entities", params={"q": 'no2=="a\x00"'}).json() == []
