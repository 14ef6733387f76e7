"""/api/v1/alert-rules and /api/v1/alerts on both backends: create over readable streams only,
bad input as 400 naming the field, an alert fired by committed data, acknowledge and resolve, and
nothing of another party's rules or alerts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stadsdata.access.api_keys import generate_api_key
from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.sta.conftest import assert_problem, stream_body, thing_body

T0 = datetime(2026, 3, 2, tzinfo=UTC)
PARAMS = {"operator": "above", "value": 50, "hysteresis": 5, "minDurationSeconds": 0}


@pytest.fixture
def city(store: Store, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, dict[str, str]], dict[str, int]]]:
    now = datetime.now(UTC)
    keys: dict[str, dict[str, str]] = {}
    with store.write() as tx:
        records = tx.access
        owner = records.add_party("bewoner", "resident", None, now)
        other = records.add_party("buur", "resident", None, now)
        for name, party, admin in (("admin", None, True), ("owner", owner, False), ("other", other, False)):
            key = generate_api_key()
            records.add_api_key(key.prefix, key.key_hash, name, party, is_admin=admin, can_write=admin, expires_at=None, now=now)
            keys[name] = {"X-API-Key": key.secret_key}
        dataset = records.add_dataset("thuis", "Sensor thuis", "restricted", owner, "", now)
    settings = Settings(database=str(tmp_path / "x.db"), access_mode="enforced", basemap="none")
    with TestClient(create_app(settings, store=store)) as client:
        stream = stream_body("no2", "NO2", {"name": "microgram per cubic metre", "symbol": "µg/m³"}, [])
        assert client.post("/v1.1/Things", json=thing_body("Tuin", 6.09, 52.51, [stream]), headers=keys["admin"]).status_code == 201
        assert client.put(f"/api/v1/datasets/{dataset}/datastreams/1", headers=keys["admin"]).status_code == 204
        yield client, keys, {"owner": owner, "other": other, "dataset": dataset}


def post(client: TestClient, headers: dict[str, str], minutes_values: list[tuple[int, float]]) -> None:
    rows = [[(T0 + timedelta(minutes=m)).isoformat(), v] for m, v in minutes_values]
    body = [{"Datastream": {"@iot.id": 1}, "components": ["phenomenonTime", "result"], "dataArray": rows}]
    assert client.post("/v1.1/CreateObservations", json=body, headers=headers).status_code == 201
    client.app.state.alert_evaluator.wait_idle()  # type: ignore[attr-defined]


def test_rules_alerts_acknowledge_and_resolve(city: Any) -> None:
    client, keys, ids = city
    made = client.post("/api/v1/alert-rules", json={"name": "NO2", "kind": "threshold", "datastreamId": 1, "params": PARAMS}, headers=keys["owner"])
    assert made.status_code == 201, made.text
    rule = made.json()
    assert (rule["ownerPartyId"], rule["datastreamId"], rule["active"]) == (ids["owner"], 1, True)
    assert [r["id"] for r in client.get("/api/v1/alert-rules", headers=keys["owner"]).json()["_embedded"]["alertRules"]] == [rule["id"]]
    assert client.get("/api/v1/alert-rules", headers=keys["other"]).json()["_embedded"]["alertRules"] == []
    assert client.get(f"/api/v1/alert-rules/{rule['id']}", headers=keys["other"]).status_code == 404

    post(client, keys["admin"], [(0, 10.0), (1, 70.0), (2, 40.0), (3, 80.0)])  # fires at 1, clears at 2 (40 <= 45), fires at 3
    listed = client.get("/api/v1/alerts", headers=keys["owner"]).json()["_embedded"]["alerts"]
    assert [(a["value"], a["state"]) for a in listed] == [(80.0, "open"), (70.0, "resolved")]  # newest first
    assert [a["value"] for a in client.get("/api/v1/alerts?state=open", headers=keys["owner"]).json()["_embedded"]["alerts"]] == [80.0]
    assert client.get("/api/v1/alerts?datastream=2", headers=keys["owner"]).json()["_embedded"]["alerts"] == []
    assert client.get("/api/v1/alerts", headers=keys["other"]).json()["_embedded"]["alerts"] == []
    opened = listed[0]["id"]
    assert client.post(f"/api/v1/alerts/{opened}/acknowledge", headers=keys["other"]).status_code == 404
    acked = client.post(f"/api/v1/alerts/{opened}/acknowledge", headers=keys["owner"])
    assert acked.status_code == 200 and acked.json()["state"] == "acknowledged" and acked.json()["acknowledgedBy"].startswith("key:")
    assert client.post(f"/api/v1/alerts/{opened}/acknowledge", headers=keys["owner"]).status_code == 409
    done = client.post(f"/api/v1/alerts/{opened}/resolve", headers=keys["owner"]).json()
    assert done["state"] == "resolved" and done["resolvedAt"] is not None

    changed = client.put(f"/api/v1/alert-rules/{rule['id']}", json={"active": False}, headers=keys["owner"])
    assert changed.status_code == 200 and changed.json()["active"] is False
    post(client, keys["admin"], [(4, 10.0), (5, 90.0)])  # inactive: nothing new
    assert len(client.get("/api/v1/alerts", headers=keys["owner"]).json()["_embedded"]["alerts"]) == 2
    assert client.delete(f"/api/v1/alert-rules/{rule['id']}", headers=keys["owner"]).status_code == 204
    assert client.get(f"/api/v1/alert-rules/{rule['id']}", headers=keys["owner"]).status_code == 404


def test_bad_input_names_the_field(city: Any) -> None:
    client, keys, ids = city
    good = {"name": "NO2", "kind": "threshold", "datastreamId": 1, "params": PARAMS}
    cases = [
        ({**good, "name": ""}, "name"),
        ({**good, "kind": "magic"}, "kind"),
        ({**good, "params": {**PARAMS, "operator": "sideways"}}, "params.operator"),
        ({**good, "params": {**PARAMS, "value": "high"}}, "params.value"),
        ({**good, "params": {**PARAMS, "hysteresis": -1}}, "params.hysteresis"),
        ({**good, "datastreamId": "one"}, "datastreamId"),
        ({**good, "datastreamId": 99}, "datastreamId"),
    ]
    for body, field in cases:
        answer = client.post("/api/v1/alert-rules", json=body, headers=keys["owner"])
        assert_problem(answer, 400)
        assert answer.json()["field"] == field, (body, answer.json())
    # the other party may not read the restricted stream: no rule over it, for them or made for them
    answer = client.post("/api/v1/alert-rules", json=good, headers=keys["other"])
    assert_problem(answer, 400)
    assert answer.json()["field"] == "datastreamId"
    assert client.post("/api/v1/alert-rules", json={**good, "ownerPartyId": ids["other"]}, headers=keys["admin"]).status_code == 400
    assert client.post("/api/v1/alert-rules", json={**good, "ownerPartyId": ids["owner"]}, headers=keys["other"]).status_code == 403
    made = client.post("/api/v1/alert-rules", json={**good, "ownerPartyId": ids["owner"]}, headers=keys["admin"])
    assert made.status_code == 201 and made.json()["ownerPartyId"] == ids["owner"]
    assert client.get("/api/v1/alerts?state=maybe", headers=keys["owner"]).json()["field"] == "state"
    assert client.get("/api/v1/alert-rules").status_code == 401
