"""`/api/v1/air-quality/exceedances` on both backends, on generated data whose answers are worked
out by hand below: hours above 200, days above 50, a day with too few hours (marked, not counted),
an hour with too few minutes, a period mean with too little capture; through the caller's access
scope (a restricted stream is not reported to the anonymous), and bad input.

The period: 2025-03-01 … 2025-03-10 in UTC, 10 days, 240 hours.

Station (NO2, hourly readings at hh:30, `measurementClass` reference on the Datastream):
- 30 µg/m³ every hour, except: 03-02 hours 8–12 at 250 (5 hours above 200; the day's mean
  (19·30 + 5·250)/24 = 75.83); 03-03 only hours 0–17 (18 hours: valid, exactly 75 %); 03-05 only
  hours 0–16 (17 hours: the day is invalid, coverage 17/24 = 0.7083) with hours 3 and 4 at 300 (valid
  hours: 2 more hours above 200; the day's mean (15·30 + 2·300)/17 = 61.76, above 50 but not counted);
  03-07 every hour 60 (a day above 50).
- hours with data 240 − 6 − 7 = 227, all valid: capture 227/240 = 0.9458 (valid); the sum
  6·24·30 + 1820 + 18·30 + 1050 + 24·60 = 9170, the period mean 9170/227 = 40.396.
Citizen sensor (PM10, readings every 10 minutes, no class: indicative):
- 03-01, 03-03 … 03-05 six readings of 20 an hour; 03-02 six of 70 an hour (a day above 50); 03-06
  hours 0–11 six readings of 200, hours 12–23 four readings of 200 (40 minutes: invalid hours); nothing
  from 03-07. The usual count is 6 (the median), so an hour needs 4.5: 132 valid hours.
- 03-06 has 12 valid hours (coverage 0.5): its mean 200 is above 50, not counted. Capture 132/240
  = 0.55: the period mean (4·24·20 + 24·70 + 12·200)/132 = 45.4545 is marked invalid.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stadsdata.access.api_keys import generate_api_key
from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.sources.luchtmeetnet import entities as luchtmeetnet
from stadsdata.store.base import Store
from tests.integration.sta.conftest import assert_problem, stream_body, thing_body

DAY0 = datetime(2025, 3, 1, tzinfo=UTC)
PERIOD = "from=2025-03-01&to=2025-03-10&timeZone=UTC"
URL = "/api/v1/air-quality/exceedances"
UGM3 = {"name": "microgram per cubic metre", "symbol": "µg/m³", "definition": "http://qudt.org/vocab/unit/MicroGM-PER-M3"}


def at(day: int, hour: int, minute: int = 0) -> str:
    return (DAY0 + timedelta(days=day - 1, hours=hour, minutes=minute)).isoformat()


def station_rows() -> list[list[Any]]:
    rows = []
    for day in range(1, 11):
        hours = range(18) if day == 3 else range(17) if day == 5 else range(24)
        for hour in hours:
            value = 30.0
            if day == 2 and 8 <= hour <= 12:
                value = 250.0
            elif day == 5 and hour in (3, 4):
                value = 300.0
            elif day == 7:
                value = 60.0
            rows.append([at(day, hour, 30), value])
    return rows


def citizen_rows() -> list[list[Any]]:
    rows = []
    for day in range(1, 7):
        for hour in range(24):
            value, readings = (70.0, 6) if day == 2 else (200.0, 6 if hour < 12 else 4) if day == 6 else (20.0, 6)
            rows += [[at(day, hour, 10 * k), value] for k in range(readings)]
    return rows


@pytest.fixture
def city(store: Store, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    now = datetime.now(UTC)
    key = generate_api_key()
    with store.write() as tx:
        records = tx.access
        records.add_api_key(key.prefix, key.key_hash, "admin", None, is_admin=True, can_write=True, expires_at=None, now=now)
        city = records.add_party("gemeente", "organisation", None, now)
        records.add_dataset("lucht", "Luchtkwaliteit", "public", city, "", now)
        records.add_dataset("bewoner", "Sensor van een bewoner", "restricted", city, "", now)
    admin = {"X-API-Key": key.secret_key}
    def square(name: str, lon: float, lat: float) -> dict[str, Any]:
        ring = [[lon, lat], [lon + 0.025, lat], [lon + 0.025, lat + 0.025], [lon, lat + 0.025], [lon, lat]]
        return {"type": "Feature", "properties": {"name": name}, "geometry": {"type": "Polygon", "coordinates": [ring]}}

    areas = tmp_path / "areas.geojson"  # Noord holds the station and the citizen sensor, Oost the garden
    areas.write_text(json.dumps({"type": "FeatureCollection", "features": [square("Noord", 6.08, 52.50), square("Oost", 6.105, 52.525)]}))
    settings = Settings(database=str(tmp_path / "x.db"), access_mode="enforced", basemap="none", catalog_areas=str(areas))
    with TestClient(create_app(settings, store=store)) as client:

        def thing(name: str, place: tuple[float, float], prop: str, unit: dict[str, Any], rows: list[list[Any]], dataset: int = 1,
                  properties: dict[str, Any] | None = None) -> None:  # fmt: skip
            stream = stream_body(name.lower(), prop, unit, []) | ({"properties": properties} if properties else {})
            made = client.post("/v1.1/Things?$expand=Datastreams", json=thing_body(name, *place, [stream]), headers=admin)
            assert made.status_code == 201, made.text
            stream_id = client.get(made.headers["location"] + "/Datastreams", headers=admin).json()["value"][0]["@iot.id"]
            data = [{"Datastream": {"@iot.id": stream_id}, "components": ["phenomenonTime", "result"], "dataArray": rows}]
            assert client.post("/v1.1/CreateObservations", json=data, headers=admin).status_code == 201
            assert client.put(f"/api/v1/datasets/{dataset}/datastreams/{stream_id}", headers=admin).status_code == 204

        thing("Station", (6.09, 52.51), "NO2", UGM3, station_rows(), properties={"measurementClass": "reference"})
        thing("Burgersensor", (6.10, 52.52), "PM10", UGM3, citizen_rows())
        thing("Tuin", (6.11, 52.53), "NO2", UGM3, [[at(1, h, 30), 500.0] for h in range(24)], dataset=2)  # restricted
        # a station as the Luchtmeetnet source kind writes it: its Sensor makes it a reference station; one day of data
        lmn = {**stream_body("lmn", "x", luchtmeetnet.MICROGRAM, []), "Sensor": luchtmeetnet.sensor_body("NO2"),
               "ObservedProperty": luchtmeetnet.observed_property_body("NO2", "https://api.luchtmeetnet.nl/open_api")}  # fmt: skip
        made = client.post("/v1.1/Things?$expand=Datastreams", json=thing_body("Luchtmeetnet", 6.3, 52.7, [lmn]), headers=admin)
        lmn_id = client.get(made.headers["location"] + "/Datastreams", headers=admin).json()["value"][0]["@iot.id"]
        data = [{"Datastream": {"@iot.id": lmn_id}, "components": ["phenomenonTime", "result"], "dataArray": [[at(1, h), 10.0] for h in range(24)]}]
        assert client.post("/v1.1/CreateObservations", json=data, headers=admin).status_code == 201
        assert client.put(f"/api/v1/datasets/1/datastreams/{lmn_id}", headers=admin).status_code == 204
        thing("Oude meter", (6.12, 52.54), "Nitrogen dioxide", {"name": "parts per billion", "symbol": "ppb"}, [[at(1, 0), 20.0]])
        yield client, admin


def by_thing(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["thing"]: s for s in answer["sensors"]}


def limit(sensor: dict[str, Any], period: str) -> dict[str, Any]:
    return next(x for x in sensor["limits"] if x["period"] == period)


def test_hand_computed_exceedances_against_the_2030_values(city: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = city
    got = client.get(f"{URL}?standard=eu-2030&{PERIOD}")
    assert got.status_code == 200, got.text
    answer = got.json()
    sensors = by_thing(answer)
    assert set(sensors) == {"Station", "Burgersensor", "Luchtmeetnet"}  # the restricted garden sensor is not there for the anonymous
    assert (sensors["Luchtmeetnet"]["pollutant"], sensors["Luchtmeetnet"]["measurementClass"], sensors["Luchtmeetnet"]["exceeded"]) == (
        "NO2", "reference", None)  # 24 hours of 240: too little data to tell
    assert [s["reason"] for s in answer["skipped"]] == ["the unit is not µg/m³"]
    assert answer["summary"] == {"sensors": 3, "exceeding": 1, "unknown": 2, "reference": 2, "indicative": 1}
    station = sensors["Station"]
    assert (station["pollutant"], station["measurementClass"]) == ("NO2", "reference")
    assert (station["hours"], station["hoursWithData"], station["validHours"], station["days"], station["validDays"]) == (240, 227, 227, 10, 9)
    assert station["invalidDays"] == [{"date": "2025-03-05", "mean": pytest.approx(1050 / 17, abs=1e-3), "coverage": round(17 / 24, 4)}]
    hour = limit(station, "hour")
    assert (hour["value"], hour["allowedPerYear"], hour["exceedances"], hour["invalidAbove"], hour["exceeded"]) == (200.0, 3, 7, 0, True)
    assert hour["times"] == [at(2, h).replace("+00:00", "Z") for h in range(8, 13)] + [at(5, 3).replace("+00:00", "Z"), at(5, 4).replace("+00:00", "Z")]
    day = limit(station, "day")
    assert (day["exceedances"], day["invalidAbove"], day["validMeans"], day["exceeded"]) == (2, 1, 9, False)
    assert day["times"] == ["2025-03-02", "2025-03-07"]
    year = limit(station, "year")
    assert year["annualMean"] == {"time": "period", "mean": pytest.approx(9170 / 227, abs=1e-3), "coverage": round(227 / 240, 4), "valid": True}
    assert (year["value"], year["exceedances"], year["exceeded"]) == (20.0, 1, True)

    citizen = sensors["Burgersensor"]
    assert (citizen["pollutant"], citizen["measurementClass"]) == ("PM10", "indicative")
    assert (citizen["hoursWithData"], citizen["validHours"], citizen["validDays"]) == (144, 132, 5)
    assert citizen["invalidDays"] == [{"date": "2025-03-06", "mean": 200.0, "coverage": 0.5}]
    day = limit(citizen, "day")
    assert (day["value"], day["allowedPerYear"], day["exceedances"], day["invalidAbove"], day["exceeded"]) == (45.0, 18, 1, 1, None)
    year = limit(citizen, "year")
    assert year["annualMean"] == {"time": "period", "mean": pytest.approx(6000 / 132, abs=1e-3), "coverage": 0.55, "valid": False}
    assert (year["exceedances"], year["invalidAbove"], year["exceeded"]) == (0, 1, None)


def test_the_2008_directive_and_the_areas(city: tuple[TestClient, dict[str, str]], store: Store) -> None:
    client, admin = city
    answer = client.get(f"{URL}?standard=eu-2008&{PERIOD}", headers=admin).json()
    sensors = by_thing(answer)
    assert set(sensors) == {"Station", "Burgersensor", "Tuin", "Luchtmeetnet"}  # the administrator reads the restricted one
    with store.read_only() as tx:  # … and that read of the restricted dataset is audited: its 24 hourly means
        events = [e for e in tx.access.audit_events(limit=100) if "/air-quality" in (e.request or "")]
    assert [(e.records, e.dataset_id) for e in events] == [(24, 2)]
    station = sensors["Station"]
    assert [(x["period"], x["value"], x["exceedances"], x["exceeded"]) for x in station["limits"]] == [
        ("hour", 200.0, 7, False),  # 7 of 18 allowed, 227 of 240 hours valid (≥ 90 %)
        ("year", 40.0, 1, True),  # 40.396 > 40
    ]
    assert limit(sensors["Tuin"], "hour")["exceedances"] == 24  # 24 hours at 500, but 1 day of 10: not enough data to say no
    assert limit(sensors["Tuin"], "hour")["exceeded"] is True  # … 24 > 18 says yes
    no2 = next(a for a in answer["areas"] if a["pollutant"] == "NO2")  # Noord's: the station alone
    assert (no2["area"], no2["sensors"], no2["referenceSensors"], no2["indicativeSensors"]) == ("Noord", 1, 1, 0)
    assert [(x["period"], x["sensorsExceeding"], x["referenceSensorsExceeding"], x["mostExceedances"]) for x in no2["limits"]] == [
        ("hour", 0, 0, 7), ("year", 1, 1, 1),
    ]  # fmt: skip
    assert no2["limits"][1]["highestAnnualMean"] == pytest.approx(40.396, abs=1e-3)


def test_a_pollutant_a_box_and_a_whole_year(city: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = city
    only_pm = client.get(f"{URL}?pollutant=pm10&{PERIOD}").json()
    assert [s["thing"] for s in only_pm["sensors"]] == ["Burgersensor"] and only_pm["pollutants"] == ["PM10"]
    boxed = client.get(f"{URL}?bbox=6.08,52.50,6.095,52.515&{PERIOD}").json()
    assert [s["thing"] for s in boxed["sensors"]] == ["Station"]
    year = client.get(f"{URL}?year=2025&timeZone=UTC").json()
    station = by_thing(year)["Station"]
    assert (year["from"], year["to"], year["calendarYear"], station["hours"]) == ("2025-01-01", "2025-12-31", True, 8760)
    assert station["annualMean"]["valid"] is False and station["annualMean"]["coverage"] == round(227 / 8760, 4)
    assert limit(station, "year")["exceeded"] is None and limit(station, "year")["invalidAbove"] == 1
    # In Amsterdam (UTC+1 in March) a local day runs from 23:00 UTC the day before: local 03-05 has 23:00 UTC
    # of 03-04 (30) and hours 0–16 of 03-05: 18 hours, valid, mean 1080/18 = 60 (counted); local 03-07 has
    # 23:00 UTC of 03-06 (30) and 23 hours at 60: mean 58.75. No local day has fewer than 18 hours.
    local = by_thing(client.get(f"{URL}?standard=eu-2030&from=2025-03-01&to=2025-03-10").json())["Station"]
    assert limit(local, "day")["times"] == ["2025-03-02", "2025-03-05", "2025-03-07"]
    assert (local["invalidDays"], local["validDays"], local["hoursWithData"]) == ([], 10, 226)


def test_per_area(city: tuple[TestClient, dict[str, str]]) -> None:
    client, admin = city
    answer = client.get(f"{URL}?standard=eu-2008&{PERIOD}", headers=admin).json()
    assert {s["thing"]: s["area"] for s in answer["sensors"]} == {"Station": "Noord", "Burgersensor": "Noord", "Tuin": "Oost", "Luchtmeetnet": None}
    assert [(a["area"], a["pollutant"], a["sensors"]) for a in answer["areas"]] == [
        ("Noord", "NO2", 1), ("Noord", "PM10", 1), ("Oost", "NO2", 1), (None, "NO2", 1)]  # fmt: skip
    oost = answer["areas"][2]["limits"][0]
    assert (oost["period"], oost["sensorsExceeding"], oost["referenceSensorsExceeding"], oost["mostExceedances"]) == ("hour", 1, 0, 24)
    noord = client.get(f"{URL}?area=Noord&{PERIOD}", headers=admin).json()
    assert sorted(s["thing"] for s in noord["sensors"]) == ["Burgersensor", "Station"]


def test_bad_input_names_the_field(city: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = city
    assert_problem(client.get(f"{URL}?standard=eu-1999"), 400, "standard")
    assert_problem(client.get(f"{URL}?pollutant=O3"), 400, "pollutant")
    assert_problem(client.get(f"{URL}?year=3000"), 400, "year")
    assert_problem(client.get(f"{URL}?year=1200"), 400, "year")
    assert_problem(client.get(f"{URL}?year=2025&from=2025-01-01&to=2025-01-02"), 400, "year")
    assert_problem(client.get(f"{URL}?from=2025-01-01"), 400, "to")
    assert_problem(client.get(f"{URL}?from=2025-03-01&to=2025-02-01"), 400, "to")
    assert_problem(client.get(f"{URL}?from=2024-01-01&to=2025-03-01"), 400, "to")
    assert_problem(client.get(f"{URL}?timeZone=Mars/Olympus"), 400, "timeZone")
    assert_problem(client.get(f"{URL}?timeZone=Asia/Kolkata"), 400, "timeZone")
    assert_problem(client.get(f"{URL}?bbox=1,2,3"), 400, "bbox")
    assert_problem(client.get(f"{URL}?area=Nergens"), 400, "area")
    assert client.get(f"{URL}?year=twenty").status_code == 400


def test_the_standards_are_listed(city: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = city
    standards = {s["key"]: s for s in client.get("/api/v1/air-quality/standards").json()["standards"]}
    assert set(standards) == {"eu-2008", "eu-2030", "who-2021"}
    assert {"pollutant": "PM10", "period": "day", "value": 50.0, "allowedPerYear": 35} in standards["eu-2008"]["limits"]
    paths = client.get("/api/v1/openapi.json").json()["paths"]  # the management API's document, paths below its mount point
    parameters = {p["name"] for p in paths["/air-quality/exceedances"]["get"]["parameters"]}
    assert {"standard", "pollutant", "year", "from", "to", "timeZone", "bbox", "area"} <= parameters
