"""The access leak tests of tests/integration/access, on the NGSI-LD face: the same city (public
air data, a garage company's restricted parking data granted to a waste company, non-public
municipal and residential data), the same callers. A hidden entity is invisible in queries, in
counts, in types and attributes discovery, by id and in temporal results; writes need the same
rights as over SensorThings."""

from __future__ import annotations

from typing import Any

import pytest

from stadsdata.store.base import Store
from tests.integration.access.test_dataset_access import CALLERS, STREAMS, T, audit, city, visible_streams  # noqa: F401 - `city` is a fixture
from tests.integration.ngsild.conftest import BASE, air, assert_ngsi_problem

TYPES = {
    "pm10": "AirQualityObserved",
    "vacant": "OffStreetParking",
    "energy": "Thing",
    "temperature": "WeatherObserved",
    "light": "Streetlight",
}


def entity_ids(client: Any, headers: dict[str, str]) -> dict[str, str]:
    """Datastream name -> the id of its Thing's entity (as the administrator sees them)."""
    things = client.get("/v1.1/Datastreams?$expand=Thing", headers=headers).json()["value"]
    return {d["name"]: f"urn:ngsi-ld:{TYPES[d['name']]}:{d['Thing']['@iot.id']}" for d in things if d["name"] in TYPES}


@pytest.mark.parametrize("caller", CALLERS)
def test_queries_counts_and_discovery_show_exactly_the_visible_part(caller: str, city: Any) -> None:  # noqa: F811
    client, headers = city
    h = headers[caller]
    ids = entity_ids(client, headers["admin"])
    visible = {ids[s] for s in visible_streams(caller)}
    response = client.get(f"{BASE}/entities", params={"idPattern": ".*", "count": "true", "limit": "100"}, headers=h)
    assert response.status_code == 200, response.text
    assert {e["id"] for e in response.json()} == visible
    assert response.headers["ngsild-results-count"] == str(len(visible))
    types = client.get(f"{BASE}/types", headers=h).json()["typeList"]
    assert set(types) == {TYPES[s] for s in visible_streams(caller)}
    attributes = set(client.get(f"{BASE}/attributes", headers=h).json()["attributeList"])
    assert not attributes & (
        {"availableSpotNumber", "energyProperty", "temperature"}
        - {a for s in visible_streams(caller) for a in _attrs(s)}
    )


def _attrs(stream: str) -> set[str]:
    return {
        "pm10": {"pm10"},
        "vacant": {"availableSpotNumber"},
        "energy": {"energyProperty"},
        "temperature": {"temperature"},
        "light": {"illuminanceLevel"},
    }[stream]


@pytest.mark.parametrize("caller", ["anonymous", "buurman", "garagebedrijf"])
def test_hidden_entities_are_not_found_by_id_query_count_or_temporal(caller: str, city: Any) -> None:  # noqa: F811
    client, headers = city
    h = headers[caller]
    ids = entity_ids(client, headers["admin"])
    hidden = [s for s in STREAMS if s not in visible_streams(caller)]
    assert hidden
    for stream in hidden:
        entity_id = ids[stream]
        assert_ngsi_problem(client.get(f"{BASE}/entities/{entity_id}", headers=h), 404, "ResourceNotFound")
        assert_ngsi_problem(client.get(f"{BASE}/temporal/entities/{entity_id}", headers=h), 404, "ResourceNotFound")
        by_id = client.get(f"{BASE}/entities", params={"id": entity_id, "count": "true"}, headers=h)
        assert by_id.json() == [] and by_id.headers["ngsild-results-count"] == "0"
        attribute = next(iter(_attrs(stream)))
        by_value = client.get(f"{BASE}/entities", params={"q": f"{attribute}==1", "count": "true"}, headers=h)
        assert by_value.json() == [] and by_value.headers["ngsild-results-count"] == "0"
        assert_ngsi_problem(client.get(f"{BASE}/types/{TYPES[stream]}", headers=h), 404, "ResourceNotFound")
        assert_ngsi_problem(client.get(f"{BASE}/attributes/{attribute}", headers=h), 404, "ResourceNotFound")
        # writing to it: as if it were not there
        assert client.patch(f"{BASE}/entities/{entity_id}/attrs", json={attribute: 5}, headers=h).status_code in (
            401,
            403,
            404,
        )
        assert client.delete(f"{BASE}/entities/{entity_id}", headers=h).status_code in (401, 403, 404)
    # the administrator still sees them all, unchanged
    assert (
        client.get(f"{BASE}/entities/{ids['vacant']}", headers=headers["admin"]).json()["availableSpotNumber"]["value"]
        == 1.0
    )


def test_writes_need_the_same_rights_as_over_sensorthings(city: Any) -> None:  # noqa: F811
    client, headers = city
    ids = entity_ids(client, headers["admin"])
    entity = air("nieuw")
    assert client.post(f"{BASE}/entities", json=entity).status_code == 401
    assert client.post(f"{BASE}/entities", json=entity, headers=headers["afvalbedrijf"]).status_code == 403
    assert (
        client.post(f"{BASE}/entities", json=entity, headers=headers["garagebedrijf"]).status_code == 403
    )  # adds observations only
    assert client.post(f"{BASE}/entities", json=entity, headers=headers["admin"]).status_code == 201
    garage = ids["vacant"]
    # the garage company adds to its own stream only, as over SensorThings
    assert client.patch(f"{BASE}/entities/{ids['pm10']}/attrs", json={"pm10": {"value": 3, "observedAt": "2026-05-01T11:00:00Z"}},
                        headers=headers["garagebedrijf"]).status_code == 403  # fmt: skip
    assert client.patch(f"{BASE}/entities/{garage}/attrs", json={"availableSpotNumber": {"value": 3, "observedAt": T}},
                        headers=headers["afvalbedrijf"]).status_code == 403  # fmt: skip
    assert client.patch(f"{BASE}/entities/{garage}/attrs", json={"availableSpotNumber": {"value": 3, "observedAt": "2026-05-01T11:00:00Z"}},
                        headers=headers["garagebedrijf"]).status_code == 204  # fmt: skip
    batch = client.post(f"{BASE}/entityOperations/create", json=[air("twee")], headers=headers["afvalbedrijf"])
    assert batch.status_code == 207 and batch.json()["errors"][0]["error"]["status"] == 403


def test_reads_of_restricted_entities_are_audited(city: Any, store: Store) -> None:  # noqa: F811
    client, headers = city
    assert audit(store) == []
    ids = entity_ids(client, headers["admin"])
    before = len(audit(store))
    assert client.get(f"{BASE}/entities/{ids['vacant']}", headers=headers["afvalbedrijf"]).status_code == 200
    assert client.get(f"{BASE}/temporal/entities/{ids['vacant']}", headers=headers["afvalbedrijf"]).status_code == 200
    client.get(f"{BASE}/entities", params={"type": "AirQualityObserved"})  # public only: nothing to record
    theirs = [e for e in audit(store)[before:] if e[0] != "admin"]
    assert theirs and {(e[1], e[2], e[4]) for e in theirs} == {("parkeren", "grant", True)}
