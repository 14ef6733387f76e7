"""Conformance of the NGSI-LD subscription operations (ETSI GS CIM 009 clauses 5.8, 6.10, 6.11,
the Subscription data type of 5.2.12), written from the spec's text: request, status, body.
Both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.ngsild.conftest import CONTEXT_LINK_REL, assert_ngsi_problem
from tests.integration.ngsild.subscription_helpers import SUBSCRIPTIONS, subscribe, subscription

URI = "http://127.0.0.1:9/notify"
CORE = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld"


def later(seconds: float = 3600) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def test_create_then_retrieve(client: TestClient) -> None:
    body = subscription(
        URI, id="urn:ngsi-ld:Subscription:lucht", subscriptionName="lucht", description="NO2 in de stad",
        entities=[{"type": "AirQualityObserved", "idPattern": "urn:ngsi-ld:AirQualityObserved:.*"}],
        watchedAttributes=["no2"], q="no2>40", throttling=5, expiresAt=later(),
        geoQ={"geometry": "Point", "coordinates": [6.09, 52.51], "georel": "near;maxDistance==2000"},
        notification={"attributes": ["no2", "location"], "format": "keyValues", "endpoint": {"accept": "application/ld+json"}},
    )  # fmt: skip
    response = client.post(SUBSCRIPTIONS, json=body)
    assert response.status_code == 201 and response.content == b""  # 6.10.3.1
    assert response.headers["location"] == f"{SUBSCRIPTIONS}/urn:ngsi-ld:Subscription:lucht"
    got = client.get(response.headers["location"])
    assert got.status_code == 200 and CONTEXT_LINK_REL in got.headers["link"]
    shown = got.json()
    assert shown["id"] == "urn:ngsi-ld:Subscription:lucht" and shown["type"] == "Subscription"
    assert shown["status"] == "active" and shown["isActive"] is True
    for name in (
        "subscriptionName",
        "description",
        "entities",
        "watchedAttributes",
        "q",
        "throttling",
        "expiresAt",
        "geoQ",
    ):
        assert shown[name] == body[name], name
    notification = shown["notification"]
    assert notification["attributes"] == ["no2", "location"] and notification["format"] == "keyValues"
    assert notification["endpoint"] == {"uri": URI, "accept": "application/ld+json"}
    assert notification["timesSent"] == 0 and "status" not in notification  # nothing sent yet


def test_an_id_is_given_when_none_is_sent(client: TestClient) -> None:
    location = subscribe(client, subscription(URI, watchedAttributes=["no2"]))
    assert location.startswith(f"{SUBSCRIPTIONS}/urn:ngsi-ld:Subscription:")
    shown = client.get(location).json()
    assert shown["notification"]["format"] == "normalized"  # the default
    assert shown["notification"]["endpoint"]["accept"] == "application/json"


def test_json_ld_body_and_answer(client: TestClient) -> None:
    body = {**subscription(URI, entities=[{"type": "WeatherObserved"}]), "@context": CORE}
    response = client.post(SUBSCRIPTIONS, json=body, headers={"Content-Type": "application/ld+json"})
    assert response.status_code == 201, response.text
    got = client.get(response.headers["location"], headers={"Accept": "application/ld+json"})
    assert got.headers["content-type"] == "application/ld+json" and got.json()["@context"] == CORE


def test_same_id_twice_is_already_exists(client: TestClient) -> None:
    body = subscription(URI, id="urn:ngsi-ld:Subscription:x", watchedAttributes=["no2"])
    subscribe(client, body)
    assert_ngsi_problem(client.post(SUBSCRIPTIONS, json=body), 409, "AlreadyExists", "id")


def test_list_pages_and_counts(client: TestClient) -> None:
    ids = [f"urn:ngsi-ld:Subscription:{n}" for n in range(5)]
    for i in ids:
        subscribe(client, subscription(URI, id=i, watchedAttributes=["no2"]))
    response = client.get(SUBSCRIPTIONS, params={"limit": 2, "offset": 1, "count": "true"})
    assert response.status_code == 200
    assert [s["id"] for s in response.json()] == ids[1:3]
    assert response.headers["ngsild-results-count"] == "5"
    assert 'rel="next"' in response.headers["link"] and 'rel="prev"' in response.headers["link"]
    assert [s["id"] for s in client.get(SUBSCRIPTIONS).json()] == ids  # default limit 20
    assert client.get(SUBSCRIPTIONS, params={"limit": 0, "count": "true"}).json() == []
    assert_ngsi_problem(client.get(SUBSCRIPTIONS, params={"limit": "x"}), 400, "BadRequestData", "limit")
    assert_ngsi_problem(client.get(SUBSCRIPTIONS, params={"limit": 5000}), 403, "TooManyResults", "limit")


def test_patch_replaces_members_and_pauses(client: TestClient) -> None:
    location = subscribe(client, subscription(URI, watchedAttributes=["no2"], q="no2>40"))
    response = client.patch(location, json={"isActive": False, "q": "no2>50", "notification": {"format": "concise"}})
    assert response.status_code == 204 and response.content == b""  # 6.11.3.2
    shown = client.get(location).json()
    assert shown["status"] == "paused" and shown["isActive"] is False and shown["q"] == "no2>50"
    assert shown["notification"]["format"] == "concise" and shown["notification"]["endpoint"]["uri"] == URI
    assert client.patch(location, json={"isActive": True, "q": None}).status_code == 204
    shown = client.get(location).json()
    assert shown["status"] == "active" and "q" not in shown
    assert_ngsi_problem(client.patch(location, json={"throttling": -1}), 400, "BadRequestData", "throttling")
    assert_ngsi_problem(
        client.patch(location, json={"id": "urn:ngsi-ld:Subscription:other"}), 400, "BadRequestData", "id"
    )
    assert_ngsi_problem(client.patch(location, json={"watchedAttributes": None}), 400, "BadRequestData", "entities")


def test_delete(client: TestClient) -> None:
    location = subscribe(client, subscription(URI, watchedAttributes=["no2"]))
    response = client.delete(location)
    assert response.status_code == 204 and response.content == b""  # 6.11.3.3
    assert_ngsi_problem(client.get(location), 404, "ResourceNotFound")
    assert_ngsi_problem(client.delete(location), 404, "ResourceNotFound")
    assert_ngsi_problem(client.patch(location, json={"isActive": False}), 404, "ResourceNotFound")


def test_an_id_that_is_not_a_uri_is_bad_request_data(client: TestClient) -> None:
    assert_ngsi_problem(client.get(f"{SUBSCRIPTIONS}/nothing"), 400, "BadRequestData")
    assert_ngsi_problem(client.delete(f"{SUBSCRIPTIONS}/nothing"), 400, "BadRequestData")


BAD: list[tuple[dict[str, Any], int, str, str]] = [  # (members over a good subscription, status, type, field)
    ({"type": "Subscriptions"}, 400, "BadRequestData", "type"),
    ({"type": None}, 400, "BadRequestData", "type"),
    ({"id": "not a uri"}, 400, "BadRequestData", "id"),
    ({"entities": None, "watchedAttributes": None}, 400, "BadRequestData", "entities"),
    ({"entities": []}, 400, "BadRequestData", "entities"),
    ({"entities": [{"id": "urn:x:1"}]}, 400, "BadRequestData", "entities[0].type"),
    ({"entities": [{"type": "T", "idPattern": "(("}]}, 400, "BadRequestData", "entities[0].idPattern"),
    ({"watchedAttributes": []}, 400, "BadRequestData", "watchedAttributes"),
    ({"q": "no2>>"}, 400, "BadRequestData", "q"),
    ({"geoQ": {"geometry": "Point", "coordinates": [6, 52], "georel": "nearby"}}, 400, "BadRequestData", "geoQ.georel"),
    (
        {"geoQ": {"geometry": "Point", "coordinates": "[6]", "georel": "within"}},
        400,
        "BadRequestData",
        "geoQ.coordinates",
    ),
    ({"expiresAt": "2001-01-01T00:00:00Z"}, 400, "BadRequestData", "expiresAt"),
    ({"expiresAt": "morgen"}, 400, "BadRequestData", "expiresAt"),
    ({"throttling": 0}, 400, "BadRequestData", "throttling"),
    ({"isActive": "yes"}, 400, "BadRequestData", "isActive"),
    ({"timeInterval": 60}, 422, "OperationNotSupported", "timeInterval"),
    ({"csf": "x"}, 422, "OperationNotSupported", "csf"),
    ({"notificationTrigger": ["entityDeleted"]}, 422, "OperationNotSupported", "notificationTrigger"),
    ({"unknown": 1}, 400, "BadRequestData", "unknown"),
    ({"notification": None}, 400, "BadRequestData", "notification"),
    ({"notification": {"format": "fancy", "endpoint": {"uri": URI}}}, 400, "BadRequestData", "notification.format"),
    ({"notification": {"endpoint": {}}}, 400, "BadRequestData", "notification.endpoint.uri"),
    ({"notification": {"endpoint": {"uri": "ftp://x/y"}}}, 400, "BadRequestData", "notification.endpoint.uri"),
    ({"notification": {"endpoint": {"uri": "mqtt://broker"}}}, 400, "BadRequestData", "notification.endpoint.uri"),
    (
        {"notification": {"endpoint": {"uri": "mqtts://broker/t"}}},
        422,
        "OperationNotSupported",
        "notification.endpoint.uri",
    ),
    (
        {"notification": {"endpoint": {"uri": URI, "accept": "text/plain"}}},
        400,
        "BadRequestData",
        "notification.endpoint.accept",
    ),
    ({"notification": {"attributes": [], "endpoint": {"uri": URI}}}, 400, "BadRequestData", "notification.attributes"),
]


@pytest.mark.parametrize(("members", "status", "kind", "field"), BAD)
def test_bad_subscriptions_are_refused(
    client: TestClient, members: dict[str, Any], status: int, kind: str, field: str
) -> None:
    body = {**subscription(URI, entities=[{"type": "AirQualityObserved"}], watchedAttributes=["no2"]), **members}
    body = {k: v for k, v in body.items() if v is not None}
    assert_ngsi_problem(client.post(SUBSCRIPTIONS, json=body), status, kind, field)
    assert client.get(SUBSCRIPTIONS).json() == []


def test_bad_json_and_media_types(client: TestClient) -> None:
    assert_ngsi_problem(
        client.post(SUBSCRIPTIONS, content=b"{", headers={"Content-Type": "application/json"}), 400, "InvalidRequest"
    )
    assert_ngsi_problem(client.post(SUBSCRIPTIONS, json=[1]), 400, "BadRequestData", "body")
    response = client.post(SUBSCRIPTIONS, content=b"{}", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_an_expiry_passed_shows_expired(client: TestClient) -> None:
    location = subscribe(client, subscription(URI, watchedAttributes=["no2"], expiresAt=later(0.5)))
    assert client.get(location).json()["status"] == "active"
    import time

    time.sleep(0.6)
    assert client.get(location).json()["status"] == "expired"
    assert client.patch(location, json={"expiresAt": later()}).status_code == 204
    assert client.get(location).json()["status"] == "active"
