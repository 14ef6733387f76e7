"""`/api/v1/charging/…` on both backends, on charge points whose answers are computed by hand.

Four hours from T (T+0 … T+4, all in the past). Areas: three squares of 0.01° — Noord, Zuid, Oost.
- `Laadplein Noord` (in Noord's centre), a CPO's restricted dataset, two EVSEs as the OCPI receiver
  makes them:
  N1: status AVAILABLE (before T), CHARGING at T+1, AVAILABLE at T+3; a session ACTIVE at T+2 with
      7 kWh, COMPLETED at T+3 still 7 kWh (T+2…T+3 connected, not charging); a CDR of 7 kWh over
      T+1…T+3. → available 2 h, charging 1 h, idle 1 h; 7 kWh (3.5 in hours 1 and 2).
  N2: BLOCKED at T, OUTOFORDER at T+2. → idle 2 h, out of service 2 h.
  Noord: no point free from T+1 to T+3 (2 of 4 h); occupancy (2 + 2) / 8 h.
- `Laadpaal Zuid` (in Zuid's centre), public: CHARGING (before T), AVAILABLE at T+3. → charging 3 h.
- Oost: no charge point; its centre 0.02° east of Noord's."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from stadsdata.access.api_keys import generate_api_key
from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.sta.conftest import assert_problem

T = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)  # 11:00 in Amsterdam
CATEGORY = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CategoryObservation"
MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
NOORD, ZUID, OOST = (5.10, 52.10), (5.10, 52.08), (5.12, 52.10)
RANGE = {"from": "2026-11-10T10:00:00Z", "to": "2026-11-10T14:00:00Z"}


def at(hours: float) -> str:
    return (T + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


def square(name: str, centre: tuple[float, float]) -> dict[str, Any]:
    x, y = centre
    ring = [
        [x - 0.005, y - 0.005],
        [x + 0.005, y - 0.005],
        [x + 0.005, y + 0.005],
        [x - 0.005, y + 0.005],
        [x - 0.005, y - 0.005],
    ]
    return {"type": "Feature", "properties": {"name": name}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def stream(name: str, prop: str, kind: str, observations: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": name, "description": name, "observationType": kind, "unitOfMeasurement": {"name": "kWh", "symbol": "kWh"},
        "Sensor": {"name": f"{name} sensor", "description": "OCPI feed", "encodingType": "text/html", "metadata": "https://example.org"},
        "ObservedProperty": {"name": prop, "definition": f"https://example.org/{prop}", "description": prop},
        "Observations": observations,
    }  # fmt: skip


def status(hours: float, value: str) -> dict[str, Any]:
    return {"phenomenonTime": at(hours), "result": value}


def session(start: float, end: float, kwh: float, state: str) -> dict[str, Any]:
    return {"phenomenonTime": f"{at(start)}/{at(end)}", "result": kwh, "resultTime": at(end),
            "parameters": {"session_id": "S1", "status": state, "last_updated": at(end)}}  # fmt: skip


@pytest.fixture
def city(store: Store, tmp_path: Path) -> Iterator[dict[str, Any]]:
    now = datetime.now(UTC)
    keys = {name: generate_api_key() for name in ("admin", "cpo", "other")}
    with store.write() as tx:
        records = tx.access
        cpo = records.add_party("LaadNet", "company", None, now)
        other = records.add_party("Iemand anders", "company", None, now)
        for name, party, admin in (("admin", None, True), ("cpo", cpo, False), ("other", other, False)):
            records.add_api_key(
                keys[name].prefix,
                keys[name].key_hash,
                name,
                party,
                is_admin=admin,
                can_write=admin,
                expires_at=None,
                now=now,
            )
        restricted = records.add_dataset("ocpi-nl-lnv", "LaadNet OCPI", "restricted", cpo, "", now)
        public = records.add_dataset("laadpalen", "Laadpalen", "public", cpo, "", now)
    areas = tmp_path / "areas.geojson"
    areas.write_bytes(
        orjson.dumps(
            {
                "type": "FeatureCollection",
                "features": [square("Noord", NOORD), square("Zuid", ZUID), square("Oost", OOST)],
            }
        )
    )
    settings = Settings(
        database=str(tmp_path / "x.db"), access_mode="enforced", basemap="none", catalog_areas=str(areas)
    )
    admin = {"X-API-Key": keys["admin"].secret_key}
    with TestClient(create_app(settings, store=store)) as client:

        def thing(name: str, place: tuple[float, float], dataset: int, streams: list[dict[str, Any]]) -> None:
            body = {"name": name, "description": name, "Locations": [{"name": name, "description": name, "encodingType": "application/geo+json",
                                                                        "location": {"type": "Point", "coordinates": list(place)}}],
                    "Datastreams": streams}  # fmt: skip
            made = client.post("/v1.1/Things", json=body, headers=admin)
            assert made.status_code == 201, made.text
            for s in client.get(made.headers["location"] + "/Datastreams", headers=admin).json()["value"]:
                assert (
                    client.put(f"/api/v1/datasets/{dataset}/datastreams/{s['@iot.id']}", headers=admin).status_code
                    == 204
                )

        thing("Laadplein Noord", NOORD, restricted, [
            stream("Laadplein Noord EVSE N1 status", "EVSE status", CATEGORY,
                   [status(-1, "AVAILABLE"), status(1, "CHARGING"), status(3, "AVAILABLE")]),
            stream("Laadplein Noord EVSE N1 charging sessions (kWh)", "energy delivered in a charging session", MEASUREMENT,
                   [session(1, 2, 7.0, "ACTIVE"), session(1, 3, 7.0, "COMPLETED")]),
            stream("Laadplein Noord EVSE N1 energy delivered (kWh)", "energy delivered", MEASUREMENT,
                   [{"phenomenonTime": f"{at(1)}/{at(3)}", "result": 7.0, "parameters": {"cdr_id": "CDR1"}}]),
            stream("Laadplein Noord EVSE N2 status", "EVSE status", CATEGORY, [status(0, "BLOCKED"), status(2, "OUTOFORDER")]),
        ])  # fmt: skip
        thing("Laadpaal Zuid", ZUID, public, [
            stream("Laadpaal Zuid EVSE Z1 status", "EVSE status", CATEGORY, [status(-2, "CHARGING"), status(3, "AVAILABLE")]),
        ])  # fmt: skip
        yield {"client": client, "admin": admin, "cpo": {"X-API-Key": keys["cpo"].secret_key},
               "other": {"X-API-Key": keys["other"].secret_key}, "restricted": restricted}  # fmt: skip


def get(city: dict[str, Any], path: str, who: str | None, **params: Any) -> dict[str, Any]:
    answer = city["client"].get(f"/api/v1/charging/{path}", params=params, headers=city[who] if who else {})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_occupancy_per_charge_point_area_and_hour(city: dict[str, Any]) -> None:
    answer = get(city, "occupancy", "cpo", **RANGE)
    points = {p["name"]: p for p in answer["chargePoints"]}
    assert set(points) == {"Laadplein Noord EVSE N1", "Laadplein Noord EVSE N2", "Laadpaal Zuid EVSE Z1"}
    n1, n2, z1 = points["Laadplein Noord EVSE N1"], points["Laadplein Noord EVSE N2"], points["Laadpaal Zuid EVSE Z1"]
    assert n1["shares"] == {
        "charging": 0.25,
        "idle": 0.25,
        "available": 0.5,
        "reserved": 0,
        "unavailable": 0,
        "unknown": 0,
    }
    assert (n1["occupancy"], n1["kwh"], n1["latestStatus"], n1["areas"]) == (0.5, 7.0, "AVAILABLE", ["Noord"])
    assert n2["shares"] | {} == {
        "charging": 0,
        "idle": 0.5,
        "available": 0,
        "reserved": 0,
        "unavailable": 0.5,
        "unknown": 0,
    }
    assert (z1["shares"]["charging"], z1["shares"]["available"], z1["areas"]) == (0.75, 0.25, ["Zuid"])
    areas = {a["name"]: a for a in answer["areas"]}
    assert (
        areas["Noord"]["chargePoints"],
        areas["Noord"]["occupancy"],
        areas["Noord"]["noFreePointShare"],
        areas["Noord"]["kwh"],
    ) == (2, 0.5, 0.5, 7.0)
    assert (areas["Zuid"]["occupancy"], areas["Zuid"]["noFreePointShare"]) == (0.75, 0.75)
    assert (areas["Oost"]["chargePoints"], areas["Oost"]["noFreePointShare"]) == (0, None)
    hours = answer["hours"]
    assert [h["start"] for h in hours] == [at(h) for h in range(4)]
    assert [h["kwh"] for h in hours] == [0, 3.5, 3.5, 0]
    assert [h["shares"]["charging"] for h in hours] == [round(1 / 3, 4), round(2 / 3, 4), round(1 / 3, 4), 0]
    assert [h["connected"] for h in hours] == [2, 3, 2, 0]  # charge point-hours connected (N2 + Z1, all three, N1 + Z1)
    only = get(city, "occupancy", "cpo", area="Zuid", **RANGE)
    assert [p["name"] for p in only["chargePoints"]] == ["Laadpaal Zuid EVSE Z1"] and [
        a["name"] for a in only["areas"]
    ] == ["Zuid"]


def test_a_cpos_restricted_charge_points_are_not_there_for_others(city: dict[str, Any]) -> None:
    for who in (None, "other"):
        answer = get(city, "occupancy", who, **RANGE)
        assert [p["name"] for p in answer["chargePoints"]] == ["Laadpaal Zuid EVSE Z1"], who
        assert {a["name"]: a["kwh"] for a in answer["areas"]} == {"Noord": 0, "Oost": 0, "Zuid": 0}
    # the CPO sees who read its charge points
    get(city, "occupancy", "cpo", **RANGE)
    events = city["client"].get(f"/api/v1/audit-events?datasetId={city['restricted']}", headers=city["admin"]).json()
    assert any("charging/occupancy" in e["request"] for e in events["_embedded"]["auditEvents"]), events


def test_placement_ranks_the_areas_by_the_documented_score(city: dict[str, Any]) -> None:
    answer = get(city, "placement", "cpo", **RANGE)
    ranking = {r["area"]: r for r in answer["ranking"]}
    assert [r["area"] for r in answer["ranking"]] == ["Oost", "Zuid", "Noord"] and [
        r["rank"] for r in answer["ranking"]
    ] == [1, 2, 3]
    assert ranking["Noord"]["score"] == pytest.approx(
        0.4 * 0.5 + 0.4 * 0.5 + 0.2 * 0
    )  # N1 is free now, at Noord's centre
    assert ranking["Zuid"]["score"] == pytest.approx(0.4 * 0.75 + 0.4 * 0.75)
    east = (
        2 * 6_371_008.8 * math.asin(math.cos(math.radians(52.1)) * math.sin(math.radians(0.02) / 2))
    )  # Oost's centre to N1
    assert ranking["Oost"]["nearestFreePointM"] == pytest.approx(east, abs=0.1) and east > 1000
    assert ranking["Oost"]["score"] == pytest.approx(0.4 + 0.4 + 0.2) and ranking["Oost"]["chargePoints"] == 0
    assert answer["freeChargePointsNow"] == 2
    # weights of one's own: distance only, at a scale of 10 km
    own = get(
        city, "placement", "cpo", occupancyWeight=0, unservedWeight=0, distanceWeight=1, distanceScaleM=10_000, **RANGE
    )
    assert {r["area"]: r["score"] for r in own["ranking"]} == pytest.approx(
        {"Oost": east / 10_000, "Zuid": 0, "Noord": 0}, abs=1e-4
    )
    # the anonymous do not see Noord's charge points: Noord has none for them, and only Z1 is free
    anonymous = {r["area"]: r for r in get(city, "placement", None, **RANGE)["ranking"]}
    assert anonymous["Noord"]["chargePoints"] == 0 and anonymous["Noord"]["nearestFreePointM"] == pytest.approx(2 * 6_371_008.8 * math.asin(
        math.sin(math.radians(0.02) / 2)), abs=0.1)  # fmt: skip


def test_peak_shaving_of_a_day_from_the_data(city: dict[str, Any]) -> None:
    # N1's one session: connected T+1…T+3 with 7 kWh. Uncontrolled: 7 kWh at 11 kW in the hour of T+1
    # (7 kW); spread over its two hours: 3.5 kW.
    answer = get(city, "peak-shaving", "cpo", date="2026-11-10", slotMinutes=60)
    assert [s["energyKwh"] for s in answer["sessions"]] == [7.0]
    assert (answer["peakBeforeKw"], answer["peakAfterKw"]) == (7.0, 3.5)
    assert answer["slots"][0]["start"] == "2026-11-09T23:00:00Z" and len(answer["slots"]) == 24
    assert get(city, "peak-shaving", None, date="2026-11-10")["sessions"] == []  # the anonymous read no energy


def test_peak_shaving_of_sessions_sent(city: dict[str, Any]) -> None:
    body = {"slotMinutes": 60, "start": "2026-11-10T16:00:00+00:00", "capacityKw": [None, None], "sessions": [
        {"id": "A", "arrival": "2026-11-10T17:00:00+01:00", "departure": "2026-11-10T18:00:00Z", "energyKwh": 10, "maxPowerKw": 11},
        {"id": "B", "arrival": "2026-11-10T17:00:00Z", "departure": "2026-11-10T18:00:00Z", "energyKwh": 8, "maxPowerKw": 11}]}  # fmt: skip
    answer = city["client"].post("/api/v1/charging/peak-shaving", json=body)
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert (found["peakBeforeKw"], found["peakAfterKw"]) == (10.0, 9.0)
    a = found["sessions"][0]["chargingProfile"]
    assert a["charging_rate_unit"] == "W" and a["start_date_time"] == "2026-11-10T16:00:00Z"
    assert a["charging_profile_period"] == [
        {"start_period": 0, "limit": 9000.0},
        {"start_period": 3600, "limit": 1000.0},
    ]


def test_an_infeasible_schedule_is_a_422_naming_the_constraint(city: dict[str, Any]) -> None:
    post = city["client"].post
    cars = [
        {
            "id": n,
            "arrival": "2026-11-10T16:00:00Z",
            "departure": "2026-11-10T18:00:00Z",
            "energyKwh": 8,
            "maxPowerKw": 11,
        }
        for n in "ab"
    ]
    problem = assert_problem(
        post("/api/v1/charging/peak-shaving", json={"slotMinutes": 60, "capacityKw": [5, 5], "sessions": cars}), 422
    )
    assert problem["field"].startswith("capacity[") and problem["constraint"] == "capacity"
    greedy = [cars[0] | {"energyKwh": 30}]
    problem = assert_problem(
        post("/api/v1/charging/peak-shaving", json={"slotMinutes": 60, "sessions": greedy}),
        422,
        "sessions[0].energyKwh",
    )
    assert problem["constraint"] == "energy"


@pytest.mark.parametrize(("body", "field"), [
    ({"sessions": [{"id": "a", "arrival": "2026-11-10T16:00:00Z", "departure": "2026-11-10T15:00:00Z", "energyKwh": 1, "maxPowerKw": 11}]},
     "sessions[0].departure"),
    ({"sessions": [{"id": "a", "arrival": "2026-11-10T16:00:00", "departure": "2026-11-10T18:00:00Z", "energyKwh": 1, "maxPowerKw": 11}]},
     "sessions.0.arrival"),
    ({"sessions": [{"id": "a", "arrival": "2026-11-10T16:00:00Z", "departure": "2026-11-10T18:00:00Z", "energyKwh": -1, "maxPowerKw": 11}]},
     "sessions.0.energyKwh"),
    ({"sessions": [], "constantCapacityKw": "NaN"}, "constantCapacityKw"), ({"sessions": [], "capacityKw": [1, -2]}, "capacityKw.1"),
    ({"sessions": [], "capacityKw": [1], "constantCapacityKw": 3, "start": "2026-11-10T16:00:00Z"}, "constantCapacityKw"),
    ({"sessions": []}, "start"),
    ({"sessions": [], "start": "2026-11-10T16:00:00Z", "capacityKw": [1, 2], "slots": 3}, "capacityKw"),
    ({"sessions": [], "slotMinutes": 0}, "slotMinutes"),
    ({"sessions": [], "peak": 3}, "peak"),
])  # fmt: skip
def test_bad_peak_shaving_input_names_the_field(city: dict[str, Any], body: dict[str, Any], field: str) -> None:
    problem = assert_problem(city["client"].post("/api/v1/charging/peak-shaving", json=body), 400)
    assert problem["field"] == field, problem


@pytest.mark.parametrize(("path", "params", "field"), [
    ("occupancy", {"from": "2026-11-10T14:00:00Z", "to": "2026-11-10T10:00:00Z"}, "to"),
    ("occupancy", {"from": "2026-09-01T00:00:00Z", "to": "2026-11-10T10:00:00Z"}, "from"),
    ("occupancy", {"from": "gisteren"}, "from"),
    ("placement", {"occupancyWeight": -1}, "occupancyWeight"),
    ("placement", {"occupancyWeight": 0, "unservedWeight": 0, "distanceWeight": 0}, "occupancyWeight"),
    ("peak-shaving", {"date": "2026-02-30"}, "date"),
    ("peak-shaving", {"slotMinutes": 0}, "slotMinutes"),
])  # fmt: skip
def test_bad_report_input_names_the_field(city: dict[str, Any], path: str, params: dict[str, Any], field: str) -> None:
    assert_problem(city["client"].get(f"/api/v1/charging/{path}", params=params, headers=city["cpo"]), 400, field)


def test_an_unknown_area_is_a_404_naming_it(city: dict[str, Any]) -> None:
    assert_problem(
        city["client"].get("/api/v1/charging/occupancy", params={"area": "Nergens"}, headers=city["cpo"]), 404, "area"
    )


def test_the_endpoints_are_in_the_openapi_document(city: dict[str, Any]) -> None:
    paths = city["client"].get("/api/v1/openapi.json").json()["paths"]
    assert {"/charging/occupancy", "/charging/placement", "/charging/peak-shaving"} <= set(paths)
    assert set(paths["/charging/peak-shaving"]) == {"get", "post"}
