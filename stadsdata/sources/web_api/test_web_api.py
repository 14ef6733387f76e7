"""The web API kind against fake APIs on loopback (pytest-httpserver): each paging style, each
auth style and a refused one, JSON and CSV, records and pages that cannot be read quarantined,
runs that go on where the last one stopped, and mappings refused when a source is saved."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from stadsdata.sources.conftest import SourcePlatform
from stadsdata.sources.web_api.mapping import config_schema, preset_names

# A city's air quality API: stations with a reading each, newest first, as many such APIs give.
ROWS = [
    {"station": f"S{i}", "label": f"Station {i}", "lon": 6.0 + i / 100, "lat": 52.5, "no2": 10.0 + i, "measured": f"2026-12-01T10:{i:02d}:00Z"}
    for i in range(1, 8)
]  # fmt: skip
NO2 = {"name": "no2", "result": "no2", "unit": {"name": "microgram per cubic metre", "symbol": "ug/m3"},
       "observed_property": {"name": "NO2", "definition": "http://vocab.nerc.ac.uk/collection/P01/current/IPOLNO2/"}}  # fmt: skip
MAPPING: dict[str, Any] = {
    "records": "$.data",
    "thing": {"key": "station", "name": "label", "properties": {"code": "station"}},
    "location": {"lon": "lon", "lat": "lat"},
    "time": {"path": "measured"},
    "datastreams": [NO2],
}


def source(server: HTTPServer, path: str = "/api/readings", name: str = "air", **config: Any) -> dict[str, Any]:
    body = {"url": server.url_for(path), "retry_backoff_s": 0, "retries": 0, **MAPPING, **config}
    return {"name": name, "kind": "web-api", "config": body}


def json_response(body: Any, **headers: str) -> Response:
    return Response(json.dumps(body), content_type="application/json", headers=headers)


def stored(platform: SourcePlatform) -> list[tuple[str, Any, str]]:
    found = platform.get("/v1.1/Observations?$top=1000&$orderby=phenomenonTime,id&$expand=Datastream($select=name)")[
        "value"
    ]
    return [(o["Datastream"]["name"], o["result"], o["phenomenonTime"]) for o in found]


def serve(server: HTTPServer, path: str, handler: Callable[[Request], Response]) -> list[Request]:
    """Serve `path` with `handler`; the requests it got."""
    seen: list[Request] = []

    def answer(request: Request) -> Response:
        seen.append(request)
        return handler(request)

    server.expect_request(path).respond_with_handler(answer)
    return seen


# -- paging styles and auth ---------------------------------------------------------------------------
def test_page_numbers_with_a_bearer_token(
    source_platform: SourcePlatform, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIR_TOKEN", "t0ken")

    def page(request: Request) -> Response:
        if request.headers.get("Authorization") != "Bearer t0ken":
            return Response("no", status=401)
        number, size = int(request.args["p"]), int(request.args["per_page"])
        return json_response({"data": ROWS[(number - 1) * size : number * size], "meta": {"last_page": 3}})

    seen = serve(httpserver, "/api/readings", page)
    body = source(httpserver, paging={"style": "page", "param": "p", "size_param": "per_page", "size": 3, "last_page": "$.meta.last_page"},
                  auth={"type": "bearer", "token": {"env": "AIR_TOKEN"}})  # fmt: skip
    made = source_platform.add_source(body)
    assert made["connectionTest"] == "3 records on the first page; the first one is Thing 'Station 1' with 1 readings"

    run = source_platform.run("air")

    assert run["status"] == "succeeded", run
    assert [r.args["p"] for r in seen[1:]] == ["1", "2", "3"]  # stops at last_page, not at an empty page
    assert (run["itemsRead"], run["itemsStored"], run["itemsQuarantined"]) == (7, 7, 0)
    things = source_platform.get(
        "/v1.1/Things?$orderby=name&$expand=Locations,Datastreams($expand=ObservedProperty,Sensor)"
    )["value"]
    assert [t["name"] for t in things] == [f"Station {i}" for i in range(1, 8)]
    first = things[0]
    assert first["properties"]["code"] == "S1" and first["properties"]["provenance"]["source"] == "air"
    assert first["Locations"][0]["location"] == {"type": "Point", "coordinates": [6.01, 52.5]}
    stream = first["Datastreams"][0]
    assert stream["name"] == "Station 1 / no2" and stream["unitOfMeasurement"]["symbol"] == "ug/m3"
    assert stream["ObservedProperty"]["name"] == "NO2" and stream["observationType"].endswith("OM_Measurement")
    assert stored(source_platform)[0] == ("Station 1 / no2", 11.0, "2026-12-01T10:01:00Z")
    assert len({t["Datastreams"][0]["Sensor"]["@iot.id"] for t in things}) == 1  # one Sensor: the source


def test_offset_and_limit_with_an_api_key_header(
    source_platform: SourcePlatform, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIR_KEY", "k3y")

    def page(request: Request) -> Response:
        if request.headers.get("X-Api-Key") != "k3y":
            return Response("no", status=403)
        offset, limit = int(request.args["start"]), min(int(request.args["count"]), 2)  # the server caps the limit at 2
        return json_response({"data": ROWS[offset : offset + limit], "total": len(ROWS)})

    seen = serve(httpserver, "/api/readings", page)
    body = source(httpserver, paging={"style": "offset", "offset_param": "start", "limit_param": "count", "limit": 5, "total": "total"},
                  auth={"type": "header", "name": "X-Api-Key", "value": {"env": "AIR_KEY"}})  # fmt: skip
    source_platform.add_source(body)

    run = source_platform.run("air")

    assert run["status"] == "succeeded" and run["itemsStored"] == 7
    assert [r.args["start"] for r in seen[1:]] == [
        "0",
        "2",
        "4",
        "6",
    ]  # by what came, not by what was asked; stops at total


def test_a_next_link_in_the_document_with_basic_auth(
    source_platform: SourcePlatform, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIR_PASSWORD", "pw")
    expected = "Basic " + base64.b64encode(b"city:pw").decode()

    def page(request: Request) -> Response:
        if request.headers.get("Authorization") != expected:
            return Response("no", status=401)
        at = int(request.args.get("from", 0))
        body: dict[str, Any] = {"data": ROWS[at : at + 4], "links": {}}
        if at + 4 < len(ROWS):
            body["links"]["next"] = f"/api/readings?from={at + 4}"  # relative, as many APIs give
        return json_response(body)

    seen = serve(httpserver, "/api/readings", page)
    source_platform.add_source(source(httpserver, paging={"style": "next", "next": "links.next"},
                                      auth={"type": "basic", "username": "city", "password": {"env": "AIR_PASSWORD"}}))  # fmt: skip

    run = source_platform.run("air")

    assert run["status"] == "succeeded" and run["itemsStored"] == 7
    assert [r.args.get("from") for r in seen[1:]] == [None, "4"]


def test_a_next_link_in_the_link_header(source_platform: SourcePlatform, httpserver: HTTPServer) -> None:
    def page(request: Request) -> Response:
        at = int(request.args.get("offset", 0))
        headers = (
            {"Link": f'<{httpserver.url_for("/api/readings")}?offset={at + 3}&limit=3>; rel="next"'}
            if at + 3 < len(ROWS)
            else {}
        )
        return json_response({"data": ROWS[at : at + 3]}, **headers)

    seen = serve(httpserver, "/api/readings", page)
    source_platform.add_source(source(httpserver, paging={"style": "next"}))

    run = source_platform.run("air")

    assert run["status"] == "succeeded" and run["itemsStored"] == 7
    assert [r.args.get("offset") for r in seen[1:]] == [None, "3", "6"]


def test_a_cursor(source_platform: SourcePlatform, httpserver: HTTPServer) -> None:
    def page(request: Request) -> Response:
        at = int(request.args.get("after", "0") or 0)
        rows = ROWS[at : at + 3]
        return json_response({"data": rows, "meta": {"next_cursor": str(at + 3) if at + 3 < len(ROWS) else None}})

    seen = serve(httpserver, "/api/readings", page)
    source_platform.add_source(
        source(httpserver, paging={"style": "cursor", "cursor": "$.meta.next_cursor", "param": "after"})
    )

    run = source_platform.run("air")

    assert run["status"] == "succeeded" and run["itemsStored"] == 7
    assert [r.args.get("after") for r in seen[1:]] == [None, "3", "6"]


def test_refused_credentials(
    source_platform: SourcePlatform, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIR_TOKEN", "wrong")
    serve(
        httpserver,
        "/api/readings",
        lambda r: Response('{"error": "unauthorized"}', status=401, content_type="application/json"),
    )
    body = source(httpserver, auth={"type": "bearer", "token": {"env": "AIR_TOKEN"}})

    refused = source_platform.client.post("/api/v1/sources", json=body, headers=source_platform.admin)
    assert refused.status_code == 400 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["field"] == "config.auth" and "refused the credentials: HTTP 401" in refused.json()["detail"]

    source_platform.add_source(body | {"test": False})
    run = source_platform.run("air")
    assert run["status"] == "failed" and "refused the credentials" in run["error"]
    assert stored(source_platform) == []


# -- CSV ----------------------------------------------------------------------------------------------------
CSV = (
    "meetpunt;naam;x;y;tijd;bezetting;open;status\r\n"
    "P1;Garage Centrum;5,9;52,2;01-12-2026 11:00;41;ja;normaal\r\n"
    "P2;Garage Station;5.95;52.21;01-12-2026 11:05;17;nee;gesloten wegens werkzaamheden\r\n"
    "P3;Garage Zuid;5.96;52.19;01-12-2026 11:05;veel;ja;normaal\r\n"
    "P4;Garage Noord;5.97;52.23;01-12-2026 11:05;3;ja;normaal;extra\r\n"
    "P5;Garage Oost;5.98;52.22;31-02-2026 11:05;8;ja;normaal\r\n"
    "P6;Parkeerterrein Maïsveld;5.99;52.24;01-12-2026 11:10;12;ja;normaal\r\n"
)


def test_csv_with_its_options_and_bad_rows_quarantined(source_platform: SourcePlatform, httpserver: HTTPServer) -> None:
    serve(
        httpserver,
        "/export.csv",
        lambda r: Response(CSV.encode("latin-1"), content_type="text/csv; charset=iso-8859-1"),
    )
    config = {
        "format": "csv", "csv": {"delimiter": ";", "encoding": "latin-1"},
        "thing": {"key": "meetpunt", "name": "naam"}, "location": {"lon": "x", "lat": "y"},
        "time": {"path": "tijd", "format": "%d-%m-%Y %H:%M", "timezone": "Europe/Amsterdam"},
        "datastreams": [
            {"name": "occupied", "result": "bezetting", "observed_property": {"name": "occupied spaces"}},
            {"name": "open", "result": "open", "type": "boolean", "observed_property": {"name": "open"}},
            {"name": "status", "result": "status", "type": "text", "observed_property": {"name": "status"}},
        ],
    }  # fmt: skip
    body = {
        "name": "garages",
        "kind": "web-api",
        "config": {"url": httpserver.url_for("/export.csv"), "retries": 0, **config},
    }
    made = source_platform.add_source(body)
    assert made["connectionTest"].startswith("6 records on the first page")

    run = source_platform.run("garages")

    assert run["status"] == "partial"
    assert (run["itemsStored"], run["itemsQuarantined"]) == (6, 4)  # P2 and P6, three readings each
    found = stored(source_platform)
    assert ("Garage Station / occupied", 17, "2026-12-01T10:05:00Z") in found  # 11:05 in Amsterdam
    assert ("Garage Station / open", False, "2026-12-01T10:05:00Z") in found
    assert ("Garage Station / status", "gesloten wegens werkzaamheden", "2026-12-01T10:05:00Z") in found
    assert ("Parkeerterrein Maïsveld / occupied", 12, "2026-12-01T10:10:00Z") in found  # latin-1 read as such
    streams = {s["name"]: s for s in source_platform.get("/v1.1/Datastreams")["value"]}
    assert streams["Garage Station / open"]["observationType"].endswith("OM_TruthObservation")
    assert streams["Garage Station / status"]["observationType"].endswith("OM_CategoryObservation")
    held = {h["reason"]: h for h in source_platform.held()}
    centrum = next(h for r, h in held.items() if "lon" in r or "location" in r)
    # the row with its header
    assert "P1;Garage Centrum" in centrum["payload"] and "meetpunt;naam" in centrum["payload"]
    assert any("datastreams.0.result" in r and '"veel" is not a number' in r for r in held)
    assert any("does not fit the header" in r and "P4" in h["payload"] for r, h in held.items())
    assert any("time" in r and "31-02-2026" in r for r in held)


# -- bad records, bad pages, runs that go on --------------------------------------------------------------
def test_a_record_that_cannot_be_mapped_is_quarantined_and_the_others_stored(
    source_platform: SourcePlatform, httpserver: HTTPServer
) -> None:
    rows = [dict(ROWS[0]), dict(ROWS[1], no2=None), dict(ROWS[2], no2="high"), dict(ROWS[3], measured="yesterday"),
            dict(ROWS[4], measured="2026-13-45T10:00:00Z"), dict(ROWS[5], lat=95.0), {"station": "S9"}, dict(ROWS[6])]  # fmt: skip
    serve(httpserver, "/api/readings", lambda r: json_response({"data": rows}))
    source_platform.add_source(source(httpserver))

    run = source_platform.run("air")

    assert run["status"] == "partial"
    assert (run["itemsStored"], run["itemsQuarantined"]) == (2, 6)
    assert [r[0] for r in stored(source_platform)] == ["Station 1 / no2", "Station 7 / no2"]
    reasons = sorted(h["reason"] for h in source_platform.held())
    assert sum("datastreams.0.result" in r for r in reasons) == 2
    assert sum("time:" in r for r in reasons) == 2
    assert any("location" in r and "lat 95.0" in r for r in reasons)
    assert any("thing.name" in r for r in reasons)
    missing = next(h for h in source_platform.held() if "no result at no2" in h["reason"])
    assert json.loads(missing["payload"])["station"] == "S2"  # the record's bytes

    # the mapping fixed (a second place to find the result), the record replayed: stored
    config = source(httpserver)["config"]
    config["datastreams"][0]["result"] = ["no2", "lat"]
    changed = source_platform.client.patch("/api/v1/sources/air", json={"config": config}, headers=source_platform.admin)
    assert changed.status_code == 200, changed.text
    replayed = source_platform.client.patch(f"/api/v1/quarantine/{missing['id']}", json={"status": "replayed"}, headers=source_platform.admin)
    assert replayed.json()["outcome"] == "stored"
    assert "Station 2 / no2" in [r[0] for r in stored(source_platform)]


def test_an_html_error_page_is_quarantined_and_the_next_run_goes_on_there(
    source_platform: SourcePlatform, httpserver: HTTPServer
) -> None:
    broken = {"on": True}

    def page(request: Request) -> Response:
        number = int(request.args["page"])
        if number == 2 and broken["on"]:
            return Response("<html><body><h1>502 Bad Gateway</h1></body></html>", content_type="text/html")
        return json_response({"data": ROWS[(number - 1) * 3 : number * 3]})

    seen = serve(httpserver, "/api/readings", page)
    source_platform.add_source(source(httpserver, paging={"style": "page", "size": 3, "size_param": "size"}))

    first = source_platform.run("air")

    assert first["status"] == "partial" and (first["itemsStored"], first["itemsQuarantined"]) == (3, 1)
    held = source_platform.held()[0]
    assert "not JSON" in held["reason"] and "502 Bad Gateway" in held["payload"]
    broken["on"] = False
    seen.clear()

    second = source_platform.run("air")

    assert second["status"] == "succeeded"
    assert [r.args["page"] for r in seen] == ["2", "3", "4"]  # from the page that failed; page 4 is empty: the end
    assert len(stored(source_platform)) == 7 and second["itemsDuplicate"] == 0


def test_a_second_run_stores_nothing_twice_and_asks_since_the_newest_time(
    source_platform: SourcePlatform, httpserver: HTTPServer
) -> None:
    rows = ROWS[:4]

    def page(request: Request) -> Response:
        since = request.args.get("updated_since")
        return json_response({"data": [r for r in rows if since is None or r["measured"] >= since]})

    seen = serve(httpserver, "/api/readings", page)
    source_platform.add_source(source(httpserver, since={"param": "updated_since"}) | {"test": False})

    first = source_platform.run("air")
    rows = ROWS
    second = source_platform.run("air")
    third = source_platform.run("air")

    # a Location, Thing and Datastream each; the ObservedProperty and Sensor
    assert first["itemsStored"] == 4 and first["entitiesCreated"] == 4 * 3 + 2
    assert [r.args.get("updated_since") for r in seen] == [None, "2026-12-01T10:04:00Z", "2026-12-01T10:07:00Z"]
    assert (second["itemsStored"], second["itemsDuplicate"], second["entitiesCreated"]) == (3, 1, 9)
    assert (third["itemsStored"], third["itemsDuplicate"], third["entitiesCreated"]) == (0, 1, 0)
    assert len(stored(source_platform)) == 7
    assert source_platform.source("air")["status"]["newestItemAt"] == "2026-12-01T10:07:00Z"


def test_the_same_answer_again_stores_nothing_twice(source_platform: SourcePlatform, httpserver: HTTPServer) -> None:
    serve(httpserver, "/api/readings", lambda r: json_response({"data": ROWS}))
    source_platform.add_source(source(httpserver))

    first, second = source_platform.run("air"), source_platform.run("air")

    assert first["itemsStored"] == 7
    assert (second["itemsStored"], second["itemsDuplicate"], second["entitiesCreated"]) == (0, 7, 0)
    assert len(stored(source_platform)) == 7


def test_max_pages_per_run_and_the_next_run_goes_on(source_platform: SourcePlatform, httpserver: HTTPServer) -> None:
    seen = serve(
        httpserver,
        "/api/readings",
        lambda r: json_response({"data": ROWS[int(r.args["page"]) - 1 : int(r.args["page"])]}),
    )
    source_platform.add_source(source(httpserver, paging={"style": "page"}, max_pages=3) | {"test": False})

    runs = [source_platform.run("air") for _ in range(3)]

    assert [r["itemsStored"] for r in runs] == [3, 3, 1]
    assert [r.args["page"] for r in seen] == ["1", "2", "3", "4", "5", "6", "7", "8"]
    assert len(stored(source_platform)) == 7


def test_epoch_milliseconds_nested_lists_and_a_geojson_geometry(
    source_platform: SourcePlatform, httpserver: HTTPServer
) -> None:
    document = {"features": [
        {"id": "bridge-1", "geometry": {"type": "Point", "coordinates": [4.9, 52.37]}, "properties": {"name": "Brug 1", "ts": 1764583200000},
         "lanes": [{"lane": "L", "count": 12}, {"lane": "R", "count": 7}]},
    ]}  # fmt: skip
    serve(httpserver, "/api/traffic", lambda r: json_response(document))
    config = {
        "records": "$.features[*]", "thing": {"key": "id", "name": "properties.name"}, "location": {"geometry": "geometry"},
        "time": {"path": "properties.ts", "format": "epoch_ms"},
        "datastreams": [{"name": "vehicles lane {lane}", "key": "vehicles", "for_each": "lanes", "each_key": "lane", "result": "count",
                         "observed_property": {"name": "vehicle count"}, "unit": {"name": "vehicle", "symbol": "{vehicle}"}}],
    }  # fmt: skip
    source_platform.add_source(
        {"name": "traffic", "kind": "web-api", "config": {"url": httpserver.url_for("/api/traffic"), **config}}
    )

    run = source_platform.run("traffic")

    assert run["status"] == "succeeded"
    assert stored(source_platform) == [
        ("Brug 1 / vehicles lane L", 12, "2025-12-01T10:00:00Z"),
        ("Brug 1 / vehicles lane R", 7, "2025-12-01T10:00:00Z"),
    ]


# -- mappings refused when saved ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            {"datastreams": [{"name": "no2", "observed_property": {"name": "NO2"}}]},
            "config.datastreams.0",
            "'result' is a required property",
        ),
        ({"datastreams": [dict(NO2, type="percentage")]}, "config.datastreams.0.type", "percentage"),
        ({"paging": {"style": "cursor", "param": "after"}}, "config.paging", "'cursor' is a required property"),
        ({"thing": {"key": 5, "name": "label"}}, "config.thing.key", "not of type"),
        ({"preset": "parking-of-mars"}, "config.preset", "parking-of-mars"),
        ({"thing": {"key": "station", "name": "label[?(@"}}, "config.thing.name", "is not a JSONPath"),
        ({"datastreams": [dict(NO2, result=["no2", "$..["])]}, "config.datastreams.0.result.1", "is not a JSONPath"),
        ({"time": {"path": "measured", "timezone": "Mars/Olympus"}}, "config.time.timezone", "not a time zone"),
        ({"format": "csv", "records": "$.data"}, "config.records", "not for CSV"),
    ],
)
def test_a_bad_mapping_is_refused_naming_the_member(
    source_platform: SourcePlatform, httpserver: HTTPServer, change: dict[str, Any], field: str, words: str
) -> None:
    serve(httpserver, "/api/readings", lambda r: json_response({"data": ROWS}))
    body = source(httpserver)
    body["config"].update(change)

    refused = source_platform.client.post("/api/v1/sources", json=body, headers=source_platform.admin)

    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["field"] == field and words in refused.json()["detail"]


def test_a_source_without_a_mapping_is_refused(source_platform: SourcePlatform, httpserver: HTTPServer) -> None:
    body = {"name": "air", "kind": "web-api", "config": {"url": httpserver.url_for("/x")}, "test": False}
    refused = source_platform.client.post("/api/v1/sources", json=body, headers=source_platform.admin)
    assert refused.status_code == 400 and refused.json()["field"] == "config" and "required" in refused.json()["detail"]


def test_the_kind_and_its_presets_are_offered(source_platform: SourcePlatform) -> None:
    kinds = {
        k["name"]: k
        for k in source_platform.client.get("/api/v1/source-kinds", headers=source_platform.admin).json()["_embedded"][
            "sourceKinds"
        ]
    }
    schema = kinds["web-api"]["configSchema"]
    assert {"url", "paging", "records", "thing", "datastreams", "auth", "timeout_s"} <= set(schema["properties"])
    assert schema["properties"]["preset"]["enum"] == config_schema()["properties"]["preset"]["enum"]
    assert (
        sorted(config_schema()["properties"]["preset"]["enum"]) == preset_names() == ["ndw-ocpi-evse-status", "spdp-v2"]
    )


def test_followed_links_and_one_that_answers_an_html_page(
    source_platform: SourcePlatform, httpserver: HTTPServer
) -> None:
    index = {"stations": [{"id": s["station"], "detail": f"/api/stations/{s['station']}"} for s in ROWS[:3]]}
    serve(httpserver, "/api/stations", lambda r: json_response(index))
    # S2's detail page answers an error page, as a proxy in trouble does
    serve(httpserver, "/api/stations/S1", lambda r: json_response({"now": ROWS[0]}))
    serve(
        httpserver, "/api/stations/S2", lambda r: Response("<html>Service Unavailable</html>", content_type="text/html")
    )
    serve(httpserver, "/api/stations/S3", lambda r: json_response({"now": ROWS[2]}))
    config = {
        "url": httpserver.url_for("/api/stations"), "retries": 0, "records": "$.stations", "follow": [{"url": "detail", "as": "detail"}],
        "thing": {"key": "id", "name": "detail.now.label"}, "location": {"lon": "detail.now.lon", "lat": "detail.now.lat"},
        "time": {"path": "detail.now.measured"}, "datastreams": [dict(NO2, result="detail.now.no2")],
    }  # fmt: skip
    source_platform.add_source({"name": "stations", "kind": "web-api", "config": config})

    run = source_platform.run("stations")

    assert run["status"] == "partial" and (run["itemsStored"], run["itemsQuarantined"]) == (2, 1)
    assert [r[0] for r in stored(source_platform)] == ["Station 1 / no2", "Station 3 / no2"]
    held = source_platform.held()[0]
    assert "follow.0" in held["reason"] and "not JSON" in held["reason"] and "Service Unavailable" in held["payload"]
