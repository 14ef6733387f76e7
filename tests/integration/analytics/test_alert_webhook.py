"""Delivery of alerts to a webhook on both backends: a local receiver gets the alert as signed JSON
(HMAC-SHA256 of the body under the rule's secret); a failing receiver is retried with back-off and
the failure shows on the alert; the secret is never given back."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from stadsdata.access.api_keys import generate_api_key
from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.sta.conftest import stream_body, thing_body

T0 = datetime(2026, 3, 2, tzinfo=UTC)
SECRET = "a-secret-of-the-rule-0123"


@pytest.fixture
def city(store: Store, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    now = datetime.now(UTC)
    with store.write() as tx:
        key = generate_api_key()
        tx.access.add_party("beheer", "organisation", None, now)
        tx.access.add_api_key(key.prefix, key.key_hash, "admin", 1, is_admin=True, can_write=True, expires_at=None, now=now)
    settings = Settings(database=str(tmp_path / "x.db"), access_mode="enforced", basemap="none", notify_private_networks=True)
    admin = {"X-API-Key": key.secret_key}
    with TestClient(create_app(settings, store=store)) as client:
        stream = stream_body("no2", "NO2", {"name": "microgram per cubic metre", "symbol": "µg/m³"}, [])
        assert client.post("/v1.1/Things", json=thing_body("Tuin", 6.09, 52.51, [stream]), headers=admin).status_code == 201
        client.app.state.alert_evaluator.webhooks.first_delay_s = 0.05  # type: ignore[attr-defined]
        yield client, admin


def make_rule(client: TestClient, admin: dict[str, str], url: str) -> dict[str, Any]:
    params = {"operator": "above", "value": 50, "webhook": {"url": url, "secret": SECRET}}
    made = client.post("/api/v1/alert-rules", json={"name": "NO2", "kind": "threshold", "datastreamId": 1, "params": params}, headers=admin)
    assert made.status_code == 201, made.text
    return made.json()


def post(client: TestClient, admin: dict[str, str], minutes_values: list[tuple[int, float]]) -> None:
    rows = [[(T0 + timedelta(minutes=m)).isoformat(), v] for m, v in minutes_values]
    body = [{"Datastream": {"@iot.id": 1}, "components": ["phenomenonTime", "result"], "dataArray": rows}]
    assert client.post("/v1.1/CreateObservations", json=body, headers=admin).status_code == 201
    client.app.state.alert_evaluator.wait_idle()  # type: ignore[attr-defined]


def test_a_signed_delivery(city: Any, httpserver: HTTPServer) -> None:
    client, admin = city
    received: list[Request] = []

    def receive(request: Request) -> Response:
        received.append(request)
        return Response("ok")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(receive)
    rule = make_rule(client, admin, httpserver.url_for("/hook"))
    assert rule["params"]["webhook"]["secret"] == "********"
    post(client, admin, [(0, 10.0), (1, 77.0)])
    assert len(received) == 1
    body = received[0].get_data()
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert received[0].headers["X-Stadsdata-Signature"] == expected
    sent = json.loads(body)
    assert (sent["rule"]["id"], sent["alert"]["value"], sent["alert"]["state"]) == (rule["id"], 77.0, "open")
    alert = client.get("/api/v1/alerts", headers=admin).json()["_embedded"]["alerts"][0]
    assert alert["delivery"]["webhook"]["attempts"] == 1 and alert["delivery"]["webhook"]["deliveredAt"] is not None
    # a changed name keeps the stored secret (the masked one is not written back)
    assert client.put(f"/api/v1/alert-rules/{rule['id']}", json={"name": "NO2 hoog"}, headers=admin).status_code == 200
    post(client, admin, [(2, 10.0), (3, 88.0)])
    assert len(received) == 2
    body = received[1].get_data()
    assert received[1].headers["X-Stadsdata-Signature"] == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def test_a_failing_receiver_is_retried_and_shown(city: Any, httpserver: HTTPServer) -> None:
    client, admin = city
    httpserver.expect_request("/hook", method="POST").respond_with_data("down", status=503)
    make_rule(client, admin, httpserver.url_for("/hook"))
    post(client, admin, [(0, 10.0), (1, 77.0)])
    alert = client.get("/api/v1/alerts", headers=admin).json()["_embedded"]["alerts"][0]
    webhook = alert["delivery"]["webhook"]
    assert (webhook["attempts"], webhook["error"], webhook["deliveredAt"], webhook["nextTry"]) == (5, "HTTP 503", None, None)
    assert len(httpserver.log) == 5  # the first try and four retries (0.05, 0.1, 0.2, 0.4 s apart)


def test_a_retry_pending_at_a_restart_is_resumed(city: Any, httpserver: HTTPServer) -> None:
    """The process stops while a delivery waits for its next try: the next start tries again, as
    attempt 2, when it is due."""
    client, admin = city
    evaluator = client.app.state.alert_evaluator  # type: ignore[attr-defined]
    evaluator.webhooks.first_delay_s = 3600.0  # the retry would be due in an hour: still pending at the stop
    httpserver.expect_ordered_request("/hook", method="POST").respond_with_data("down", status=503)
    make_rule(client, admin, httpserver.url_for("/hook"))
    rows = [[(T0 + timedelta(minutes=m)).isoformat(), v] for m, v in [(0, 10.0), (1, 77.0)]]
    body = [{"Datastream": {"@iot.id": 1}, "components": ["phenomenonTime", "result"], "dataArray": rows}]
    assert client.post("/v1.1/CreateObservations", json=body, headers=admin).status_code == 201
    evaluator.queue.join()
    for _ in range(200):  # the first attempt is made on the delivery thread
        delivery = client.get("/api/v1/alerts", headers=admin).json()["_embedded"]["alerts"][0]["delivery"]
        if delivery is not None:
            break
        time.sleep(0.05)
    evaluator.webhooks.stop()  # stops with the retry pending (the in-memory queue is gone with it)
    webhook = delivery["webhook"]
    assert (webhook["attempts"], webhook["deliveredAt"]) == (1, None) and webhook["nextTry"] is not None
    evaluator.stop()
    httpserver.expect_ordered_request("/hook", method="POST").respond_with_data("ok")
    evaluator.clock = lambda: datetime.now(UTC) + timedelta(hours=2)  # the retry is due
    evaluator.webhooks.pending.clear()
    evaluator.start()
    evaluator.wait_idle()
    webhook = client.get("/api/v1/alerts", headers=admin).json()["_embedded"]["alerts"][0]["delivery"]["webhook"]
    assert webhook["attempts"] == 2 and webhook["deliveredAt"] is not None and webhook["error"] is None
    assert len(httpserver.log) == 2


def test_a_webhook_on_an_internal_address_is_refused_by_default(store: Store, tmp_path: Path, httpserver: HTTPServer) -> None:
    """Without `notify_private_networks` a rule's webhook on 127.0.0.1 is never called: the delivery
    fails with the reason (`service/outbound.py`), the alert itself is kept."""
    now = datetime.now(UTC)
    with store.write() as tx:
        key = generate_api_key()
        tx.access.add_party("beheer", "organisation", None, now)
        tx.access.add_api_key(key.prefix, key.key_hash, "admin", 1, is_admin=True, can_write=True, expires_at=None, now=now)
    admin = {"X-API-Key": key.secret_key}
    with TestClient(create_app(Settings(database=str(tmp_path / "x.db"), access_mode="enforced", basemap="none"), store=store)) as client:
        client.app.state.alert_evaluator.webhooks.attempts = 1  # type: ignore[attr-defined]
        stream = stream_body("no2", "NO2", {"name": "microgram per cubic metre", "symbol": "µg/m³"}, [])
        assert client.post("/v1.1/Things", json=thing_body("Tuin", 6.09, 52.51, [stream]), headers=admin).status_code == 201
        httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
        make_rule(client, admin, httpserver.url_for("/hook"))
        post(client, admin, [(0, 10.0), (1, 77.0)])
        alert = client.get("/api/v1/alerts", headers=admin).json()["_embedded"]["alerts"][0]
    webhook = alert["delivery"]["webhook"]
    assert webhook["deliveredAt"] is None and webhook["error"].startswith("refused: ") and "not a public address" in webhook["error"]
    assert len(httpserver.log) == 0
