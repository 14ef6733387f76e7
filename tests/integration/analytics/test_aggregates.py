"""`/api/v1/aggregates` on both backends against a brute-force computation over the same generated
observations: every function, calendar days across the daylight-saving change in Europe/Amsterdam,
weeks, months, the rollup path and the raw path agreeing where both apply, combined streams, the
selection by ObservedProperty, dataset and area, the access scope, and bad input."""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from stadsdata.access.api_keys import generate_api_key
from stadsdata.analytics.aggregates.functions import percentile
from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.sta.conftest import assert_problem, stream_body, thing_body

AMS = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 3, 27, tzinfo=AMS)  # Friday; the clocks go forward on Sunday 29 March
END = datetime(2026, 4, 6, tzinfo=AMS)
STEP = timedelta(minutes=20)


def values(stream: int) -> list[tuple[datetime, float]]:
    """Readings every 20 minutes, a gap of a day in stream 2, deterministic values."""
    out, moment, i = [], START.astimezone(UTC), 0
    while moment < END:
        if not (stream == 2 and datetime(2026, 4, 1, tzinfo=AMS) <= moment < datetime(2026, 4, 2, tzinfo=AMS)):
            out.append((moment, round(((i * 37 + stream * 11) % 101) / 4 - 5 + stream, 2)))
        moment += STEP
        i += 1
    return out


@pytest.fixture
def city(store: Store, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    now = datetime.now(UTC)
    keys: dict[str, dict[str, str]] = {}
    with store.write() as tx:
        records = tx.access
        owner = records.add_party("gemeente", "organisation", None, now)
        for name, admin in (("admin", True), ("reader", False)):
            key = generate_api_key()
            records.add_api_key(key.prefix, key.key_hash, name, None, is_admin=admin, can_write=admin, expires_at=None, now=now)
            keys[name] = {"X-API-Key": key.secret_key}
        records.add_dataset("lucht", "Lucht", "public", owner, "", now)
        records.add_dataset("geheim", "Geheim", "restricted", owner, "", now)
    areas = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Oost"},
         "geometry": {"type": "Polygon", "coordinates": [[[6.8, 52.8], [7.2, 52.8], [7.0, 53.3], [6.8, 52.8]]]}},
    ]}  # fmt: skip
    (tmp_path / "areas.geojson").write_text(json.dumps(areas))
    settings = Settings(database=str(tmp_path / "x.db"), access_mode="enforced", basemap="none", aggregate_max_buckets=5000,
                        catalog_areas=str(tmp_path / "areas.geojson"))  # fmt: skip
    with TestClient(create_app(settings, store=store)) as client:
        places = {1: (5.0, 52.0), 2: (5.1, 52.1), 3: (7.0, 53.0)}
        for stream in (1, 2, 3):
            prop = "PM10" if stream < 3 else "NO2"
            body = thing_body(f"Kast {stream}", *places[stream], [stream_body(f"s{stream}", prop, {"name": "µg/m³", "symbol": "µg/m³"}, [])])
            assert client.post("/v1.1/Things", json=body, headers=keys["admin"]).status_code == 201
            rows = [[t.isoformat(), v] for t, v in values(stream)]
            data = [{"Datastream": {"@iot.id": stream}, "components": ["phenomenonTime", "result"], "dataArray": rows}]
            assert client.post("/v1.1/CreateObservations", json=data, headers=keys["admin"]).status_code == 201
        for stream, dataset in ((1, 1), (2, 1), (3, 2)):
            assert client.put(f"/api/v1/datasets/{dataset}/datastreams/{stream}", headers=keys["admin"]).status_code == 204
        yield client, keys


def brute(streams: list[int], edges: list[datetime], functions: list[str]) -> list[dict[str, Any]]:
    readings = sorted((t, v) for s in streams for t, v in values(s))
    out = []
    for a, b in zip(edges, edges[1:], strict=False):
        got = [v for t, v in readings if a <= t < b]
        row: dict[str, Any] = {}
        for f in functions:
            if f == "count":
                row[f] = len(got)
            elif not got:
                row[f] = None
            elif f == "stddev":
                row[f] = statistics.stdev(got) if len(got) > 1 else None
            else:
                row[f] = {"sum": sum(got), "min": min(got), "max": max(got), "mean": statistics.fmean(got), "first": got[0],
                          "last": got[-1]}.get(f) if not f.startswith("p") else percentile(sorted(got), float(f[1:]))  # fmt: skip
        out.append(row)
    return out


def days(first: datetime, last: datetime) -> list[datetime]:
    out, day = [], first
    while day <= last:
        out.append(day.astimezone(UTC))
        day = datetime(day.year, day.month, day.day, tzinfo=AMS) + timedelta(days=1)
        day = datetime(day.year, day.month, day.day, tzinfo=AMS)
    return out


