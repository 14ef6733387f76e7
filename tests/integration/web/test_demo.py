"""`stadsdata demo`: the demo city is seeded once, with datasets at their access levels, valid
dashboards and accounts whose passwords change at every start; a database holding other data
is left alone. The simulator reports through the real ingest paths."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from stadsdata.api.management.models import Dashboard
from stadsdata.app import create_app
from stadsdata.cli import app as cli
from stadsdata.demo import city
from stadsdata.demo.dashboards import DASHBOARDS
from stadsdata.demo.seed import readings
from stadsdata.demo.simulator import Simulator, demo_key
from stadsdata.settings import Settings
from tests.integration.sta.conftest import stream_body, thing_body


def test_the_dashboards_are_valid_documents() -> None:
    for slug, document in DASHBOARDS.items():
        Dashboard.model_validate(document)  # raises on a bad panel
        assert document["title"]["nl"] and document["title"]["en"], slug


def test_history_is_deterministic_with_rhythms_and_gaps() -> None:
    end = datetime(2026, 11, 2, tzinfo=UTC)
    site = next(s for s in city.sites() if s.key == "air-01")
    pm10 = next(s for s in site.streams if s.key == "pm10")
    first = readings(site, pm10, end - timedelta(days=7), end)
    assert first == readings(site, pm10, end - timedelta(days=7), end)  # the same every time
    assert len(first) == 7 * 48 and all(isinstance(v, float) and v > 0 for _, v in first)
    garage = next(s for s in city.sites() if s.kind == "garage")
    vacant = [v for t, v in readings(garage, garage.streams[0], end - timedelta(days=7), end)]
    assert min(vacant) < 0.4 * max(vacant)  # full at office hours, empty at night
    gaps = [s for s in city.sites() if s.seed % 7 == 3]
    assert gaps, "some sensors have a day offline"
    counts = {len(readings(s, s.streams[0], end - timedelta(days=30), end)) for s in gaps if s.streams[0].every_minutes == 60}
    assert min(counts) < 30 * 24  # a day missing


def test_demo_seeds_once_and_leaves_other_databases_alone(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    first = CliRunner().invoke(cli, ["demo", "--database", db, "--days", "1"])
    assert first.exit_code == 0, first.output
    assert "127 Things, 257 Datastreams" in first.output
    passwords = dict(re.findall(r"^\s+(beheerder|analist|jansen|laadnet)\s+(\S+)", first.output, re.M))
    again = CliRunner().invoke(cli, ["demo", "--database", db, "--days", "1"])
    assert "already in this database" in again.output
    new = dict(re.findall(r"^\s+(beheerder|analist|jansen|laadnet)\s+(\S+)", again.output, re.M))
    assert set(new) == set(passwords) and all(new[k] != passwords[k] for k in new)  # new at every start
    with TestClient(create_app(Settings(database=db, access_mode="enforced", mqtt_embedded=False))) as client:
        levels = {d["name"]: d["accessLevel"] for d in client.get("/api/v1/datasets?limit=100").json()["_embedded"]["datasets"]}
        assert levels["luchtkwaliteit"] == "public" and levels["laadsessies"] == "restricted"
        assert client.get("/v1.1/Things?$count=true&$top=0").json()["@iot.count"] == 125  # the residents' are not public
        official = client.get("/api/v1/me", auth=("analist", new["analist"])).json()
        assert official["subject"] == "user:analist"
        seen = client.get("/v1.1/Things?$count=true&$top=0", auth=("analist", new["analist"])).json()["@iot.count"]
        assert seen == 126  # plus Jansen's sensor, by consent to the municipality

    other = str(tmp_path / "other.db")
    with TestClient(create_app(Settings(database=other, access_mode="open", mqtt_embedded=False))) as client:
        assert client.post("/v1.1/Things", json=thing_body("Mijn kast", 5, 52, [stream_body("t", "T", {"name": "x"}, [])])).status_code == 201
    refused = CliRunner().invoke(cli, ["demo", "--database", other, "--days", "1"])
    assert "already holds other data" in refused.output
    with TestClient(create_app(Settings(database=other, access_mode="open", mqtt_embedded=False))) as client:
        assert client.get("/v1.1/Things?$count=true&$top=0").json()["@iot.count"] == 1


def test_the_simulator_reports_through_http_push_and_the_api(tmp_path: Path) -> None:
    """Without a broker the simulator posts over HTTP; the garages always by HTTP push. (Over
    MQTT it is exercised by tests/browser, which runs `serve --demo` with the embedded broker.)"""
    db = str(tmp_path / "demo.db")
    assert CliRunner().invoke(cli, ["demo", "--database", db, "--days", "1"]).exit_code == 0
    with TestClient(create_app(Settings(database=db, access_mode="enforced", mqtt_embedded=False))) as client:
        store = client.app.state.store
        simulator = Simulator(store, "http://testserver", demo_key(store), None)

        def post(path: str, body: object) -> None:  # the simulator's HTTP calls, into this app
            response = client.post(path, json=body, headers={"X-API-Key": simulator.key})
            assert response.status_code in (200, 201), response.text

        simulator._post = post  # type: ignore[method-assign]
        before = client.get("/v1.1/Observations?$count=true&$top=0").json()["@iot.count"]
        moment = datetime.now(UTC).replace(microsecond=0)
        sent = simulator.tick(moment)
        after = client.get("/v1.1/Observations?$count=true&$top=0").json()["@iot.count"]
        assert sent > 6 and after - before == sent
        garage = client.get("/v1.1/Datastreams?$filter=name eq 'Vacant parking spaces — Parkeergarage Centrum'"
                            "&$expand=Observations($top=1;$orderby=phenomenonTime desc)").json()["value"][0]  # fmt: skip
        assert garage["Observations"][0]["phenomenonTime"] == moment.isoformat().replace("+00:00", "Z")
