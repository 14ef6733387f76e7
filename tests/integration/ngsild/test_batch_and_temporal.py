"""Batch entity operations (clause 6.14–6.17: BatchOperationResult) and the temporal retrieval
of an entity (clause 6.19.3.1), aggregated from the rollups and checked against sums made by
hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from stadsdata.store.base import Store
from tests.integration.ngsild.conftest import BASE, ERRORS, air, assert_ngsi_problem


def test_batch_create_upsert_update_delete(client: TestClient) -> None:
    url = f"{BASE}/entityOperations"
    created = client.post(f"{url}/create", json=[air("a"), air("b")])
    assert created.status_code == 201 and created.json() == [air("a")["id"], air("b")["id"]]
    # one fails (exists already; a bad one), the others are done: 207 with success and errors
    mixed = client.post(
        f"{url}/create", json=[air("a"), air("c"), {"id": "urn:x:bad", "type": "T", "v": {"type": "Property"}}]
    )
    assert mixed.status_code == 207
    assert mixed.json()["success"] == [air("c")["id"]]
    errors = {e["entityId"]: e["error"] for e in mixed.json()["errors"]}
    assert errors[air("a")["id"]]["type"] == ERRORS + "AlreadyExists" and errors[air("a")["id"]]["status"] == 409
    assert errors["urn:x:bad"]["type"] == ERRORS + "BadRequestData"
    # upsert: a new one is created (201 with its id), an existing one updated
    upsert = client.post(f"{url}/upsert", json=[air("a", no2=99, when="2026-05-02T10:00:00Z"), air("d")])
    assert upsert.status_code == 201 and upsert.json() == [air("d")["id"]]
    assert client.get(f"{BASE}/entities/{air('a')['id']}", params={"options": "keyValues"}).json()["no2"] == 99
    only_updates = client.post(f"{url}/upsert", json=[air("a", no2=98, when="2026-05-03T10:00:00Z")])
    assert only_updates.status_code == 204
    # update: existing ones only
    update = client.post(f"{url}/update", json=[{"id": air("b")["id"], "type": "AirQualityObserved", "no2": {"value": 7, "observedAt": "2026-05-02T10:00:00Z"}},
                                                {"id": "urn:ngsi-ld:AirQualityObserved:none", "type": "AirQualityObserved", "no2": 1}])  # fmt: skip
    assert update.status_code == 207 and update.json()["success"] == [air("b")["id"]]
    assert update.json()["errors"][0]["error"]["type"] == ERRORS + "ResourceNotFound"
    # delete
    deleted = client.post(f"{url}/delete", json=[air("a")["id"], air("b")["id"]])
    assert deleted.status_code == 204
    rest = client.post(f"{url}/delete", json=[air("c")["id"], "urn:ngsi-ld:AirQualityObserved:a"])
    assert rest.status_code == 207 and rest.json()["success"] == [air("c")["id"]]
    assert [e["id"] for e in client.get(f"{BASE}/entities", params={"type": "AirQualityObserved"}).json()] == [
        air("d")["id"]
    ]
    assert_ngsi_problem(client.post(f"{url}/create", json={"id": "x"}), 400, "BadRequestData", "body")
    assert_ngsi_problem(client.post(f"{url}/merge", json=[air("e")]), 404, "ResourceNotFound", "operation")


def test_temporal_instances_and_a_year_aggregated_from_rollups(
    client: TestClient, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.post(f"{BASE}/entities", json=air(no2=0.0, when="2025-01-01T00:00:00Z")).status_code == 201
    stream = client.get("/v1.1/Datastreams?$filter=name eq 'no2'").json()["value"][0]["@iot.id"]
    start = datetime(2025, 1, 1, tzinfo=UTC)
    values = {start + timedelta(hours=h): float((h * 7) % 23) for h in range(1, 24 * 365)}
    values[start] = 0.0
    rows = [[t.isoformat().replace("+00:00", "Z"), v] for t, v in values.items() if t != start]
    posted = client.post(
        "/v1.1/CreateObservations",
        json=[{"Datastream": {"@iot.id": stream}, "components": ["phenomenonTime", "result"], "dataArray": rows}],
    )
    assert posted.status_code == 201, posted.text[:300]
    url = f"{BASE}/temporal/entities/{air()['id']}"
    # instances of a day, and lastN
    day = client.get(
        url,
        params={
            "attrs": "no2",
            "timerel": "between",
            "timeAt": "2025-03-01T00:00:00Z",
            "endTimeAt": "2025-03-02T00:00:00Z",
        },
    )
    assert day.status_code == 200, day.text
    instances = day.json()["no2"]
    march = sorted(
        (t, v) for t, v in values.items() if datetime(2025, 3, 1, tzinfo=UTC) <= t < datetime(2025, 3, 2, tzinfo=UTC)
    )
    assert [(i["observedAt"], i["value"]) for i in instances] == [
        (t.isoformat().replace("+00:00", "Z"), v) for t, v in march
    ]
    assert "pm10" not in day.json()
    simple = client.get(url, params={"attrs": "no2", "options": "temporalValues", "lastN": "3"}).json()["no2"]
    assert simple["type"] == "Property" and [v for v, _ in simple["values"]] == [values[t] for t in sorted(values)[-3:]]
    # a year in 30-day periods from the rollups, against the sums made here
    with store.read_only() as tx:
        kind = type(tx)
    asked: list[tuple[str, int]] = []
    series = kind.series

    def spy(
        self: object, stream: int, start: datetime, end: datetime, resolution: str, bucket_hours: int = 1
    ) -> object:
        asked.append((resolution, bucket_hours))
        return series(self, stream, start, end, resolution, bucket_hours)  # type: ignore[arg-type]

    monkeypatch.setattr(kind, "series", spy)
    year = client.get(url, params={"attrs": "no2", "timerel": "between", "timeAt": "2025-01-01T00:00:00Z", "endTimeAt": "2026-01-01T00:00:00Z",
                                   "aggrMethods": "totalCount,sum,avg,min,max", "aggrPeriodDuration": "P30D"}).json()["no2"]  # fmt: skip
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    buckets: dict[datetime, list[float]] = {}
    for t, v in values.items():
        buckets.setdefault(epoch + ((t - epoch) // timedelta(days=30)) * timedelta(days=30), []).append(v)
    expected = sorted(buckets.items())
    assert [c for c, _, _ in year["totalCount"]] == [len(vs) for _, vs in expected]
    # the sum is the rollups' mean times the count: equal up to floating-point rounding
    assert [s for s, _, _ in year["sum"]] == pytest.approx([sum(vs) for _, vs in expected], rel=1e-12)
    assert [a for a, _, _ in year["avg"]] == pytest.approx([sum(vs) / len(vs) for _, vs in expected], rel=1e-12)
    assert [m for m, _, _ in year["min"]] == [min(vs) for _, vs in expected] and [m for m, _, _ in year["max"]] == [
        max(vs) for _, vs in expected
    ]
    assert year["sum"][0][1:] == [
        b.isoformat().replace("+00:00", "Z") for b in (expected[0][0], expected[0][0] + timedelta(days=30))
    ]
    assert sum(c for c, _, _ in year["totalCount"]) == 365 * 24
    assert asked == [("day", 30)]  # folded from the hourly rollups, not read as 8 760 observations
    assert_ngsi_problem(
        client.get(url, params={"aggrMethods": "stddev", "aggrPeriodDuration": "P1D"}),
        422,
        "OperationNotSupported",
        "aggrMethods",
    )
    assert_ngsi_problem(
        client.get(url, params={"aggrMethods": "avg", "aggrPeriodDuration": "PT5M"}),
        422,
        "OperationNotSupported",
        "aggrPeriodDuration",
    )
    assert_ngsi_problem(
        client.get(url, params={"timerel": "between", "timeAt": "2025-01-01T00:00:00Z"}),
        400,
        "BadRequestData",
        "endTimeAt",
    )
    assert_ngsi_problem(
        client.get(url, params={"timerel": "whenever", "timeAt": "2025-01-01T00:00:00Z"}),
        400,
        "BadRequestData",
        "timerel",
    )
