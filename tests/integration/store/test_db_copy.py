"""`stadsdata db copy`: SQLite → PostgreSQL → SQLite keeps every entity and observation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from stadsdata.app import create_app, open_store
from stadsdata.cli import app as cli
from stadsdata.settings import Settings
from stadsdata.store.copy import CopyError, copy_database
from tests.conftest import _empty_postgres_store
from tests.integration.sta.conftest import COMPLEX, created_id, stream_body, thing_body

SETS = ["Things", "Locations", "HistoricalLocations", "Datastreams", "MultiDatastreams", "Sensors",
        "ObservedProperties", "Observations", "FeaturesOfInterest"]  # fmt: skip
QUERIES = [f"{name}?$top=10000&$orderby=id&$count=true" for name in SETS] + [
    "Things?$expand=Locations,Datastreams($expand=Observations($top=1;$orderby=phenomenonTime desc))",
    "MultiDatastreams?$expand=ObservedProperties,Observations",
    "Locations?$filter=st_intersects(location, geography'POLYGON((5 52, 5.2 52, 5.2 52.2, 5 52.2, 5 52))')",
    "Observations?$resultFormat=dataArray&$select=id,phenomenonTime,result,resultTime,validTime,parameters,FeatureOfInterest/id",
]


def _populate(client: TestClient) -> None:
    results = [(f"2024-03-01T{h:02d}:00:00Z", v) for h, v in enumerate([1, 2.5, "open", True, None, {"a": [1, 2]}])]
    air = thing_body("Air", 5.1, 52.1, [stream_body("pm10", "pm10", {"symbol": "ug/m3"}, results)])
    air["Locations"].append(
        {
            "name": "area",
            "description": "polygon",
            "encodingType": "application/geo+json",
            "location": {"type": "Polygon", "coordinates": [[[5, 52], [5.1, 52], [5.1, 52.1], [5, 52]]]},
        }
    )
    thing = created_id(client.post("/v1.1/Things", json=air))
    assert client.patch(f"/v1.1/Things({thing})", json={"Locations": [{"@iot.id": 1}]}).status_code == 200
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
    created_id(client.post("/v1.1/MultiDatastreams", json=multi))
    document = {
        "MultiDatastream": {"@iot.id": 1},
        "components": ["phenomenonTime", "result", "resultTime", "validTime", "parameters"],
        "dataArray": [
            ["2024-03-01T10:00:00.123456Z/2024-03-01T10:10:00Z", [3.5, 270], "2024-03-01T10:11:00Z",
             "2024-03-01T10:00:00Z/2024-03-02T00:00:00Z", {"quality": "raw"}],
        ],
    }  # fmt: skip
    assert client.post("/v1.1/CreateObservations", json=[document]).status_code == 201


def _snapshot(database: str) -> dict[str, Any]:
    with TestClient(create_app(Settings(database=database)), base_url="http://testserver") as client:
        return {query: client.get(f"/v1.1/{query}").json() for query in QUERIES}


def test_round_trip_sqlite_postgres_sqlite(tmp_path: Path, postgres_url: str) -> None:
    first = str(tmp_path / "first.db")
    with TestClient(create_app(Settings(database=first))) as client:
        _populate(client)
    before = _snapshot(first)
    assert before[QUERIES[7]]["@iot.count"] == 7 and before[QUERIES[-2]]["value"]  # observations, spatial hit

    _empty_postgres_store(postgres_url).close()
    src, dst = open_store(Settings(database=first)), open_store(Settings(database=postgres_url))
    report = copy_database(src, dst)  # type: ignore[arg-type]
    src.close()
    dst.close()
    assert report.ok and report.counts["observations"] == (7, 7)
    assert _snapshot(postgres_url) == before

    last = str(tmp_path / "last.db")
    result = CliRunner().invoke(cli, ["db", "copy", postgres_url, last])
    assert result.exit_code == 0, result.output
    assert "verified" in result.output
    assert _snapshot(last) == before

    for database in (postgres_url, last):  # ids continue after the copied ones: never reused
        with TestClient(create_app(Settings(database=database))) as client:
            new = created_id(client.post("/v1.1/Things", json={"name": "new", "description": "after copy"}))
            assert new > max(t["@iot.id"] for t in before[QUERIES[0]]["value"])


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
