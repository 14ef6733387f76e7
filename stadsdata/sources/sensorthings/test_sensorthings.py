"""The remote SensorThings kind against a fake server on loopback (pytest-httpserver) that
behaves as real ones do: `$top` capped at 2, a nextLink that drops `$filter`, `$expand` and
`$orderby`, v1.0 entities in the shape RIVM Samen Meten gives (`recorded/`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from stadsdata.sources.conftest import SourcePlatform

RECORDED = Path(__file__).with_name("recorded")
CAP = 2  # the server's largest page, whatever $top asks


class FakeSensorThings:
    """Things and Observations of a v1.0 server, paged as FROST does (nextLink with $skip)."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.things: list[dict[str, Any]] = json.loads((RECORDED / "things.json").read_text())["value"]
        self.observations: dict[str, list[dict[str, Any]]] = {}
        self.next_id = 1000
        self.fail: dict[str, Response] = {}  # path -> the answer to give instead (once each time asked)
        self.requests: list[str] = []
        server.expect_request("/v1.0/Things").respond_with_handler(lambda r: self.things_page(r))  # a test may swap the method
        for thing in self.things:
            for stream in thing["Datastreams"]:
                sid = stream["@iot.id"]
                self.observations[str(sid)] = []
                server.expect_request(f"/v1.0/Datastreams({sid})/Observations").respond_with_handler(lambda r: self.observations_page(r))

    @property
    def url(self) -> str:
        return self.server.url_for("/v1.0")

    def add(self, stream: int, times: list[str], value: float = 1.0) -> None:
        for time in times:
            self.next_id += 1
            self.observations[str(stream)].append({"@iot.id": self.next_id, "phenomenonTime": time, "result": value, "resultTime": time})

    def things_page(self, request: Request) -> Response:
        self.requests.append(request.full_path)
        if "/v1.0/Things" in self.fail:
            return self.fail["/v1.0/Things"]
        things = self.things
        if "$filter" in request.args:  # the one filter the tests use
            things = [t for t in things if t["properties"]["codegemeente"] == request.args["$filter"].split("'")[1]]
        return self._page(request, things, "/v1.0/Things")

    def observations_page(self, request: Request) -> Response:
        self.requests.append(request.full_path)
        if request.path in self.fail:
            return self.fail[request.path]
        stream = request.path.split("(")[1].split(")")[0]
        rows = sorted(self.observations[stream], key=lambda o: (o["phenomenonTime"], o["@iot.id"]))
        flt = request.args.get("$filter", "")
        if flt.startswith("phenomenonTime ge "):
            start = flt.removeprefix("phenomenonTime ge ")
            rows = [o for o in rows if o["phenomenonTime"] >= start]
        return self._page(request, rows, request.path)

    def _page(self, request: Request, rows: list[dict[str, Any]], path: str) -> Response:
        skip = int(request.args.get("$skip", 0))
        top = min(int(request.args.get("$top", 100)), CAP)
        body: dict[str, Any] = {"value": rows[skip : skip + top]}
        if skip + top < len(rows):  # the quirk: the nextLink keeps only $top and $skip
            body["@iot.nextLink"] = self.server.url_for(path) + "?" + urlencode({"$top": top, "$skip": skip + top})
        return Response(json.dumps(body), content_type="application/json")


@pytest.fixture
def remote(httpserver: HTTPServer) -> FakeSensorThings:
    return FakeSensorThings(httpserver)


def source(remote: FakeSensorThings, **config: Any) -> dict[str, Any]:
    return {"name": "samenmeten", "kind": "sensorthings", "config": {"url": remote.url, "retry_backoff_s": 0, **config}}


def stored(platform: SourcePlatform) -> list[dict[str, Any]]:
    return platform.get("/v1.1/Observations?$top=1000&$orderby=id&$expand=Datastream($select=name)")["value"]


