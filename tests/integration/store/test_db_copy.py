"""`stadsdata db copy`: SQLite → PostgreSQL → SQLite keeps every entity and observation.

The PostgreSQL part uses its own scratch database (`scratch_postgres` in conftest.py), so it
never races the rest of the suite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from typer.testing import CliRunner

from stadsdata.app import create_app, open_store
from stadsdata.cli import app as cli
from stadsdata.settings import Settings
from stadsdata.store.copy import CopyError, copy_database
from stadsdata.store.schema import metadata
from tests.integration.sta.conftest import COMPLEX, created_id, stream_body, thing_body

SETS = ["Things", "Locations", "HistoricalLocations", "Datastreams", "MultiDatastreams", "Sensors",
        "ObservedProperties", "Observations", "FeaturesOfInterest"]  # fmt: skip
QUERIES = [f"{name}?$top=10000&$orderby=id&$count=true" for name in SETS] + [
    "Things?$expand=Locations,Datastreams,HistoricalLocations($expand=Locations)&$orderby=id",
    "Locations?$expand=Things,HistoricalLocations&$orderby=id",
    "Datastreams?$expand=Observations($top=1;$orderby=phenomenonTime desc),Sensor,ObservedProperty&$orderby=id",
    "MultiDatastreams?$expand=ObservedProperties,Observations($orderby=id)&$orderby=id",
    "Observations?$expand=FeatureOfInterest,Datastream($select=id),MultiDatastream($select=id)&$orderby=id&$top=10000",
    "Observations?$count=true&$top=0",
    "Observations?$filter=result gt 2&$orderby=id",
    "Observations?$filter=phenomenonTime ge 2024-03-01T10:00:00.123456Z&$orderby=id",
    "Locations?$filter=st_intersects(location, geography'POLYGON((5 52, 5.2 52, 5.2 52.2, 5 52.2, 5 52))')&$orderby=id",
    "FeaturesOfInterest?$filter=st_within(feature, geography'POLYGON((6 52, 6.5 52, 6.5 52.5, 6 52.5, 6 52))')&$orderby=id",
    "Observations?$resultFormat=dataArray&$select=id,phenomenonTime,result,resultTime,validTime,parameters,FeatureOfInterest/id",
]
SPATIAL = [q for q in QUERIES if "geography" in q]


def _post(client: TestClient, path: str, body: Any) -> int:
    return created_id(client.post(f"/v1.1/{path}", json=body))


def _populate(client: TestClient) -> None:
    """A small but complete platform, with the awkward values a copy can lose."""
    results = [
        (f"2024-03-01T{h:02d}:00:00Z", v)
        for h, v in enumerate([1, 2.5, "open", True, False, None, {"a": [1, None]}, [1, "x"], -0.000123])
    ]
    air = thing_body("Air", 5.1, 52.1, [stream_body("pm10", "pm10", {"symbol": "ug/m3"}, results)])
    air["properties"] = {"owner": "gemeente", "active": True, "note": None, "tags": ["a", "b"], "ratio": 0.1}
    air["Locations"].append(
        {
            "name": "area",
            "description": "polygon",
            "encodingType": "application/geo+json",
            "location": {"type": "Polygon", "coordinates": [[[5, 52], [5.1, 52], [5.1, 52.1], [5, 52]]]},
            "properties": {"kind": "zone"},
        }
    )
    thing = _post(client, "Things", air)
    # Moving the Thing makes HistoricalLocations.
    moved = {"name": "new place", "description": "moved", "encodingType": "application/geo+json",
             "location": {"type": "Point", "coordinates": [6.25, 52.25]}}  # fmt: skip
    moved_id = _post(client, "Locations", moved)  # a PATCH links existing entities (it creates none)
    assert client.patch(f"/v1.1/Things({thing})", json={"Locations": [{"@iot.id": moved_id}]}).status_code == 200
    assert client.patch(f"/v1.1/Things({thing})", json={"Locations": [{"@iot.id": 1}]}).status_code == 200

    water = thing_body("Water", 6.3, 52.3, [stream_body("level", "level", {"symbol": "cm"}, [])])
    _post(client, "Things", water)
    level = client.get("/v1.1/Datastreams?$filter=name eq 'level'").json()["value"][0]["@iot.id"]
    for i, result in enumerate([10, 12.75, "dry"]):
        body = {
            "phenomenonTime": f"2024-03-0{i + 1}T23:59:59.999999+02:00/2024-03-0{i + 2}T00:00:00Z",
            "resultTime": f"2024-03-0{i + 2}T01:00:00.000001Z",
            "validTime": "2024-01-01T00:00:00Z/2025-01-01T00:00:00Z",
            "result": result,
            "resultQuality": {"flag": "ok", "score": i},
            "parameters": {"sampled": "auto", "depth": -1.5, "raw": None, "ok": False},
            "Datastream": {"@iot.id": level},
        }
        if i == 2:
            body["FeatureOfInterest"] = {"name": "river", "description": "the river", "encodingType": "application/geo+json",
                                         "feature": {"type": "Point", "coordinates": [6.31, 52.31]}}  # fmt: skip
        _post(client, "Observations", body)

    # The last Thing, created and deleted: its id is never handed out again,
    # also not after the copy.
    gone = _post(client, "Things", {"name": "gone", "description": "deleted"})
    assert client.delete(f"/v1.1/Things({gone})").status_code == 200

    multi = {
        "name": "wind",
        "description": "speed and direction",
        "unitOfMeasurements": [{"symbol": "m/s"}, {"symbol": "deg"}],
        "observationType": COMPLEX,
        "multiObservationDataTypes": ["OM_Measurement", "OM_Measurement"],
        "Thing": {"@iot.id": thing},
        "Sensor": {"name": "anemometer", "description": "d", "encodingType": "text/plain", "metadata": "x"},
        "ObservedProperties": [
            {"name": "speed", "definition": "d", "description": "d"},
            {"name": "direction", "definition": "d", "description": "d"},
        ],
    }
    multi_id = _post(client, "MultiDatastreams", multi)
    document = {
        "MultiDatastream": {"@iot.id": multi_id},
        "components": ["phenomenonTime", "result", "resultTime", "validTime", "parameters"],
        "dataArray": [
            ["2024-03-01T10:00:00.123456Z/2024-03-01T10:10:00Z", [3.5, 270], "2024-03-01T10:11:00Z",
             "2024-03-01T10:00:00Z/2024-03-02T00:00:00Z", {"quality": "raw"}],
            ["2024-03-01T10:10:00Z", [4, None], None, None, None],
        ],
    }  # fmt: skip
    assert client.post("/v1.1/CreateObservations", json=[document]).status_code == 201


def _snapshot(database: str) -> dict[str, Any]:
    """What the API answers to every query, plus every row of every table as read back."""
    store = open_store(Settings(database=database, migrate=False))
    assert store.engine is not None
    with store.engine.connect() as conn:
        rows = {t.name: [dict(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns)).mappings()]
                for t in metadata.sorted_tables}  # fmt: skip
    with TestClient(create_app(Settings(database=database), store=store), base_url="http://testserver") as client:
        api = {}
        for query in QUERIES:
            response = client.get(f"/v1.1/{query}")
            assert response.status_code == 200, (query, response.text)
            api[query] = response.json()
    return {"api": api, "rows": rows}


def _max_ids(snapshot: dict[str, Any]) -> dict[str, int]:
    return {
        name: max((r["id"] for r in rows), default=0)
        for name, rows in snapshot["rows"].items()
        if rows and "id" in rows[0]
    }


def _assert_new_ids_continue(database: str, copied: dict[str, int]) -> None:
    with TestClient(create_app(Settings(database=database))) as client:
        thing = _post(
            client,
            "Things",
            thing_body("After", 5.0, 52.0, [stream_body("t", "t", {"symbol": "K"}, [("2025-01-01T00:00:00Z", 1)])]),
        )
        assert thing > copied["things"] + 1, "the deleted Thing's id must not be handed out again"
        created = client.get(
            f"/v1.1/Things({thing})?$expand=Locations,Datastreams($expand=Observations,Sensor,ObservedProperty)"
        ).json()
        stream = created["Datastreams"][0]
        assert created["Locations"][0]["@iot.id"] > copied["locations"]
        assert stream["@iot.id"] > copied["datastreams"]
        assert stream["Sensor"]["@iot.id"] > copied["sensors"]
        assert stream["ObservedProperty"]["@iot.id"] > copied["observed_properties"]
        assert stream["Observations"][0]["@iot.id"] > copied["observations"]


def test_round_trip_sqlite_postgres_sqlite(tmp_path: Path, scratch_postgres: str) -> None:
    first = str(tmp_path / "first.db")
    with TestClient(create_app(Settings(database=first))) as client:
        _populate(client)
    before = _snapshot(first)
    api = before["api"]
    assert api[QUERIES[7]]["@iot.count"] == 14  # observations: 9 + 3 + 2
    assert api[QUERIES[2]]["@iot.count"] >= 2  # historical locations
    assert all(api[q]["value"] for q in SPATIAL)  # spatial filters find something to compare
    assert [p["name"] for p in api[QUERIES[12]]["value"][0]["ObservedProperties"]] == ["speed", "direction"]

    # SQLite -> PostgreSQL through the function.
    src, dst = open_store(Settings(database=first)), open_store(Settings(database=scratch_postgres))
    seen: dict[str, int] = {}
    report = copy_database(src, dst, progress=lambda table, done, total: seen.__setitem__(table, done))  # type: ignore[arg-type]
    src.close()
    dst.close()
    assert report.ok and report.counts["observations"] == (14, 14)
    assert seen == {name: rows for name, (rows, _) in report.counts.items()}
    assert _snapshot(scratch_postgres) == before

    # PostgreSQL -> SQLite through the command line.
    last = str(tmp_path / "last.db")
    result = CliRunner().invoke(cli, ["db", "copy", scratch_postgres, last])
    assert result.exit_code == 0, result.output
    assert "verified" in result.output and "observations" in result.output
    assert _snapshot(last) == before
    store = open_store(Settings(database=last))
    with store.engine.connect() as conn:  # type: ignore[union-attr]
        for table in ("locations", "features_of_interest"):  # the R*Tree triggers filled the index
            boxes = conn.execute(text(f"SELECT count(*) FROM {table} WHERE bbox_minx IS NOT NULL")).scalar_one()
            assert boxes > 0 and conn.execute(text(f"SELECT count(*) FROM {table}_rtree")).scalar_one() == boxes
    store.close()

    # Copying again into the filled database is refused, and changes nothing.
    again = CliRunner().invoke(cli, ["db", "copy", first, scratch_postgres])
    assert again.exit_code == 1 and "not empty" in again.output

    copied = _max_ids(before)
    for database in (first, scratch_postgres, last):  # ids continue after the copied ones: never reused
        _assert_new_ids_continue(database, copied)


def test_refuses_a_destination_that_is_not_empty(tmp_path: Path) -> None:
    first, second = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    for database in (first, second):
        with TestClient(create_app(Settings(database=database))) as client:
            client.post("/v1.1/Things", json={"name": "x", "description": "y"})
    src, dst = open_store(Settings(database=first)), open_store(Settings(database=second))
    with pytest.raises(CopyError, match="not empty"):
        copy_database(src, dst)  # type: ignore[arg-type]
    src.close()
    dst.close()
    result = CliRunner().invoke(cli, ["db", "copy", first, second])
    assert result.exit_code == 1 and "not empty" in result.output


def test_sqlite_to_sqlite_and_a_missing_source(tmp_path: Path) -> None:
    first, copy = str(tmp_path / "a.db"), str(tmp_path / "copy.db")
    with TestClient(create_app(Settings(database=first))) as client:
        _populate(client)
    result = CliRunner().invoke(cli, ["db", "copy", first, copy])
    assert result.exit_code == 0, result.output
    assert _snapshot(copy) == _snapshot(first)

    missing = CliRunner().invoke(cli, ["db", "copy", str(tmp_path / "typo.db"), str(tmp_path / "c.db")])
    assert missing.exit_code == 1 and "does not exist" in missing.output
    assert not (tmp_path / "typo.db").exists()
