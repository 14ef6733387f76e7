"""The Aggregates extension of the SensorThings face (`/v1.1/Datastreams(id)/Aggregates`) on both
backends: the same buckets as the brute-force computation and as `/api/v1/aggregates`, the access
scope (a hidden Datastream is a 404), and bad input naming the field."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.analytics.test_aggregates import END, START, brute, city, close, days  # noqa: F401 - city: a fixture
from tests.integration.sta.conftest import assert_problem

City = tuple[TestClient, dict[str, dict[str, str]]]


def sta(client: TestClient, stream: int, headers: dict[str, str], **params: Any) -> Any:
    query = {"from": START.isoformat(), "to": END.isoformat(), **params}
    response = client.get(f"/v1.1/Datastreams({stream})/Aggregates", params=query, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_daily_statistics_of_one_datastream(city: City) -> None:  # noqa: F811 - the fixture
    client, keys = city
    functions = ["count", "mean", "max", "stddev", "p90", "last"]
    answer = sta(client, 2, keys["admin"], interval="day", functions=",".join(functions))
    assert answer["source"] == "observations" and answer["Datastream@iot.navigationLink"].endswith("/v1.1/Datastreams(2)")
    close([{f: b[f] for f in functions} for b in answer["buckets"]], brute([2], days(START, END), functions))
    from_rollups = sta(client, 2, keys["admin"], interval="day", functions="count,mean,max,stddev")
    assert from_rollups["source"] == "rollups"
    management = client.get("/api/v1/aggregates", headers=keys["admin"], params={
        "datastreams": "2", "from": START.isoformat(), "to": END.isoformat(), "interval": "day", "functions": "count,mean,max,stddev"})  # fmt: skip
    assert management.json()["datastreams"][0]["buckets"] == from_rollups["buckets"]
    assert from_rollups["buckets"][0]["start"] == START.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_a_hidden_datastream_is_not_found(city: City) -> None:  # noqa: F811 - the fixture
    client, keys = city
    assert sta(client, 3, keys["admin"], functions="count")["buckets"][0]["count"] > 0
    assert_problem(client.get("/v1.1/Datastreams(3)/Aggregates", headers=keys["reader"]), 404)
    assert_problem(client.get("/v1.1/Datastreams(3)/Aggregates"), 404)
    assert_problem(client.get("/v1.1/Datastreams(99)/Aggregates", headers=keys["admin"]), 404)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"interval": "fortnight"}, "interval"),
        ({"functions": "median"}, "functions"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"from": "2026-04-02T00:00:00Z", "to": "2026-04-01T00:00:00Z"}, "to"),
        ({"source": "cache"}, "source"),
        ({"$filter": "result gt 3"}, "$filter"),
    ],
)
def test_bad_input_names_the_field(city: City, params: dict[str, str], field: str) -> None:  # noqa: F811 - the fixture
    client, keys = city
    assert_problem(client.get("/v1.1/Datastreams(1)/Aggregates", params=params, headers=keys["admin"]), 400, field)


def test_only_get(city: City) -> None:  # noqa: F811 - the fixture
    client, keys = city
    assert_problem(client.post("/v1.1/Datastreams(1)/Aggregates", json={}, headers=keys["admin"]), 405)