def test_mirrors_the_selected_things_and_copies_their_observations(source_platform: SourcePlatform, remote: FakeSensorThings) -> None:
    remote.add(101, ["2026-12-01T10:00:00Z", "2026-12-01T10:10:00Z", "2026-12-01T10:20:00Z"], 12.5)
    remote.add(102, ["2026-12-01T10:00:00Z"], 40.0)
    remote.add(201, ["2026-12-01T10:00:00Z"], 7.0)  # a Thing of another municipality: not selected
    made = source_platform.add_source(source(remote, things_filter="properties/codegemeente eq '0193'"))
    assert made["connectionTest"] == "the server answers; 1 Thing on the first page"

    run = source_platform.run("samenmeten")

    assert run["status"] == "succeeded", run
    things = source_platform.get("/v1.1/Things?$expand=Locations,Datastreams($expand=Sensor,ObservedProperty)")["value"]
    assert [t["name"] for t in things] == ["SSK_ZW101", "SSK_ZW102"]
    assert things[0]["properties"]["codegemeente"] == "0193"
    assert things[0]["properties"]["provenance"] == {"source": "samenmeten", "run": run["id"]}
    assert things[0]["Locations"][0]["location"]["coordinates"] == [6.0944, 52.5125]
    pm25 = things[0]["Datastreams"][0]
    assert (pm25["unitOfMeasurement"]["symbol"], pm25["ObservedProperty"]["name"]) == ("ug/m3", "pm25")
    copied = stored(source_platform)
    assert [(o["Datastream"]["name"], o["result"]) for o in copied] == [("SSK_ZW101-pm25",) * 1 + (12.5,)] * 3 + [("SSK_ZW102-pm25", 40.0)]
    assert copied[0]["parameters"]["provenance"] == {"source": "samenmeten", "run": run["id"]}
    assert (run["itemsRead"], run["itemsStored"], run["itemsQuarantined"]) == (4, 4, 0)
    # the nextLink dropped $filter and $expand: they were put back (only selected Things came)
    assert all("codegemeente" in r for r in remote.requests if r.startswith("/v1.0/Things") and "skip" in r)


def test_a_second_run_copies_only_what_is_new(source_platform: SourcePlatform, remote: FakeSensorThings) -> None:
    remote.add(101, ["2026-12-01T10:00:00Z", "2026-12-01T10:10:00Z"])
    source_platform.add_source(source(remote))
    source_platform.run("samenmeten")
    remote.add(101, ["2026-12-01T10:20:00Z", "2026-12-01T10:30:00Z"])

    second = source_platform.run("samenmeten")

    assert second["status"] == "succeeded"
    assert second["itemsStored"] == 2  # the new ones; the one at the boundary time came again, found stored
    assert second["itemsDuplicate"] == 1
    assert second["entitiesCreated"] == 0
    assert len(stored(source_platform)) == 4
    status = source_platform.source("samenmeten")["status"]
    assert status["newestItemAt"] == "2026-12-01T10:30:00Z"
    assert status["lagSeconds"] > 0


def test_a_run_broken_off_resumes_without_gaps_or_doubles(source_platform: SourcePlatform, remote: FakeSensorThings) -> None:
    times = [f"2026-12-01T10:{m:02d}:00Z" for m in range(0, 60, 5)]  # 12 Observations: 6 pages of 2
    remote.add(101, times)
    source_platform.add_source(source(remote, retries=1))
    path = "/v1.0/Datastreams(101)/Observations"
    calls = {"n": 0}
    original = remote.observations_page

    def breaks_after_three_pages(request: Request) -> Response:
        if request.path == path:
            calls["n"] += 1
            if calls["n"] > 3:
                return Response("upstream gone", status=503)
        return original(request)

    remote.observations_page = breaks_after_three_pages  # type: ignore[method-assign]

    broken = source_platform.run("samenmeten")
    assert broken["status"] == "failed" and "HTTP 503" in broken["error"]
    assert source_platform.source("samenmeten")["status"]["failuresInARow"] == 1
    assert 0 < len(stored(source_platform)) < 12

    remote.observations_page = original  # type: ignore[method-assign]
    resumed = source_platform.run("samenmeten")

    assert resumed["status"] == "succeeded"
    copied = sorted(o["phenomenonTime"] for o in stored(source_platform) if o["Datastream"]["name"] == "SSK_ZW101-pm25")
    assert copied == times  # every one, once
    assert source_platform.source("samenmeten")["status"]["failuresInARow"] == 0


