"""Notifications of NGSI-LD subscriptions over HTTP (clause 5.11, the Notification of 5.3.1), to a
receiver this test starts: on an entity created over NGSI-LD, on an observation posted over
SensorThings; watchedAttributes, q, notification.attributes and format; throttling; expiry;
the statistics and the status of a failing endpoint. Both backends."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.integration.ngsild.conftest import BASE, CONTEXT_LINK_REL, air
from tests.integration.ngsild.subscription_helpers import Receiver, settle, subscribe, subscription
from tests.integration.sta.conftest import created_id, stream_body, thing_body

AIR = "urn:ngsi-ld:AirQualityObserved:markt"


def streams(client: TestClient) -> dict[str, int]:
    return {d["name"]: d["@iot.id"] for d in client.get("/v1.1/Datastreams").json()["value"]}


def observe(client: TestClient, stream: int, value: float, when: str = "2026-05-01T12:00:00Z") -> None:
    created_id(client.post(f"/v1.1/Datastreams({stream})/Observations", json={"phenomenonTime": when, "result": value}))


def test_entity_created_over_ngsi_ld_and_observation_over_sensorthings(client: TestClient, receiver: Receiver) -> None:
    location = subscribe(
        client, subscription(receiver.url, entities=[{"type": "AirQualityObserved"}], watchedAttributes=["no2"])
    )
    assert client.post(f"{BASE}/entities", json=air()).status_code == 201
    settle(client)
    first = receiver.wait_for(1)[0]
    assert first.path == "/notify"
    assert first.headers["content-type"] == "application/json" and CONTEXT_LINK_REL in first.headers["link"]
    body = first.body
    assert body["type"] == "Notification" and body["id"].startswith("urn:ngsi-ld:Notification:")
    assert body["subscriptionId"] == location.rsplit("/", 1)[1]
    assert datetime.fromisoformat(body["notifiedAt"].replace("Z", "+00:00")) <= datetime.now(UTC)
    assert body["data"] == [air()]  # normalized, all attributes
    ids = streams(client)
    observe(client, ids["pm10"], 20)  # not watched: nothing
    settle(client)
    assert len(receiver.got) == 1
    observe(client, ids["no2"], 44.5)  # over SensorThings
    settle(client)
    second = receiver.wait_for(2)[1].body
    assert second["data"][0]["id"] == AIR and second["data"][0]["no2"]["value"] == 44.5
    shown = client.get(location).json()["notification"]
    assert shown["timesSent"] == 2 and shown["status"] == "ok" and shown["lastSuccess"] and shown["lastNotification"]
    assert "lastFailure" not in shown


def test_a_sensorthings_thing_with_id_pattern_q_attributes_and_key_values(
    client: TestClient, receiver: Receiver
) -> None:
    no2 = stream_body(
        "no2 Markt", "NO2", {"name": "microgram per cubic metre", "symbol": "µg/m³", "definition": "x"}, []
    )
    thing = created_id(client.post("/v1.1/Things", json=thing_body("Markt", 6.09, 52.51, [no2])))
    entity_id = f"urn:ngsi-ld:AirQualityObserved:{thing}"
    body = subscription(
        receiver.url, entities=[{"type": "AirQualityObserved", "idPattern": "urn:ngsi-ld:AirQualityObserved:.*"}], q="no2>40",
        notification={"attributes": ["no2"], "format": "keyValues", "endpoint": {"accept": "application/ld+json"}},
    )  # fmt: skip
    subscribe(client, body)
    stream = streams(client)["no2 Markt"]
    observe(client, stream, 12.0, "2026-05-01T10:00:00Z")  # q not met
    settle(client)
    assert receiver.got == []
    observe(client, stream, 48.0, "2026-05-01T11:00:00Z")
    settle(client)
    got = receiver.wait_for(1)[0]
    assert got.headers["content-type"] == "application/ld+json" and "link" not in got.headers
    assert got.body["@context"] and got.body["data"] == [{"id": entity_id, "type": "AirQualityObserved", "no2": 48.0}]


def test_paused_and_other_types_are_not_notified(client: TestClient, receiver: Receiver) -> None:
    paused = subscribe(client, subscription(receiver.url, watchedAttributes=["no2"], isActive=False))
    subscribe(client, subscription(receiver.url, entities=[{"type": "WeatherObserved"}]))
    subscribe(
        client,
        subscription(
            receiver.url, entities=[{"type": "AirQualityObserved", "id": "urn:ngsi-ld:AirQualityObserved:elders"}]
        ),
    )
    assert client.post(f"{BASE}/entities", json=air()).status_code == 201
    settle(client)
    assert receiver.got == []
    assert client.patch(paused, json={"isActive": True}).status_code == 204
    assert (
        client.patch(f"{BASE}/entities/{AIR}/attrs", json={"no2": {"type": "Property", "value": 50}}).status_code == 204
    )
    settle(client)
    assert [g.body["data"][0]["no2"]["value"] for g in receiver.wait_for(1)] == [50]


def test_throttling_coalesces_changes_into_the_next_notification(client: TestClient, receiver: Receiver) -> None:
    subscribe(client, subscription(receiver.url, watchedAttributes=["no2"], throttling=1))
    assert client.post(f"{BASE}/entities", json=air()).status_code == 201
    settle(client)
    assert len(receiver.wait_for(1)) == 1
    stream = streams(client)["no2"]
    started = time.monotonic()
    for minute, value in enumerate((41.0, 42.0, 43.0)):
        observe(client, stream, value, f"2026-05-01T11:0{minute}:00Z")
    settle(client)
    if time.monotonic() - started < 0.8:  # still inside the period: nothing more yet
        assert len(receiver.got) == 1
    got = receiver.wait_for(2, timeout_s=5)
    assert len(got) == 2 and got[1].body["data"][0]["no2"]["value"] == 43.0  # the latest, once
    assert got[1].at - got[0].at >= 0.9  # not before the throttling period passed
    time.sleep(1.2)
    settle(client)
    assert len(receiver.got) == 2  # none lost, none twice


def test_an_expired_subscription_stops(client: TestClient, receiver: Receiver) -> None:
    ends = (datetime.now(UTC) + timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    location = subscribe(client, subscription(receiver.url, watchedAttributes=["no2"], expiresAt=ends))
    time.sleep(1.1)
    assert client.post(f"{BASE}/entities", json=air()).status_code == 201
    settle(client)
    assert receiver.got == []
    assert client.get(location).json()["status"] == "expired"


def test_a_failing_endpoint_is_retried_and_shows_failed(client: TestClient, receiver: Receiver) -> None:
    client.app.state.ngsild_notifier.delivery.first_delay_s = 0.05  # type: ignore[attr-defined]
    receiver.status = 500
    location = subscribe(client, subscription(receiver.url, watchedAttributes=["no2"]))
    assert client.post(f"{BASE}/entities", json=air()).status_code == 201
    settle(client)
    attempts = client.app.state.ngsild_notifier.delivery.attempts  # type: ignore[attr-defined]
    assert len(receiver.wait_for(attempts)) == attempts  # retried with back-off, then given up
    shown = client.get(location).json()
    assert shown["status"] == "active"
    notification = shown["notification"]
    assert notification["status"] == "failed" and notification["lastFailure"] and "lastSuccess" not in notification
    assert notification["timesSent"] == attempts and notification["timesFailed"] == attempts
    receiver.status = 204
    assert (
        client.patch(f"{BASE}/entities/{AIR}/attrs", json={"no2": {"type": "Property", "value": 50}}).status_code == 204
    )
    settle(client)
    assert client.get(location).json()["notification"]["status"] == "ok"


def test_ingest_does_not_wait_for_a_slow_endpoint(client: TestClient) -> None:
    delivery = client.app.state.ngsild_notifier.delivery  # type: ignore[attr-defined]
    delivery.attempts, delivery.timeout_s = 1, 1.0
    subscribe(client, subscription("http://10.255.255.1:9/unreachable", watchedAttributes=["no2"]))
    started = time.monotonic()
    assert client.post(f"{BASE}/entities", json=air()).status_code == 201
    assert time.monotonic() - started < 2.0


def test_changes_of_kept_attributes_and_location_are_notified(client: TestClient, receiver: Receiver) -> None:
    subscribe(client, subscription(f"{receiver.url}/kept", watchedAttributes=["dataProvider"]))
    subscribe(client, subscription(f"{receiver.url}/place", watchedAttributes=["location"]))
    assert client.post(f"{BASE}/entities", json=air()).status_code == 201
    settle(client)
    assert len(receiver.wait_for(2)) == 2  # created: every attribute is new
    receiver.got.clear()
    provider = {"dataProvider": {"type": "Property", "value": "provincie"}}
    assert client.patch(f"{BASE}/entities/{AIR}/attrs", json=provider).status_code == 204
    settle(client)
    got = receiver.wait_for(1)
    assert [(g.path, g.body["data"][0]["dataProvider"]["value"]) for g in got] == [("/notify/kept", "provincie")]
    receiver.got.clear()
    place = {"location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [6.1, 52.5]}}}
    assert client.patch(f"{BASE}/entities/{AIR}/attrs", json=place).status_code == 204
    settle(client)
    got = receiver.wait_for(1)
    assert [(g.path, g.body["data"][0]["location"]["value"]["coordinates"]) for g in got] == [
        ("/notify/place", [6.1, 52.5])
    ]
