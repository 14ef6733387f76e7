"""`/api/v1/datastreams/{id}/quality` on both backends: the findings of known data, the stream's own
valid range, the caller's access (a restricted stream does not exist for an outsider; its owner's
reads are audited) and bad input."""

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
RANGE = "from=2026-03-02T00:00:00Z&to=2026-03-02T03:00:00Z"


@pytest.fixture
def city(store: Store, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
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
        records.add_dataset("thuis", "Sensor thuis", "restricted", owner, "", now)
    settings = Settings(database=str(tmp_path / "x.db"), access_mode="enforced", basemap="none")
    with TestClient(create_app(settings, store=store)) as client:
        stream = stream_body("pm10", "PM10", {"name": "microgram per cubic metre", "symbol": "µg/m³"}, [])
        assert client.post("/v1.1/Things", json=thing_body("Tuin", 6.09, 52.51, [stream]), headers=keys["admin"]).status_code == 201
        values: list[float] = [10.0 + (m % 7) for m in range(180)]
        values[50] = 400.0  # an outlier
        values[70:73] = [-3.0, -3.0, -4.0]  # out of range (a concentration below zero)
        values[100:110] = [12.5] * 10  # a flat line
        rows = [[(T0 + timedelta(minutes=m)).isoformat(), v] for m, v in enumerate(values) if not 130 <= m < 150]  # a 20-min gap
        body = [{"Datastream": {"@iot.id": 1}, "components": ["phenomenonTime", "result"], "dataArray": rows}]
        assert client.post("/v1.1/CreateObservations", json=body, headers=keys["admin"]).status_code == 201
        late = {"phenomenonTime": (T0 + timedelta(minutes=60)).isoformat(), "result": 11.0}  # after readings 2 h later: late
        assert client.post("/v1.1/Datastreams(1)/Observations", json=late, headers=keys["admin"]).status_code == 201
        assert client.put("/api/v1/datasets/1/datastreams/1", headers=keys["admin"]).status_code == 204
        yield client, keys


def quality(client: TestClient, headers: dict[str, str], query: str = RANGE) -> Any:
    return client.get(f"/api/v1/datastreams/1/quality?{query}", headers=headers)


def test_the_findings_of_known_data(city: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, keys = city
    response = quality(client, keys["owner"])
    assert response.status_code == 200, response.text
    report = response.json()
    # values 10 … 16 (median 13, MAD 2): 400 and the three below zero are outliers too
    assert report["counts"] == {"gap": 1, "outlier": 4, "flat_line": 1, "out_of_range": 1, "late": 1}
    found = [(f["kind"], f["start"][11:16], f["end"][11:16], f["count"], f["value"]) for f in report["findings"]]
    assert found == [
        ("outlier", "00:50", "00:50", 1, 400.0),
        ("late", "01:00", "01:00", 1, 11.0),
        ("outlier", "01:10", "01:10", 1, -3.0),
        ("out_of_range", "01:10", "01:12", 3, -3.0),
        ("outlier", "01:11", "01:11", 1, -3.0),
        ("outlier", "01:12", "01:12", 1, -4.0),
        ("flat_line", "01:40", "01:49", 10, 12.5),
        ("gap", "02:09", "02:30", 0, None),
    ]
    assert (report["readings"], report["numericReadings"], report["usualIntervalSeconds"]) == (161, 161, 60.0)
    assert report["validRange"] == [0, None] and report["datastream"]["id"] == 1
    # a range that begins a day before the sensor's first reading: no gap before it (nor after now)
    earlier = quality(client, keys["owner"], "from=2026-03-01T00:00:00Z&to=2026-03-02T03:00:00Z").json()
    assert earlier["counts"] == report["counts"] and earlier["completeness"] == report["completeness"]


def test_a_restricted_stream_does_not_exist_for_an_outsider_and_its_owners_reads_are_audited(
    city: tuple[TestClient, dict[str, dict[str, str]]], store: Store
) -> None:
    client, keys = city
    assert_problem(quality(client, keys["other"]), 404)
    assert_problem(quality(client, {}), 404)
    assert quality(client, keys["owner"]).status_code == 200
    with store.read_only() as tx:
        events = [e for e in tx.access.audit_events(limit=100) if "/quality" in (e.request or "")]
    assert [(e.records, e.dataset_id) for e in events] == [(161, 1)]


def test_bad_input_names_the_field(city: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, keys = city
    cases = {
        "from=2026-03-03T00:00:00Z&to=2026-03-02T00:00:00Z": "to",
        "from=yesterday": "from",
        "from=2025-01-01T00:00:00Z&to=2026-03-02T00:00:00Z": "from",  # more than 366 days
        f"{RANGE}&flatRun=1": "flatRun",
        f"{RANGE}&gapFactor=abc": "gapFactor",
    }
    for query, field in cases.items():
        assert_problem(quality(client, keys["owner"], query), 400, field)
