"""Query the temporal evolution of entities (ETSI GS CIM 009 v1.9 clause 6.18.3.2, `GET
/temporal/entities`): the entities of an entity query (type, id, idPattern, attrs, q, geo-query;
count, limit/offset with `Link` paging), each as its temporal retrieval (clause 6.19.3.1) gives
it; hidden entities are not in the results nor in the count. Both backends."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.access.test_dataset_access import CALLERS, city, visible_streams  # noqa: F401 - `city` is a fixture
from tests.integration.ngsild.conftest import BASE, air, assert_ngsi_problem
from tests.integration.ngsild.test_access import entity_ids

URL = f"{BASE}/temporal/entities"
WINDOW = {"timerel": "between", "timeAt": "2026-05-01T00:00:00Z", "endTimeAt": "2026-05-03T00:00:00Z"}


@pytest.fixture
def history(client: TestClient) -> TestClient:
    """Four air entities with three no2 values each (1 May 10:00, 11:00 and 2 May 10:00), the
    latest 10, 20, 30, 40; and a WeatherObserved."""
    for index in range(4):
        entity = air(f"h{index}", 1.0 + index, lon=6.09 + index / 100, when="2026-05-01T10:00:00Z")
        assert client.post(f"{BASE}/entities", json=entity).status_code == 201
        for when, value in (("2026-05-01T11:00:00Z", 5.0 + index), ("2026-05-02T10:00:00Z", 10.0 * (index + 1))):
            patch = {"no2": {"type": "Property", "value": value, "observedAt": when}}
            assert client.patch(f"{BASE}/entities/{entity['id']}/attrs", json=patch).status_code == 204
    weather = {"id": "urn:ngsi-ld:WeatherObserved:w", "type": "WeatherObserved",
               "temperature": {"type": "Property", "value": 12.5, "observedAt": "2026-05-01T10:00:00Z"},
               "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [6.2, 52.6]}}}  # fmt: skip
    assert client.post(f"{BASE}/entities", json=weather).status_code == 201
    return client


def one_by_one(client: TestClient, ids: list[str], params: dict[str, str]) -> list[dict[str, Any]]:
    """What the temporal retrieval of each entity gives (clause 6.19.3.1)."""
    return [client.get(f"{URL}/{i}", params=params).json() for i in ids]


def air_ids(*indexes: int) -> list[str]:
    return [air(f"h{i}")["id"] for i in indexes]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"type": "AirQualityObserved"}, [0, 1, 2, 3]),
        ({"type": "AirQualityObserved", "q": "no2>=30"}, [2, 3]),  # on the latest values
        ({"idPattern": ".*h[13]"}, [1, 3]),
        ({"id": f"{air('h2')['id']},urn:ngsi-ld:Thing:999"}, [2]),
        ({"georel": "near;maxDistance==1000", "geometry": "Point", "coordinates": "[6.09,52.51]"}, [0, 1]),
    ],
)
def test_the_entities_of_the_query_each_as_its_temporal_retrieval(
    history: TestClient, query: dict[str, str], expected: list[int]
) -> None:
    for extra in ({}, WINDOW, {**WINDOW, "attrs": "no2", "options": "temporalValues"}, {"lastN": "2"},
                  {**WINDOW, "aggrMethods": "totalCount,sum,min,max,avg", "aggrPeriodDuration": "P1D"}):  # fmt: skip
        params = {**query, **extra}
        response = history.get(URL, params={**params, "count": "true"})
        assert response.status_code == 200, response.text
        shown = {k: v for k, v in params.items() if k not in query or k == "attrs"}
        assert response.json() == one_by_one(history, air_ids(*expected), shown), params
        assert response.headers["ngsild-results-count"] == str(len(expected))


def test_values_over_a_window(history: TestClient) -> None:
    got = history.get(
        URL, params={"type": "AirQualityObserved", "attrs": "no2", **WINDOW, "timeAt": "2026-05-01T10:30:00Z"}
    )
    assert [[i["value"] for i in e["no2"]] for e in got.json()] == [[5.0 + i, 10.0 * (i + 1)] for i in range(4)]
    daily = history.get(
        URL, params={"type": "AirQualityObserved", **WINDOW, "aggrMethods": "max", "aggrPeriodDuration": "P1D"}
    )
    assert [[v for v, _, _ in e["no2"]["max"]] for e in daily.json()] == [[5.0 + i, 10.0 * (i + 1)] for i in range(4)]


def test_paging_with_links_to_the_temporal_query(history: TestClient) -> None:
    first = history.get(URL, params={"type": "AirQualityObserved", "limit": "3", "count": "true"})
    assert [e["id"] for e in first.json()] == air_ids(0, 1, 2) and first.headers["ngsild-results-count"] == "4"
    assert f'<{URL}?type=AirQualityObserved&limit=3&count=true&offset=3>; rel="next"' in first.headers["link"]
    second = history.get(URL, params={"type": "AirQualityObserved", "limit": "3", "offset": "3"})
    assert [e["id"] for e in second.json()] == air_ids(3) and 'rel="prev"' in second.headers["link"]
    assert 'rel="next"' not in second.headers["link"]
    assert history.get(URL, params={"type": "AirQualityObserved", "limit": "0", "count": "true"}).json() == []


def test_bad_temporal_queries(history: TestClient) -> None:
    assert_ngsi_problem(history.get(URL), 400, "BadRequestData", "type")
    assert_ngsi_problem(history.get(URL, params={"type": "Nothing", "timerel": "between", "timeAt": "2026-05-01T00:00:00Z"}),
                        400, "BadRequestData", "endTimeAt")  # fmt: skip
    assert_ngsi_problem(
        history.get(URL, params={"type": "Nothing", "aggrMethods": "stddev"}),
        422,
        "OperationNotSupported",
        "aggrMethods",
    )
    assert_ngsi_problem(history.get(URL, params={"type": "A", "lastN": "0"}), 400, "BadRequestData", "lastN")
    assert_ngsi_problem(history.get(URL, params={"type": "A", "q": "no2>"}), 400, "BadRequestData", "q")


@pytest.mark.parametrize("caller", CALLERS)
def test_hidden_entities_are_not_in_temporal_queries_nor_counts(caller: str, city: Any) -> None:  # noqa: F811
    client, headers = city
    ids = entity_ids(client, headers["admin"])
    visible = {ids[s] for s in visible_streams(caller)}
    response = client.get(URL, params={"idPattern": ".*", "count": "true", "limit": "100"}, headers=headers[caller])
    assert response.status_code == 200, response.text
    assert {e["id"] for e in response.json()} == visible
    assert response.headers["ngsild-results-count"] == str(len(visible))
