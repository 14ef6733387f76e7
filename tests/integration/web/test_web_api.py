"""What the web UI is built on, on both backends, without a browser: the pages' shells, the
language switch, signing in and out (session cookie, CSRF rule, no open redirect), the series
endpoint (resolutions, formats, access and audit) and the dashboards API."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stadsdata.access.api_keys import generate_api_key
from stadsdata.access.passwords import hash_password
from stadsdata.access.web_sessions import COOKIE
from stadsdata.app import create_app
from stadsdata.service.series import _resolution
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.sta.conftest import assert_problem, stream_body, thing_body

T0 = datetime(2026, 3, 2, tzinfo=UTC)
HTML = {"Accept": "text/html"}


class Web:
    def __init__(self, client: TestClient, store: Store, admin_key: str) -> None:
        self.client = client
        self.store = store
        self.admin = {"X-API-Key": admin_key}


@pytest.fixture
def web(store: Store, tmp_path: Path) -> Iterator[Web]:
    key = generate_api_key()
    now = datetime.now(UTC)
    with store.write() as tx:
        records = tx.access
        tx.access.add_api_key(key.prefix, key.key_hash, "beheer", None, is_admin=True, can_write=True, expires_at=None, now=now)
        city = records.add_party("gemeente", "organisation", None, now)
        resident = records.add_party("bewoner", "resident", None, now)
        records.add_user("ambtenaar", hash_password("geheim-1"), city, False, now)
        records.add_user("bewoner", hash_password("geheim-2"), resident, False, now)
        records.add_user("beheerder", hash_password("geheim-3"), city, True, now)
        records.add_dataset("lucht", "Lucht", "public", city, "", now)
        records.add_dataset("thuis", "Sensor thuis", "restricted", resident, "", now)
    settings = Settings(database=str(tmp_path / "x.db"), access_mode="enforced", basemap="none")
    with TestClient(create_app(settings, store=store)) as client:
        web = Web(client, store, key.secret_key)
        for name in ("Markt", "Thuis"):
            body = thing_body(name, 6.09, 52.51, [stream_body(name.lower(), "PM10", {"name": "ug/m3", "symbol": "µg/m³"}, [])])
            assert client.post("/v1.1/Things", json=body, headers=web.admin).status_code == 201
        minutes = [[(T0 + timedelta(minutes=m)).isoformat(), float(m % 60)] for m in range(3 * 24 * 60)]
        for stream in (1, 2):
            body = [{"Datastream": {"@iot.id": stream}, "components": ["phenomenonTime", "result"], "dataArray": minutes}]
            assert client.post("/v1.1/CreateObservations", json=body, headers=web.admin).status_code == 201
        assert client.put("/api/v1/datasets/1/datastreams/1", headers=web.admin).status_code == 204
        assert client.put("/api/v1/datasets/2/datastreams/2", headers=web.admin).status_code == 204
        yield web


def sign_in(client: TestClient, username: str, password: str) -> dict[str, str]:
    response = client.post("/login", content=f"username={username}&password={password}&next=/my-data",
                           headers={"Content-Type": "application/x-www-form-urlencoded"}, follow_redirects=False)  # fmt: skip
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/my-data"
    cookie = response.cookies[COOKIE]
    set_cookie = response.headers["set-cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie
    client.cookies.clear()
    return {"Cookie": f"{COOKIE}={cookie}"}


def test_pages_are_served_to_browsers_and_json_to_clients(web: Web) -> None:
    client = web.client
    for path in ("/", "/sensors/1", "/dashboards", "/login", "/my-data"):
        page = client.get(path, headers=HTML)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), path
        assert '<html lang="nl">' in page.text and "Kaart" in page.text and 'id="main"' in page.text
    assert client.get("/").json()["links"]["sensorthings"] == "/v1.1"  # an API client gets the index
    assert client.get("/dashboards/none", headers=HTML).status_code == 404
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200
    assert client.get("/static/vendor/uplot/uPlot.iife.min.js").status_code == 200


def test_the_language_switch_is_remembered(web: Web) -> None:
    client = web.client
    english = client.get("/?lang=en", headers=HTML)
    assert '<html lang="en">' in english.text and "Sensors in the city" in english.text and "Sign in" in english.text
    assert "lang=en" in english.headers["set-cookie"]
    assert '<html lang="en">' in client.get("/dashboards", headers=HTML).text  # the cookie
    assert '<html lang="nl">' in client.get("/dashboards?lang=nl", headers=HTML).text
    assert '<html lang="nl">' in client.get("/?lang=fr", headers=HTML).text  # unknown: the default


def test_sign_in_session_csrf_and_sign_out(web: Web) -> None:
    client = web.client
    failed = client.post("/login", content="username=ambtenaar&password=fout", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert failed.status_code == 401 and "klopt niet" in failed.text and COOKIE not in failed.headers.get("set-cookie", "")
    cookie = sign_in(client, "ambtenaar", "geheim-1")
    assert client.get("/api/v1/me", headers=cookie).json()["subject"] == "user:ambtenaar"
    assert "ambtenaar" in client.get("/my-data", headers={**HTML, **cookie}).text
    # A change with the cookie alone is refused (CSRF); with X-Requested-With it is judged on rights.
    change = {"title": {"nl": "x"}, "panels": []}
    assert_problem(client.put("/api/v1/dashboards/x", json=change, headers=cookie), 401)
    assert_problem(client.put("/api/v1/dashboards/x", json=change, headers={**cookie, "X-Requested-With": "stadsdata"}), 403)
    admin = sign_in(client, "beheerder", "geheim-3")
    assert client.put("/api/v1/dashboards/x", json=change, headers={**admin, "X-Requested-With": "x"}).status_code == 201
    # Signing out ends the session in the database: the same cookie is refused, and a page clears it.
    out = client.post("/logout", headers=cookie, follow_redirects=False)
    assert out.status_code == 303 and f'{COOKIE}=""' in out.headers["set-cookie"]
    assert_problem(client.get("/api/v1/me", headers=cookie), 401)
    page = client.get("/", headers={**HTML, **cookie})
    assert page.status_code == 200 and f'{COOKIE}=""' in page.headers["set-cookie"] and "Inloggen" in page.text


def test_no_redirect_to_another_site_after_signing_in(web: Web) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)", "my-data"):
        response = web.client.post("/login", content=f"username=ambtenaar&password=geheim-1&next={target}",
                                   headers={"Content-Type": "application/x-www-form-urlencoded"}, follow_redirects=False)  # fmt: skip
        assert response.headers["location"] == "/my-data", target
        web.client.cookies.clear()


def test_series_resolutions_and_formats(web: Web) -> None:
    client = web.client
    day = f"from={T0.isoformat()}&to={(T0 + timedelta(days=1)).isoformat()}".replace("+", "%2B")
    raw = client.get(f"/api/v1/datastreams/1/series?{day}").json()
    assert raw["resolution"] == "raw" and len(raw["points"]) == 1440
    assert raw["datastream"]["unitOfMeasurement"]["symbol"] == "µg/m³"
    assert raw["dataset"] == {"name": "lucht", "title": "Lucht", "accessLevel": "public", "owner": "gemeente"}
    three = f"from={T0.isoformat()}&to={(T0 + timedelta(days=3)).isoformat()}".replace("+", "%2B")
    auto = client.get(f"/api/v1/datastreams/1/series?{three}").json()
    assert auto["resolution"] == "raw" and len(auto["points"]) == 4320  # up to 5 000 readings: raw
    assert _resolution(5_001, T0, T0 + timedelta(days=7)) == ("hour", 1)  # more: hourly means …
    assert _resolution(525_600, T0, T0 + timedelta(days=365)) == ("hour", 1)  # … also for a year of minutes (8 760 points)
    assert _resolution(1_000_000, T0, T0 + timedelta(days=2 * 365)) == ("day", 1)  # longer: daily
    # With maxPoints: buckets of as many hours (days) as keep within it.
    assert _resolution(525_600, T0, T0 + timedelta(days=365), 2_400) == ("hour", 4)
    assert _resolution(1_000_000, T0, T0 + timedelta(days=2 * 365), 700) == ("day", 2)
    assert _resolution(1_000, T0, T0 + timedelta(days=1), 2_400) == ("raw", 1)
    fitted = client.get(f"/api/v1/datastreams/1/series?{three}&maxPoints=36&format=columns").json()
    assert (fitted["resolution"], fitted["bucketHours"], len(fitted["columns"]["time"])) == ("hour", 2, 36)
    assert set(fitted["columns"]["count"]) == {120} and fitted["columns"]["time"][1] - fitted["columns"]["time"][0] == 7200
    hours = client.get(f"/api/v1/datastreams/1/series?{three}&resolution=hour").json()
    assert len(hours["points"]) == 72 and hours["points"][0] == {"time": "2026-03-02T00:00:00Z", "count": 60, "mean": 29.5, "min": 0.0, "max": 59.0}
    columns = client.get(f"/api/v1/datastreams/1/series?{three}&resolution=hour&format=columns").json()["columns"]
    assert len(columns["time"]) == 72 and columns["time"][0] == int(T0.timestamp()) and columns["mean"][0] == 29.5
    assert [columns[k][1] for k in ("count", "min", "max")] == [p for p in (hours["points"][1][k] for k in ("count", "min", "max"))]
    days = client.get(f"/api/v1/datastreams/1/series?{three}&resolution=day").json()
    assert [p["count"] for p in days["points"]] == [1440, 1440, 1440]
    table = list(csv.reader(io.StringIO(client.get(f"/api/v1/datastreams/1/series?{three}&resolution=day&format=csv").text)))
    assert table[0] == ["bucketStart", "count", "mean", "min", "max"] and table[1][:3] == ["2026-03-02T00:00:00Z", "1440", "29.5"]
    geo = client.get(f"/api/v1/datastreams/1/series?{day}&format=geojson")
    assert geo.headers["content-type"] == "application/geo+json"
    feature = geo.json()["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [6.09, 52.51]} and feature["properties"]["time"] == "2026-03-02T00:00:00Z"
    for query, field in (("from=yesterday", "from"), ("from=2026-03-02T00:00:00", "from"), (f"{day}&resolution=week", "resolution"),
                         ("from=2026-03-03T00:00:00Z&to=2026-03-02T00:00:00Z", "to"), ("format=xml", "format"),
                         ("from=0001-01-01T00:00:00%2B05:00", "from"), ("to=0001-01-03T00:00:00Z", "to"),
                         ("to=9999-12-31T23:00:00Z", "to"), ("maxPoints=5", "maxPoints")):  # fmt: skip
        assert assert_problem(client.get(f"/api/v1/datastreams/1/series?{query}"), 400)["field"] == field, query


def test_series_follow_access_and_are_audited(web: Web) -> None:
    client = web.client
    day = f"from={T0.isoformat()}&to={(T0 + timedelta(days=1)).isoformat()}&resolution=hour".replace("+", "%2B")
    assert_problem(client.get(f"/api/v1/datastreams/2/series?{day}"), 404)  # restricted: not there for the anonymous
    official = sign_in(client, "ambtenaar", "geheim-1")
    assert_problem(client.get(f"/api/v1/datastreams/2/series?{day}", headers=official), 404)  # no consent yet
    resident = sign_in(client, "bewoner", "geheim-2")
    own = client.get(f"/api/v1/datastreams/2/series?{day}", headers=resident).json()
    assert len(own["points"]) == 24 and own["dataset"]["owner"] == "bewoner"  # the resident sees their own name
    consent = client.post("/api/v1/consents", json={"datasetId": 2, "partyId": 1, "purpose": "onderzoek"},
                          headers={**resident, "X-Requested-With": "x"})  # fmt: skip
    assert consent.status_code == 201, consent.text
    shared = client.get(f"/api/v1/datastreams/2/series?{day}", headers=official).json()
    assert len(shared["points"]) == 24 and shared["dataset"]["owner"] is None  # a resident is named to nobody else
    events = client.get("/api/v1/audit-events?datasetId=2", headers=resident).json()["_embedded"]["auditEvents"]
    assert [(e["subject"], e["basis"], e["records"]) for e in events if e["subject"] == "user:ambtenaar"] == [("user:ambtenaar", "consent", 24)]
    withdrawn = client.patch(f"/api/v1/consents/{consent.json()['id']}", json={"status": "withdrawn"}, headers={**resident, "X-Requested-With": "x"})
    assert withdrawn.status_code == 200, withdrawn.text
    assert_problem(client.get(f"/api/v1/datastreams/2/series?{day}", headers=official), 404)


def test_dashboards_are_documents_admins_edit(web: Web) -> None:
    client, admin = web.client, web.admin
    document: dict[str, Any] = {
        "title": {"nl": "Lucht", "en": "Air"},
        "theme": "air",
        "panels": [{"type": "kpi", "title": {"nl": "PM10"}, "observedProperty": "PM10", "statistic": "max"},
                   {"type": "chart", "title": {"nl": "Week"}, "datastreams": [1], "days": 7},
                   {"type": "map", "title": {"nl": "Kaart"}, "observedProperty": "PM10"}],
    }  # fmt: skip
    assert client.put("/api/v1/dashboards/lucht", json=document).status_code == 401
    created = client.put("/api/v1/dashboards/lucht", json=document, headers=admin)
    assert created.status_code == 201 and created.json()["panels"][0]["statistic"] == "max"
    document["title"]["nl"] = "Luchtkwaliteit"
    assert client.put("/api/v1/dashboards/lucht", json=document, headers=admin).status_code == 200
    listed = client.get("/api/v1/dashboards").json()["_embedded"]["dashboards"]
    assert [(d["slug"], d["title"]["nl"]) for d in listed] == [("lucht", "Luchtkwaliteit")]
    page = client.get("/dashboards/lucht?lang=en", headers=HTML)
    assert page.status_code == 200 and "<h1 id=\"dashboard-title\">Air</h1>" in page.text
    for bad, field in (
        ({**document, "panels": [{"type": "pie", "title": {"nl": "x"}}]}, "panels.0"),
        ({**document, "panels": [{"type": "kpi", "title": {"nl": "x"}, "observedProperty": "PM10", "statistic": "median"}]}, "panels.0.kpi.statistic"),
        ({**document, "title": {"en": "only English"}}, "title"),
        ({**document, "colour": "red"}, "colour"),
    ):
        assert assert_problem(client.put("/api/v1/dashboards/lucht", json=bad, headers=admin), 400)["field"] == field
    assert assert_problem(client.put("/api/v1/dashboards/bad%20slug", json=document, headers=admin), 400)["field"] == "slug"
    assert client.delete("/api/v1/dashboards/lucht", headers=admin).status_code == 204
    assert_problem(client.get("/api/v1/dashboards/lucht"), 404)


def test_latest_values_as_geojson_follow_access(web: Web) -> None:
    client = web.client
    public = client.get("/api/v1/latest-values")
    assert public.status_code == 200 and public.headers["content-type"] == "application/geo+json"
    features = public.json()["features"]
    assert [f["properties"]["name"] for f in features] == ["Markt"]  # the resident's sensor is not public
    stream = features[0]["properties"]["datastreams"][0]
    assert features[0]["geometry"] == {"type": "Point", "coordinates": [6.09, 52.51]}
    assert stream["observedProperty"] == "PM10" and stream["unitOfMeasurement"]["symbol"] == "µg/m³"
    assert stream["result"] == float((3 * 24 * 60 - 1) % 60) and stream["phenomenonTime"] == "2026-03-04T23:59:00Z"
    # The same values as the SensorThings query it stands for.
    sta = client.get("/v1.1/Datastreams(1)/Observations?$top=1&$orderby=phenomenonTime desc").json()["value"][0]
    assert (stream["result"], stream["phenomenonTime"]) == (sta["result"], sta["phenomenonTime"])
    resident = sign_in(client, "bewoner", "geheim-2")
    mine = client.get("/api/v1/latest-values", headers=resident).json()["features"]
    assert [f["properties"]["name"] for f in mine] == ["Markt", "Thuis"]
    assert client.get("/api/v1/latest-values?observedProperty=NO2", headers=resident).json()["features"] == []
    official = sign_in(client, "ambtenaar", "geheim-1")
    assert [f["properties"]["name"] for f in client.get("/api/v1/latest-values", headers=official).json()["features"]] == ["Markt"]
