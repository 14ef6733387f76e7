"""`POST /api/v1/waste/routes` on both backends, Rotterdam's Box 6 on a 3 × 3 grid of streets
(`tests/unit/analytics/test_waste_route.py`): the waste company's containers (its own restricted
dataset) and a garage operator's occupancy (restricted dataset `parkeren`). With an agreement on
`parkeren` the company's route goes round the street the full garage blocks (800 m); without it the
garage is not taken into account (400 m, and the answer says so); the anonymous see no container.
Bad input names the field."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stadsdata.access.api_keys import generate_api_key
from stadsdata.analytics.waste.plan import GARAGES_NOT_READ
from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.sta.conftest import assert_problem, stream_body, thing_body
from tests.unit.analytics.test_waste_route import at, grid_geojson

NOW = datetime.now(UTC).replace(microsecond=0)
ROUTES = "/api/v1/waste/routes"


@pytest.fixture
def box6(store: Store, tmp_path: Path) -> Iterator[dict[str, Any]]:
    now = datetime.now(UTC)
    keys = {name: generate_api_key() for name in ("admin", "waste")}
    with store.write() as tx:
        records = tx.access
        waste_company = records.add_party("Afvalbedrijf", "company", None, now)
        garage_company = records.add_party("Garagebedrijf", "company", None, now)
        records.add_api_key(keys["admin"].prefix, keys["admin"].key_hash, "admin", None, is_admin=True, can_write=True, expires_at=None, now=now)
        records.add_api_key(keys["waste"].prefix, keys["waste"].key_hash, "routes", waste_company, is_admin=False, can_write=False,
                            expires_at=None, now=now)  # fmt: skip
        containers = records.add_dataset("afval", "Afvalcontainers", "restricted", waste_company, "", now)
        parking = records.add_dataset("parkeren", "Bezetting garages", "restricted", garage_company, "", now)
    admin = {"X-API-Key": keys["admin"].secret_key}
    settings = Settings(database=str(tmp_path / "x.db"), access_mode="enforced", basemap="none", waste_solver_s=0.3)
    with TestClient(create_app(settings, store=store)) as client:
        def thing(name: str, place: tuple[float, float], dataset: int, streams: list[tuple[str, str, float]], **properties: Any) -> None:
            body = thing_body(name, *place, [stream_body(f"{name} {prop}", prop, {"name": unit, "symbol": unit},
                                                          [((NOW - timedelta(minutes=5)).isoformat(), value)]) for prop, unit, value in streams])  # fmt: skip
            body["properties"] = properties
            made = client.post("/v1.1/Things?$expand=Datastreams", json=body, headers=admin)
            assert made.status_code == 201, made.text
            for stream in client.get(made.headers["location"] + "/Datastreams", headers=admin).json()["value"]:
                assert client.put(f"/api/v1/datasets/{dataset}/datastreams/{stream['@iot.id']}", headers=admin).status_code == 204

        thing("Container Oost", at(2, 0), containers, [("Fill level", "%", 91.0)])
        thing("Container Noord", at(0, 2), containers, [("Fill level", "%", 35.0)])  # below the threshold
        # 380 of 400 places taken (95 %): full, its queue blocks Rij 0 between crossings (1,0) and (2,0)
        thing("Garage Oost", at(1.5, -0.2), parking, [("Vacant parking spaces", "count", 20.0), ("Parking capacity", "count", 400.0)])
        thing("Garage Noord", at(0.5, 2.2), parking, [("Vacant parking spaces", "count", 150.0)], capacity=300)  # half full
        yield {"client": client, "admin": admin, "waste": {"X-API-Key": keys["waste"].secret_key}, "store": store,
               "parking": parking, "waste_party": waste_company}  # fmt: skip


def agree(box6: dict[str, Any], uid: str) -> None:
    """An ODRL Agreement: the waste company may read `parkeren` (for route planning)."""
    party = f"urn:stadsdata:party:{box6['waste_party']}"
    policy = {"@type": "Agreement", "uid": uid, "permission": [{"action": "read", "assignee": party, "constraint": [
        {"leftOperand": "purpose", "operator": "isAnyOf", "rightOperand": ["route planning"]}]}]}  # fmt: skip
    with box6["store"].write() as tx:
        tx.access.add_agreement(box6["parking"], box6["waste_party"], None, uid, policy, datetime.now(UTC))


def route(box6: dict[str, Any], who: str | None, **ask: Any) -> dict[str, Any]:
    headers = box6[who] if who else {}
    response = box6["client"].post(ROUTES, json={"streets": grid_geojson(), **ask}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_waste_company_routes_with_its_own_rights(box6: dict[str, Any]) -> None:
    # no agreement on `parkeren` yet: the garages are not the company's to read, the short way along Rij 0
    before = route(box6, "waste")
    assert [s["name"] for s in before["stops"]] == ["Container Oost"] and before["stops"][0]["fillLevel"] == 91.0
    assert before["totalLengthM"] == pytest.approx(400, abs=0.5)
    assert before["notes"] == [GARAGES_NOT_READ] and before["blockedStreets"] == [] and before["garagesRead"] == 0

    agree(box6, "urn:agreement:box6")  # the garage operator shares its occupancy with the waste company
    after = route(box6, "waste")
    assert after["totalLengthM"] == pytest.approx(800, abs=0.5)  # round by Rij 1 and back
    assert after["garagesRead"] == 2 and after["notes"] == []
    (blocked,) = after["blockedStreets"]
    assert blocked["street"] == "Rij 0" and blocked["lengthM"] == pytest.approx(100, abs=0.5)
    assert (blocked["garage"]["name"], blocked["garage"]["occupancyPercent"], blocked["garage"]["vacant"]) == ("Garage Oost", 95.0, 20.0)
    line = after["route"]["geometry"]["coordinates"]
    assert after["route"]["geometry"]["type"] == "LineString" and line[0] == line[-1] == pytest.approx(list(at(0, 0)))
    # a stricter rule for the garages: 95 % is no longer full
    assert route(box6, "waste", garageOccupancy=96)["totalLengthM"] == pytest.approx(400, abs=0.5)
    # the operator sees who read its occupancy for the route
    events = box6["client"].get(f"/api/v1/audit-events?datasetId={box6['parking']}", headers=box6["admin"]).json()
    assert any("waste/routes" in str(event) for event in events["_embedded"]["auditEvents"]), events


def test_the_anonymous_see_no_container(box6: dict[str, Any]) -> None:
    anonymous = route(box6, None)
    assert (anonymous["stops"], anonymous["route"], anonymous["containersRead"]) == ([], None, 0)
    admin = route(box6, "admin", fillThreshold=30)
    assert sorted(s["name"] for s in admin["stops"]) == ["Container Noord", "Container Oost"]


def test_an_unreachable_container_fails_when_asked(box6: dict[str, Any]) -> None:
    agree(box6, "urn:agreement:box6b")
    cut = grid_geojson()  # without Rij 1 and Kolom 2 the container is only reachable by the blocked Rij 0
    cut["features"] = [f for f in cut["features"] if f["properties"].get("name") not in ("Rij 1", "Kolom 2")]
    body = {"streets": cut}
    answer = box6["client"].post(ROUTES, json=body, headers=box6["waste"]).json()
    assert [(u["name"], u["reason"]) for u in answer["unreachable"]] == [("Container Oost", "blocked")]
    problem = assert_problem(box6["client"].post(ROUTES, json=body | {"allowUnreachable": False}, headers=box6["waste"]), 409, "allowUnreachable")
    assert problem["unreachable"][0]["name"] == "Container Oost"


@pytest.mark.parametrize(("body", "field"), [
    ({"fillThreshold": 101}, "fillThreshold"), ({"fillThreshold": "veel"}, "fillThreshold"), ({"capacity": 0}, "capacity"),
    ({"garageOccupancy": -5}, "garageOccupancy"), ({"depot": [4.4]}, "depot"), ({"depot": [200, 10]}, "depot"),
    ({"depot": [5.5, 53.0]}, "depot"), ({"threshold": 80}, "threshold"), ({"streets": {"type": "FeatureCollection"}}, "streets"),
    ({"streets": {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "LineString",
                                                                                                "coordinates": [[1, 2], [1, 99]]}}]}}, "streets"),
    ({"streets": {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "LineString",
                                                                                                "coordinates": [[1, 2], [1, 2]]}}]}}, "streets"),
    ({"fillThreshold": "NaN"}, "fillThreshold"), ({"garageMinVacant": -1}, "garageMinVacant"),
])  # fmt: skip
def test_bad_input_names_the_field(box6: dict[str, Any], body: dict[str, Any], field: str) -> None:
    assert_problem(box6["client"].post(ROUTES, json={"streets": grid_geojson()} | body, headers=box6["waste"]), 400, field)


def test_without_streets_on_a_server_without_a_street_graph(box6: dict[str, Any]) -> None:
    assert_problem(box6["client"].post(ROUTES, json={}, headers=box6["waste"]), 400, "streets")
    operation = box6["client"].get("/api/v1/openapi.json").json()["paths"]["/waste/routes"]["post"]  # the mount point is the server
    assert "requestBody" in operation and operation["tags"] == ["analytics"]