def test_refused_credentials_show_as_such(source_platform: SourcePlatform, remote: FakeSensorThings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMENMETEN_TOKEN", "wrong")
    remote.fail["/v1.0/Things"] = Response('{"error": "unauthorized"}', status=401, content_type="application/json")
    body = source(remote, auth={"type": "bearer", "token": {"env": "SAMENMETEN_TOKEN"}})

    refused = source_platform.client.post("/api/v1/sources", json=body, headers=source_platform.admin)
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["field"] == "config.auth"
    assert "refused the credentials: HTTP 401" in refused.json()["detail"]

    source_platform.add_source(body | {"test": False})
    run = source_platform.run("samenmeten")
    assert run["status"] == "failed"
    assert "refused the credentials" in source_platform.source("samenmeten")["status"]["lastError"]


def test_a_literal_secret_is_refused_and_a_reference_never_shows_its_value(source_platform: SourcePlatform, remote: FakeSensorThings, monkeypatch: pytest.MonkeyPatch) -> None:
    literal = source(remote, auth={"type": "bearer", "token": "s3cret"})
    refused = source_platform.client.post("/api/v1/sources", json=literal, headers=source_platform.admin)
    assert refused.status_code == 400 and refused.json()["field"].startswith("config.auth")

    monkeypatch.setenv("SAMENMETEN_TOKEN", "s3cret")
    made = source_platform.add_source(source(remote, auth={"type": "bearer", "token": {"env": "SAMENMETEN_TOKEN"}}))
    assert "s3cret" not in json.dumps(made)
    assert "s3cret" not in source_platform.client.get("/api/v1/sources", headers=source_platform.admin).text
    source_platform.run("samenmeten")
    assert remote.server.log[-1][0].headers["Authorization"] == "Bearer s3cret"


def test_bad_pages_and_bad_observations_are_quarantined_and_the_run_goes_on(source_platform: SourcePlatform, remote: FakeSensorThings) -> None:
    remote.add(101, ["2026-12-01T10:00:00Z"], 3.0)
    remote.observations["101"].append({"@iot.id": 1, "phenomenonTime": "yesterday", "result": 4.0})
    remote.add(102, ["2026-12-01T10:00:00Z"], 5.0)
    remote.fail["/v1.0/Datastreams(102)/Observations"] = Response("<html><body>502 Bad Gateway</body></html>", status=200, content_type="text/html")
    remote.add(201, ["2026-12-01T10:00:00Z"], 6.0)
    source_platform.add_source(source(remote))

    run = source_platform.run("samenmeten")

    assert run["status"] == "partial"
    assert run["itemsQuarantined"] == 2
    assert sorted(o["result"] for o in stored(source_platform)) == [3.0, 6.0]
    held = {h["topic"]: h for h in source_platform.held()}
    bad_time = next(h for t, h in held.items() if "Datastreams(101)" in t)
    assert "phenomenonTime" in bad_time["reason"] and '"yesterday"' in bad_time["payload"]
    html = next(h for t, h in held.items() if "Datastreams(102)" in t)
    assert "not JSON" in html["reason"] and "502 Bad Gateway" in html["payload"]
    assert source_platform.source("samenmeten")["status"]["quarantinedHeld"] == 2


def test_server_errors_are_tried_again(source_platform: SourcePlatform, remote: FakeSensorThings) -> None:
    remote.add(101, ["2026-12-01T10:00:00Z"])
    source_platform.add_source(source(remote))
    answers = iter([Response("busy", status=503), Response("busy", status=502, headers={"Retry-After": "0"})])
    original = remote.things_page
    remote.things_page = lambda request: next(answers, None) or original(request)  # type: ignore[method-assign]

    run = source_platform.run("samenmeten")

    assert run["status"] == "succeeded" and run["itemsStored"] == 1


def test_replaying_a_quarantined_item_reads_it_again(source_platform: SourcePlatform, remote: FakeSensorThings) -> None:
    remote.observations["101"].append({"@iot.id": 1, "phenomenonTime": "yesterday", "result": 4.0})
    remote.fail["/v1.0/Datastreams(102)/Observations"] = Response("<html>502</html>", status=200, content_type="text/html")
    source_platform.add_source(source(remote))
    source_platform.run("samenmeten")
    held = {("html" if "html" in h["payload"] else "observation"): h for h in source_platform.held()}

    def replay(row: dict[str, Any]) -> dict[str, Any]:
        answer = source_platform.client.patch(f"/api/v1/quarantine/{row['id']}", json={"status": "replayed"}, headers=source_platform.admin)
        assert answer.status_code == 200, answer.text
        return answer.json()

    still = replay(held["observation"])
    assert (still["outcome"], still["status"]) == ("quarantined", "held") and "phenomenonTime" in still["reason"]
    page = replay(held["html"])
    assert page["outcome"] == "quarantined" and "re-sync the source" in page["reason"]