def ask(client: TestClient, headers: dict[str, str], **params: Any) -> Any:
    query = {"from": START.isoformat(), "to": END.isoformat(), **params}
    response = client.get("/api/v1/aggregates", params=query, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def close(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        for f, value in w.items():
            assert (g[f] is None) == (value is None), (f, g, w)
            if isinstance(value, str):
                assert g[f] == value, (f, g, w)
            elif value is not None:
                assert g[f] == pytest.approx(value, rel=1e-9, abs=1e-9), (f, g, w)


ALL = ["count", "sum", "min", "max", "mean", "stddev", "first", "last", "p50", "p95", "p0", "p100"]


def test_every_function_per_local_day_across_the_clock_change_from_raw_rows(city: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, keys = city
    answer = ask(client, keys["admin"], datastreams="1,2", interval="day", functions=",".join(ALL))
    assert answer["source"] == "observations" and answer["timezone"] == "Europe/Amsterdam"
    edges = days(START, END)
    assert [b["start"] for b in answer["datastreams"][0]["buckets"]][2:4] == ["2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"]  # 23 hours
    for stream in answer["datastreams"]:
        close([{f: b[f] for f in ALL} for b in stream["buckets"]], brute([stream["id"]], edges, ALL))
    assert answer["datastreams"][1]["buckets"][5]["count"] == 0  # stream 2's gap: 1 April


def test_the_rollups_answer_what_the_raw_rows_answer(city: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, keys = city
    functions = "count,sum,min,max,mean,stddev"
    from_rollups = ask(client, keys["admin"], datastreams="1,2", interval="day", functions=functions)
    from_rows = ask(client, keys["admin"], datastreams="1,2", interval="day", functions=functions + ",first")
    assert (from_rollups["source"], from_rows["source"]) == ("rollups", "observations")
    for a, b in zip(from_rollups["datastreams"], from_rows["datastreams"], strict=True):
        close(a["buckets"], [{k: v for k, v in row.items() if k != "first"} for row in b["buckets"]])
    forced = ask(client, keys["admin"], datastreams="1,2", interval="day", functions=functions, source="observations")
    assert forced["source"] == "observations"
    for a, b in zip(from_rollups["datastreams"], forced["datastreams"], strict=True):
        close(a["buckets"], b["buckets"])
    hours = ask(client, keys["admin"], datastreams="1", interval="6hour", functions="mean,count")
    assert hours["source"] == "rollups"
    edges = [START.astimezone(UTC) + i * timedelta(hours=6) for i in range(int((END - START) / timedelta(hours=6)) + 1)]
    close([{k: b[k] for k in ("mean", "count")} for b in hours["datastreams"][0]["buckets"]], brute([1], edges, ["mean", "count"]))


def test_weeks_months_and_combined_streams(city: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, keys = city
    weeks = ask(client, keys["admin"], observedProperty="PM10", interval="week", functions="count,mean,p90", combine="true")
    assert weeks["combined"] and [d["id"] for d in weeks["datastreams"]] == [1, 2]
    mondays = [datetime(2026, 3, 23, tzinfo=AMS).astimezone(UTC), datetime(2026, 3, 30, tzinfo=AMS).astimezone(UTC),
               datetime(2026, 4, 6, tzinfo=AMS).astimezone(UTC)]  # fmt: skip
    close([{k: b[k] for k in ("count", "mean", "p90")} for b in weeks["buckets"]], brute([1, 2], mondays, ["count", "mean", "p90"]))
    assert weeks["buckets"][0]["start"] == START.astimezone(UTC).isoformat().replace("+00:00", "Z")  # cut at the range's start
    months = ask(client, keys["admin"], datastreams="3", interval="month", functions="count,max", timezone="UTC")
    assert [b["count"] for b in months["datastreams"][0]["buckets"]] == [
        sum(1 for t, _ in values(3) if t.month == 3), sum(1 for t, _ in values(3) if t.month == 4)]  # fmt: skip


def test_the_selection_and_the_access_scope(city: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, keys = city
    assert [d["id"] for d in ask(client, keys["admin"], dataset="lucht", functions="count")["datastreams"]] == [1, 2]
    assert [d["id"] for d in ask(client, keys["admin"], bbox="6.5,52.5,7.5,53.5", functions="count")["datastreams"]] == [3]
    assert [d["id"] for d in ask(client, keys["admin"], area="Oost", functions="count")["datastreams"]] == [3]  # a triangle around it
    assert ask(client, keys["reader"], area="Oost", functions="count")["datastreams"] == []  # hidden from a reader
    # stream 3 is in a restricted dataset: a reader does not see it, asked by id it does not exist
    assert [d["id"] for d in ask(client, keys["reader"], bbox="4,51,8,54", functions="count")["datastreams"]] == [1, 2]
    assert_problem(client.get("/api/v1/aggregates", params={"datastreams": "3"}, headers=keys["reader"]), 404)
    assert_problem(client.get("/api/v1/aggregates", params={"datastreams": "1,3"}), 404)  # one hidden among those asked
    assert [d["id"] for d in ask(client, {}, datastreams="1,3", observedProperty="PM10", functions="count")["datastreams"]] == [1]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"datastreams": "1", "interval": "fortnight"}, "interval"),
        ({"datastreams": "1", "functions": "median"}, "functions"),
        ({"datastreams": "1", "functions": "p101"}, "functions"),
        ({"datastreams": "1", "timezone": "Europe/Veenhaven"}, "timezone"),
        ({"datastreams": "1", "from": "2026-04-02T00:00:00Z", "to": "2026-04-01T00:00:00Z"}, "to"),
        ({"datastreams": "1", "interval": "minute", "from": "2026-01-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"}, "interval"),
        ({"datastreams": "1,x"}, "datastreams"),
        ({"bbox": "7,53,6,52"}, "bbox"),
        ({"area": "Atlantis"}, "area"),
        ({}, "datastreams"),
        ({"datastreams": "1", "functions": "p50", "source": "rollups"}, "source"),
        ({"datastreams": "1", "source": "cache"}, "source"),
    ],
)
def test_bad_input_names_the_field(city: tuple[TestClient, dict[str, dict[str, str]]], params: dict[str, str], field: str) -> None:
    client, keys = city
    assert_problem(client.get("/api/v1/aggregates", params=params, headers=keys["admin"]), 400, field)


def test_a_percentile_between_ranks() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5 and percentile([5.0], 99) == 5.0 and math.isclose(percentile([0.0, 10.0], 95), 9.5)
