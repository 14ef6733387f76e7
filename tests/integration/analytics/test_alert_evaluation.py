"""Alert rules evaluated as data is committed, on both backends: a threshold with minimum duration
and hysteresis fires and auto-resolves; late data is evaluated against its own neighbourhood; the
state survives a new evaluator (a restart); a rule stops on a stream its owner may no longer read."""

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
from tests.integration.sta.conftest import stream_body, thing_body

T0 = datetime(2026, 3, 2, tzinfo=UTC)
RULE = {"operator": "above", "value": 50.0, "hysteresis": 5.0, "minDurationSeconds": 600}


@pytest.fixture
def city(store: Store, tmp_path: Path) -> Iterator[tuple[TestClient, Store, dict[str, Any]]]:
    now = datetime.now(UTC)
    with store.write() as tx:
        records = tx.access
        owner = records.add_party("bewoner", "resident", None, now)
        key = generate_api_key()
        records.add_api_key(key.prefix, key.key_hash, "admin", None, is_admin=True, can_write=True, expires_at=None, now=now)
        dataset = records.add_dataset("thuis", "Sensor thuis", "restricted", owner, "", now)
    settings = Settings(database=str(tmp_path / "x.db"), access_mode="enforced", basemap="none")
    admin = {"X-API-Key": key.secret_key}
    with TestClient(create_app(settings, store=store)) as client:
        stream = stream_body("no2", "NO2", {"name": "microgram per cubic metre", "symbol": "µg/m³"}, [])
        assert client.post("/v1.1/Things", json=thing_body("Tuin", 6.09, 52.51, [stream]), headers=admin).status_code == 201
        with store.write() as tx:
            rule = tx.access.insert_row("alert_rules", {
                "name": "NO2 hoog", "owner_party_id": owner, "kind": "threshold", "datastream_id": 1, "observed_property_id": None,
                "dataset_id": None, "params": RULE, "state": {}, "active": True, "created_at": now, "updated_at": now,
            })  # fmt: skip
        yield client, store, {"admin": admin, "rule": rule, "owner": owner, "dataset": dataset}


def post(client: TestClient, headers: dict[str, str], minutes_values: list[tuple[int, float]]) -> None:
    rows = [[(T0 + timedelta(minutes=m)).isoformat(), v] for m, v in minutes_values]
    body = [{"Datastream": {"@iot.id": 1}, "components": ["phenomenonTime", "result"], "dataArray": rows}]
    assert client.post("/v1.1/CreateObservations", json=body, headers=headers).status_code == 201
    client.app.state.alert_evaluator.wait_idle()  # type: ignore[attr-defined]


def alerts(store: Store) -> list[dict[str, Any]]:
    with store.read_only() as tx:
        return tx.access.rows("alerts", limit=100)


def test_threshold_fires_after_the_minimum_duration_and_clears_past_the_hysteresis(city: Any) -> None:
    client, store, ctx = city
    # above 50 from minute 0; 10 minutes later (minute 10) it has held for the minimum duration
    post(client, ctx["admin"], [(0, 51.0), (5, 60.0)])
    assert alerts(store) == []  # held 5 minutes only
    post(client, ctx["admin"], [(10, 55.0), (15, 49.0)])  # fires at 10; 49 is not past the hysteresis (45)
    found = alerts(store)
    assert [(a["state"], a["value"], a["late"]) for a in found] == [("open", 55.0, False)]
    assert found[0]["phenomenon_time"] == T0 + timedelta(minutes=10)
    post(client, ctx["admin"], [(20, 45.0)])  # 45 <= 50 - 5: clears, the alert resolves itself
    found = alerts(store)
    assert [(a["state"], a["resolved_by"]) for a in found] == [("resolved", "rule")]


def test_a_short_excursion_does_not_fire(city: Any) -> None:
    client, store, ctx = city
    post(client, ctx["admin"], [(0, 80.0), (5, 90.0), (9, 40.0), (12, 80.0), (20, 85.0)])  # never 10 minutes above
    assert alerts(store) == []


def test_late_data_is_evaluated_against_its_own_neighbourhood(city: Any) -> None:
    client, store, ctx = city
    post(client, ctx["admin"], [(0, 10.0), (10, 60.0), (20, 10.0), (30, 70.0), (40, 10.0), (120, 10.0)])
    assert alerts(store) == []  # each excursion was a single reading
    # a late reading below the threshold in the past changes nothing (it neither fires nor clears)
    post(client, ctx["admin"], [(25, 10.0)])
    assert alerts(store) == []
    # a late reading at 12 (above): its run 10..12 lasts 2 minutes only
    post(client, ctx["admin"], [(12, 61.0)])
    assert alerts(store) == []
    post(client, ctx["admin"], [(35, 75.0)])  # run 30..35: 5 minutes
    assert alerts(store) == []
    # a second reading at 40 (72.0, after the stored 10.0 there by id): its run is itself only
    post(client, ctx["admin"], [(40, 72.0)])
    assert alerts(store) == []
    post(client, ctx["admin"], [(41, 73.0)])  # run 40..41: 1 minute
    assert alerts(store) == []
    # run 40..51 lasts 11 minutes: fires at 51 (late); 60 is in the same run, already covered
    post(client, ctx["admin"], [(51, 74.0), (60, 75.0)])
    found = alerts(store)
    assert [(a["phenomenon_time"], a["late"], a["state"]) for a in found] == [(T0 + timedelta(minutes=51), True, "open")]
    # the live state (10.0 at 120: not firing) is untouched: a new live excursion must still wait its 10 minutes
    post(client, ctx["admin"], [(130, 99.0)])
    assert len(alerts(store)) == 1


def test_the_state_survives_a_restart(city: Any, tmp_path: Path) -> None:
    client, store, ctx = city
    post(client, ctx["admin"], [(0, 51.0), (5, 60.0)])  # pending since minute 0
    with store.read_only() as tx:
        state = tx.access.rows("alert_rules", {"id": ctx["rule"]})[0]["state"]
    assert state["1"]["pending_since"] == T0.isoformat()
    evaluator = client.app.state.alert_evaluator
    evaluator.stop()
    evaluator.start()  # a new worker reads the state from the database again
    post(client, ctx["admin"], [(10, 52.0)])
    assert [a["phenomenon_time"] for a in alerts(store)] == [T0 + timedelta(minutes=10)]


def test_a_rule_stops_where_its_owner_may_no_longer_read(city: Any) -> None:
    client, store, ctx = city
    assert client.put(f"/api/v1/datasets/{ctx['dataset']}/datastreams/1", headers=ctx["admin"]).status_code == 204
    post(client, ctx["admin"], [(0, 99.0), (10, 99.0)])  # owner's dataset: fires
    assert len(alerts(store)) == 1
    with store.write() as tx:
        other = tx.access.add_party("ander", "organisation", None, datetime.now(UTC))
        tx.access.update_row("alert_rules", ctx["rule"], {"owner_party_id": other, "state": {}})
    post(client, ctx["admin"], [(20, 99.0), (30, 99.0), (40, 99.0)])  # the new owner may not read the restricted stream
    assert len(alerts(store)) == 1
