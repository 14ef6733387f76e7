"""The access leak tests for subscriptions, in the city of tests/integration/access: a
notification is rendered with its owner's read scope at notification time, so an entity the
owner may not read is never notified (nor a hidden attribute of it); a revoked grant stops the
notifications at once; what a notification gives is audited; subscriptions are their owner's
(another caller neither sees nor changes them; admins do). Both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from stadsdata.store.base import Store
from tests.integration.access.test_dataset_access import audit, city  # noqa: F401 - `city` is a fixture
from tests.integration.ngsild.conftest import assert_ngsi_problem
from tests.integration.ngsild.subscription_helpers import SUBSCRIPTIONS, Receiver, settle, subscribe, subscription
from tests.integration.ngsild.test_access import entity_ids

WATCHED = ["availableSpotNumber", "pm10"]


def observe(client: Any, admin: dict[str, str], name: str, value: float, when: str) -> None:
    streams = {d["name"]: d["@iot.id"] for d in client.get("/v1.1/Datastreams", headers=admin).json()["value"]}
    body = {"phenomenonTime": when, "result": value}
    assert client.post(f"/v1.1/Datastreams({streams[name]})/Observations", json=body, headers=admin).status_code == 201


def notified(got: Receiver, who: str) -> set[str]:
    return {e["id"] for g in got.got if g.path.endswith(f"/{who}") for e in g.body["data"]}


def test_no_notification_of_a_hidden_entity(city: Any, receiver: Receiver, store: Store) -> None:  # noqa: F811
    client, headers = city
    admin = headers["admin"]
    ids = entity_ids(client, admin)
    for who in ("buurman", "afvalbedrijf"):
        subscribe(client, subscription(f"{receiver.url}/{who}", watchedAttributes=WATCHED), headers[who])
    # the hidden garage by its own id and type: accepted (no oracle), never notified
    by_id = subscription(f"{receiver.url}/buurman", entities=[{"type": "OffStreetParking", "id": ids["vacant"]}])
    subscribe(client, by_id, headers["buurman"])
    before = len(audit(store))
    observe(client, admin, "vacant", 7, "2026-05-01T11:00:00Z")
    observe(client, admin, "pm10", 9, "2026-05-01T11:00:00Z")
    settle(client)
    receiver.wait_for(3)
    assert notified(receiver, "afvalbedrijf") == {ids["vacant"], ids["pm10"]}
    assert notified(receiver, "buurman") == {ids["pm10"]}
    assert not any(ids["vacant"] in str(g.body) for g in receiver.got if g.path.endswith("/buurman"))
    granted = [e[1:] for e in audit(store)[before:] if e[2] != "admin"]  # what the notification gave is audited
    assert granted == [("parkeren", "grant", 1, True)]

    # the grant revoked: no more notifications of the garage for the waste company
    with store.write() as tx:
        grant = tx.access.rows("dataset_grants", None, limit=10)[0]["id"]
        assert tx.access.revoke_grant(grant, datetime.now(UTC))
    receiver.got.clear()
    observe(client, admin, "vacant", 3, "2026-05-01T12:00:00Z")
    settle(client)
    assert receiver.got == []


def test_subscriptions_are_their_owners(city: Any) -> None:  # noqa: F811
    client, headers = city
    body = subscription("http://127.0.0.1:9/x", watchedAttributes=["pm10"])
    assert client.post(SUBSCRIPTIONS, json=body).status_code == 401  # anonymous callers keep none here
    mine = subscribe(client, body, headers["afvalbedrijf"])
    other = subscribe(client, body, headers["buurman"])
    assert [s["id"] for s in client.get(SUBSCRIPTIONS, headers=headers["afvalbedrijf"]).json()] == [
        mine.rsplit("/", 1)[1]
    ]
    for call in (client.get, client.delete):
        assert_ngsi_problem(call(other, headers=headers["afvalbedrijf"]), 404, "ResourceNotFound")
    assert_ngsi_problem(
        client.patch(other, json={"isActive": False}, headers=headers["afvalbedrijf"]), 404, "ResourceNotFound"
    )
    assert client.get(other, headers=headers["buurman"]).json()["status"] == "active"
    assert len(client.get(SUBSCRIPTIONS, headers=headers["admin"]).json()) == 2  # admins see all
    assert client.delete(other, headers=headers["admin"]).status_code == 204
