"""`/api/v1/public-space/…` on both backends: the mowing list, the wells and the street lights of
known data up to now, through the caller's access scope (a restricted field is not listed to the
anonymous), and bad input."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stadsdata.access.api_keys import generate_api_key
from stadsdata.analytics.public_space.sun import elevation
from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.sta.conftest import assert_problem, stream_body, thing_body

TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
PLACE = (4.90, 52.37)


def daily(values_by_days_ago: dict[int, float]) -> list[list[Any]]:
    return [[(TODAY - timedelta(days=k, minutes=-30)).isoformat(), v] for k, v in sorted(values_by_days_ago.items(), reverse=True)]


@pytest.fixture
def city(store: Store, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    now = datetime.now(UTC)
    key = generate_api_key()
    with store.write() as tx:
        records = tx.access
        records.add_api_key(key.prefix, key.key_hash, "admin", None, is_admin=True, can_write=True, expires_at=None, now=now)
        city = records.add_party("gemeente", "organisation", None, now)
        records.add_dataset("buiten", "Openbare ruimte", "public", city, "", now)
        records.add_dataset("proef", "Proefveld", "restricted", city, "", now)
    admin = {"X-API-Key": key.secret_key}
    settings = Settings(database=str(tmp_path / "x.db"), access_mode="enforced", basemap="none")
    with TestClient(create_app(settings, store=store)) as client:
        def thing(name: str, prop: str, unit: str, rows: list[list[Any]], dataset: int = 1) -> None:
            body = thing_body(name, *PLACE, [stream_body(name.lower(), prop, {"name": unit, "symbol": unit}, [])])
            made = client.post("/v1.1/Things?$expand=Datastreams", json=body, headers=admin)
            assert made.status_code == 201, made.text
            stream = client.get(made.headers["location"] + "/Datastreams", headers=admin).json()["value"][0]["@iot.id"]
            data = [{"Datastream": {"@iot.id": stream}, "components": ["phenomenonTime", "result"], "dataArray": rows}]
            assert client.post("/v1.1/CreateObservations", json=data, headers=admin).status_code == 201
            assert client.put(f"/api/v1/datasets/{dataset}/datastreams/{stream}", headers=admin).status_code == 204

        # grass: A mown 10 days ago, growing 0.7 cm a day since (latest 10.3: mow now); B growing 0.5 a day (6.5: 7 days)
        thing("Veld A", "Grass height", "cm", daily({k: 4 + 0.5 * (20 - k) for k in range(11, 21)} | {k: 4 + 0.7 * (10 - k) for k in range(1, 11)}))
        thing("Veld B", "Grass height", "cm", daily({k: 5 + 0.5 * (20 - k) for k in range(7, 21)} | {k: 4 + 0.5 * (6 - k) for k in range(1, 7)}))
        thing("Proefveld", "Grass height", "cm", daily({1: 30.0}), dataset=2)  # restricted: not for the anonymous
        # wells: one falling 1 cm a day (latest −1.28 m), one below the low threshold
        thing("Put 1", "Groundwater level", "mNAP", daily({k: -1.0 - 0.01 * (29 - k) for k in range(1, 30)}))
        thing("Put 2", "Groundwater level", "mNAP", daily({k: -1.6 for k in range(1, 10)}))
        # street lights, every 10 minutes for the last 3 days: one as it should, one failed, one burning by day
        moments = [TODAY - timedelta(days=3) + timedelta(minutes=10 * i) for i in range(3 * 144)]
        on = {t: elevation(*PLACE, t) < 0 for t in moments}
        thing("Mast 1", "Light level", "percent", [[t.isoformat(), 100.0 if on[t] else 0.0] for t in moments])
        thing("Mast 2", "Light level", "percent", [[t.isoformat(), 0.0] for t in moments])
        thing("Mast 3", "Light level", "percent", [[t.isoformat(), 100.0] for t in moments])
        yield client, admin


def test_the_mowing_list(city: tuple[TestClient, dict[str, str]]) -> None:
    client, admin = city
    anonymous = client.get("/api/v1/public-space/mowing")
    assert anonymous.status_code == 200, anonymous.text
    got = [(f["thing"], f["heightCm"], f["growthCmPerDay"], f["daysUntilMowing"], f["mowNow"]) for f in anonymous.json()["fields"]]
    assert got == [("Veld A", pytest.approx(10.3), 0.7, 0.0, True), ("Veld B", 6.5, 0.5, 7.0, False)]
    assert anonymous.json()["mowNow"] == 1
    assert [f["thing"] for f in client.get("/api/v1/public-space/mowing", headers=admin).json()["fields"]] == ["Proefveld", "Veld A", "Veld B"]
    assert [f["mowNow"] for f in client.get("/api/v1/public-space/mowing?mowingHeight=6", headers=admin).json()["fields"]] == [True] * 3


def test_the_wells(city: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = city
    body = client.get("/api/v1/public-space/groundwater?low=-1.5&high=0").json()
    got = [(w["thing"], w["state"], w["headingFor"], w["daysUntil"]) for w in body["wells"]]
    assert got == [("Put 2", "low", None, None), ("Put 1", "ok", "low", 22.0)]
    assert body["wells"][1]["trendPerWeek"] == pytest.approx(-0.07) and body["wells"][1]["level"] == pytest.approx(-1.28)


def test_the_street_lights(city: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = city
    body = client.get("/api/v1/public-space/street-lights?days=3").json()
    assert [(light["thing"], light["state"]) for light in body["lights"]] == [("Mast 2", "failed"), ("Mast 3", "burns_by_day"), ("Mast 1", "ok")]
    assert body["counts"] == {"failed": 1, "burns_by_day": 1, "ok": 1, "no_data": 0}
    failed, by_day, fine = body["lights"]
    assert failed["darkHours"] > 0 and failed["darkHoursOff"] == failed["darkHours"]
    assert by_day["dayHours"] > 0 and by_day["dayHoursOn"] == by_day["dayHours"]
    assert (fine["darkHoursOff"], fine["dayHoursOn"]) == (0, 0)


def test_bad_input_names_the_field(city: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = city
    for path, field in (
        ("/api/v1/public-space/mowing?mowingHeight=-1", "mowingHeight"),
        ("/api/v1/public-space/mowing?days=0", "days"),
        ("/api/v1/public-space/groundwater?low=1&high=0", "low"),
        ("/api/v1/public-space/groundwater?low=abc", "low"),
        ("/api/v1/public-space/street-lights?days=100", "days"),
    ):
        assert_problem(client.get(path), 400, field)
