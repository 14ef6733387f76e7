"""The alert rule kinds beyond threshold, evaluated as data is committed, on both backends: rules
created over the API, readings posted over SensorThings, alerts read back. The stale kind is checked
by the evaluator's timer (called here with a fixed clock), over every stream of an ObservedProperty."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.analytics.test_alert_evaluation import T0, alerts, city, post

__all__ = ["city"]  # the fixture, shared with the threshold tests


def rule(client: TestClient, ctx: dict[str, Any], kind: str, params: dict[str, Any], **target: int) -> int:
    body = {"name": f"{kind} regel", "kind": kind, "params": params, "ownerPartyId": ctx["owner"], **(target or {"datastreamId": 1})}
    answer = client.post("/api/v1/alert-rules", json=body, headers=ctx["admin"])
    assert answer.status_code == 201, answer.text
    # the fixture's threshold rule is set aside: only this kind speaks
    client.put(f"/api/v1/alert-rules/{ctx['rule']}", json={"active": False}, headers=ctx["admin"])
    return int(answer.json()["id"])


def summary(store: Any) -> list[tuple[str, Any, str, bool]]:
    return [(a["state"], a["phenomenon_time"], a["resolved_by"] or "", bool(a["late"])) for a in alerts(store)]


def test_rate_of_change(city: Any) -> None:
    client, store, ctx = city
    rule(client, ctx, "rate_of_change", {"maxChange": 30, "perSeconds": 3600, "direction": "rise"})
    post(client, ctx["admin"], [(0, 10.0), (10, 14.0), (20, 30.0)])  # 24/h, then 96/h: fires at 20
    assert summary(store) == [("open", T0 + timedelta(minutes=20), "", False)]
    assert "rises more than 30 per 1 h" in alerts(store)[0]["message"] and "+96" in alerts(store)[0]["message"]
    post(client, ctx["admin"], [(30, 31.0)])  # 6/h: the rule resolves its alert
    assert summary(store) == [("resolved", T0 + timedelta(minutes=20), "rule", False)]
    post(client, ctx["admin"], [(5, 40.0)])  # late: +180/h from 0 to 5: a late alert of its own
    assert summary(store)[-1] == ("open", T0 + timedelta(minutes=5), "", True)


def test_stuck_value(city: Any) -> None:
    client, store, ctx = city
    rule(client, ctx, "stuck", {"minDurationSeconds": 1800, "tolerance": 0})
    post(client, ctx["admin"], [(m, 7.0) for m in range(0, 30, 10)])
    assert alerts(store) == []  # 20 minutes only
    post(client, ctx["admin"], [(30, 7.0), (40, 7.0)])
    assert summary(store) == [("open", T0 + timedelta(minutes=30), "", False)]
    post(client, ctx["admin"], [(50, 7.5)])
    assert summary(store) == [("resolved", T0 + timedelta(minutes=30), "rule", False)]


def test_stale_sensor_checked_on_the_timer_over_an_observed_property(city: Any) -> None:
    client, store, ctx = city
    prop = client.get("/v1.1/Datastreams(1)/ObservedProperty", headers=ctx["admin"]).json()["@iot.id"]
    rule(client, ctx, "stale", {"maxAgeSeconds": 3600}, observedPropertyId=prop)
    evaluator = client.app.state.alert_evaluator  # type: ignore[attr-defined]
    post(client, ctx["admin"], [(0, 1.0), (30, 2.0)])
    evaluator.clock = lambda: T0 + timedelta(minutes=90)  # 60 minutes after the newest: not more than the age
    evaluator.sweep()
    assert alerts(store) == []
    evaluator.clock = lambda: T0 + timedelta(minutes=91)
    evaluator.sweep()
    evaluator.sweep()  # once
    found = alerts(store)
    assert summary(store) == [("open", T0 + timedelta(minutes=30), "", False)] and found[0]["value"] == 2.0
    assert "no reading for more than 1 h" in found[0]["message"]
    post(client, ctx["admin"], [(95, 3.0)])  # it reports again: resolved by the rule
    assert summary(store) == [("resolved", T0 + timedelta(minutes=30), "rule", False)]


def test_air_quality_hourly_limit(city: Any) -> None:
    client, store, ctx = city
    rule(client, ctx, "air_quality", {"pollutant": "NO2", "standard": "eu-2008"})
    hour = [(m, 250.0) for m in range(0, 60, 15)]  # four readings an hour, mean 250 > 200
    post(client, ctx["admin"], hour + [(60 + m, 100.0) for m in range(0, 60, 15)])
    found = alerts(store)
    assert summary(store) == [("open", T0, "", False)] and found[0]["value"] == 250.0
    assert "exceedance 1 of 18 allowed in 2026" in found[0]["message"]
    post(client, ctx["admin"], [(120, 100.0)])  # closes the second hour (100): resolved
    assert summary(store) == [("resolved", T0, "rule", False)]


def test_data_quality_out_of_range_by_the_streams_unit(city: Any) -> None:
    client, store, ctx = city
    rule(client, ctx, "data_quality", {"check": "out_of_range"})  # µg/m³: never below zero
    post(client, ctx["admin"], [(0, 3.0), (1, -2.0), (2, -1.0), (3, 4.0)])
    assert summary(store) == [("resolved", T0 + timedelta(minutes=1), "rule", False)]  # opened and cleared in one round
    post(client, ctx["admin"], [(2, -9.0)])  # a late reading out of range
    assert summary(store)[-1] == ("open", T0 + timedelta(minutes=2), "", True)


def test_bad_kinds_and_params_are_400_naming_the_field(city: Any) -> None:
    client, _, ctx = city
    for body, field in (
        ({"kind": "forecast", "params": {}}, "kind"),
        ({"kind": "stale", "params": {"maxAgeSeconds": -5}}, "params.maxAgeSeconds"),
        ({"kind": "air_quality", "params": {"pollutant": "PM2.5"}}, "params.pollutant"),
    ):
        answer = client.post("/api/v1/alert-rules", json={"name": "x", "datastreamId": 1, "ownerPartyId": ctx["owner"], **body}, headers=ctx["admin"])
        assert answer.status_code == 400 and answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["field"] == field, answer.json()
