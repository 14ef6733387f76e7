"""The Luchtmeetnet kind against a fake Luchtmeetnet on loopback (pytest-httpserver) that answers in
the recorded shapes (`recorded/`): station documents, hourly values paged 3 at a time in the body's
`pagination`, the 7-day limit of `start`/`end`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from stadsdata.model.values import format_instant, parse_instant
from stadsdata.sources.conftest import SourcePlatform

RECORDED = Path(__file__).with_name("recorded")
PAGE = 3


class FakeLuchtmeetnet:
    """Hourly values of two stations, ending at whole hours, made by the test."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.values: dict[tuple[str, str], dict[str, Any]] = {}  # (station, formula) -> {timestamp: value}
        self.requests: list[dict[str, str]] = []
        self.broken: set[str] = set()  # formulas whose pages answer an HTML error page
        for station in ("NL49014", "NL50003"):
            server.expect_request(f"/open_api/stations/{station}").respond_with_data(
                (RECORDED / f"station_{station}.json").read_bytes(), content_type="application/json")  # fmt: skip
        server.expect_request("/open_api/stations/NL99999").respond_with_json(
            {"message": "Station not found"}, status=404
        )
        server.expect_request("/open_api/measurements").respond_with_handler(lambda r: self.page(r, r.args["formula"]))
        server.expect_request("/open_api/lki").respond_with_handler(lambda r: self.page(r, "LKI"))

    @property
    def url(self) -> str:
        return self.server.url_for("/open_api")

    def add(self, station: str, formula: str, hours: list[datetime], value: Any = 20.0) -> None:
        for hour in hours:
            self.values.setdefault((station, formula), {})[hour.strftime("%Y-%m-%dT%H:%M:%S+00:00")] = value

    def page(self, request: Request, formula: str) -> Response:
        self.requests.append(dict(request.args))
        if formula in self.broken:
            return Response("<html><body>502 Bad Gateway</body></html>", content_type="text/html")
        start, end = (
            parse_instant(request.args["start"], field="start"),
            parse_instant(request.args["end"], field="end"),
        )
        assert end - start <= timedelta(days=7), "the API refuses windows longer than 7 days"
        rows = sorted(
            ({"station_number": request.args["station_number"], "formula": formula, "value": v, "timestamp_measured": t}
             for t, v in self.values.get((request.args["station_number"], formula), {}).items()
             if start <= parse_instant(t, field="t") <= end),
            key=lambda r: r["timestamp_measured"],
        )  # fmt: skip
        number = int(request.args.get("page", 1))
        last = max(1, -(-len(rows) // PAGE))
        pagination = {"last_page": last, "first_page": 1, "prev_page": max(1, number - 1), "current_page": number,
                      "page_list": list(range(1, last + 1)), "next_page": min(last, number + 1)}  # fmt: skip
        return Response(
            json.dumps({"pagination": pagination, "data": rows[(number - 1) * PAGE : number * PAGE]}),
            content_type="application/json",
        )


@pytest.fixture
def api(httpserver: HTTPServer) -> FakeLuchtmeetnet:
    return FakeLuchtmeetnet(httpserver)


def hours(count: int, end: datetime | None = None) -> list[datetime]:
    end = (end or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    return [end - timedelta(hours=n) for n in range(count)][::-1]


def source(api: FakeLuchtmeetnet, **config: Any) -> dict[str, Any]:
    return {"name": "lml", "kind": "luchtmeetnet",
            "config": {"url": api.url, "stations": ["NL49014"], "components": ["NO2"], "rate_limit_per_s": 1000, "retry_backoff_s": 0, **config}}  # fmt: skip


def values(platform: SourcePlatform) -> list[tuple[str, str, Any]]:
    found = platform.get("/v1.1/Observations?$orderby=phenomenonTime,id&$top=1000&$expand=Datastream($select=name)")[
        "value"
    ]
    return [(o["Datastream"]["name"], o["phenomenonTime"], o["result"]) for o in found]


def test_a_station_with_its_components_and_index_and_the_hourly_values(
    source_platform: SourcePlatform, api: FakeLuchtmeetnet
) -> None:
    api.add("NL49014", "NO2", hours(7), 21.4)
    api.add("NL49014", "LKI", hours(2), 3)
    made = source_platform.add_source(source(api))
    assert made["connectionTest"] == "station NL49014 (Amsterdam-Vondelpark) measures NO, NO2, O3, PM10, PM25, FN"

    run = source_platform.run("lml")

    assert (run["status"], run["itemsStored"]) == ("succeeded", 9)
    [thing] = source_platform.get("/v1.1/Things?$expand=Locations,Datastreams($orderby=name;$expand=ObservedProperty)")[
        "value"
    ]
    assert (thing["name"], thing["properties"]["organisation"]) == ("Amsterdam-Vondelpark", "GGD Amsterdam")
    assert thing["Locations"][0]["location"] == {"type": "Point", "coordinates": [4.866208, 52.359714]}
    streams = {s["ObservedProperty"]["name"]: s for s in thing["Datastreams"]}
    assert streams["Nitrogen dioxide"]["unitOfMeasurement"]["symbol"] == "ug/m3"
    assert streams["Air quality index (LKI)"]["unitOfMeasurement"]["name"] == "Luchtkwaliteitsindex (1-11)"
    copied = values(source_platform)
    last = hours(1)[0]
    assert (
        "Nitrogen dioxide — Amsterdam-Vondelpark",
        f"{format_instant(last - timedelta(hours=1))}/{format_instant(last)}",
        21.4,
    ) in copied
    assert sum(name.startswith("Nitrogen") for name, _, _ in copied) == 7  # three pages of three


def test_a_second_run_copies_only_what_is_new(source_platform: SourcePlatform, api: FakeLuchtmeetnet) -> None:
    now = datetime.now(UTC)
    api.add("NL49014", "NO2", hours(4, now - timedelta(hours=2)))
    source_platform.add_source(source(api, lki=False))
    assert source_platform.run("lml")["itemsStored"] == 4
    api.add("NL49014", "NO2", hours(2, now))

    second = source_platform.run("lml")

    assert (second["itemsStored"], second["itemsDuplicate"]) == (
        2,
        1,
    )  # the newest hour copied comes again, found stored
    assert len(values(source_platform)) == 6
    assert second["entitiesCreated"] == 0


def test_a_long_range_is_asked_in_windows_of_seven_days(source_platform: SourcePlatform, api: FakeLuchtmeetnet) -> None:
    since = datetime.now(UTC) - timedelta(days=20)
    api.add("NL49014", "NO2", [since + timedelta(days=d, hours=1) for d in range(20)])
    source_platform.add_source(source(api, lki=False, since=format_instant(since)))

    run = source_platform.run("lml")

    assert run["itemsStored"] == 20
    windows = [(r["start"], r["end"]) for r in api.requests if r.get("page") == "1"]
    assert len(windows) == 3 and all(
        parse_instant(e, field="e") - parse_instant(s, field="s") <= timedelta(days=7) for s, e in windows
    )
    assert windows[1][0] == windows[0][1]  # no gap between windows


def test_a_bad_value_and_an_html_page_are_quarantined_and_the_run_goes_on(
    source_platform: SourcePlatform, api: FakeLuchtmeetnet
) -> None:
    api.add("NL49014", "NO2", hours(3))
    api.add("NL49014", "NO2", hours(1, datetime.now(UTC) - timedelta(hours=5)), "n/a")
    api.add("NL49014", "LKI", hours(2), 4)
    api.broken.add("PM10")
    source_platform.add_source(source(api, components=["NO2", "PM10"]))

    run = source_platform.run("lml")

    assert (run["status"], run["itemsStored"], run["itemsQuarantined"]) == ("partial", 5, 2)
    reasons = sorted(h["reason"] for h in source_platform.held())
    assert any("'n/a' is not a number" in r for r in reasons) and any("not JSON" in r for r in reasons)


def test_an_unknown_station_fails_the_connection_test(source_platform: SourcePlatform, api: FakeLuchtmeetnet) -> None:
    refused = source_platform.client.post(
        "/api/v1/sources", json=source(api, stations=["NL99999"]), headers=source_platform.admin
    )
    assert refused.status_code == 400 and refused.json()["field"] == "config"
    assert "HTTP 404" in refused.json()["detail"]
    bad = source_platform.client.post(
        "/api/v1/sources", json=source(api, stations=["Vondelpark"]), headers=source_platform.admin
    )
    assert bad.status_code == 400 and bad.json()["field"] == "config.stations.0"


def test_the_rate_limit_of_the_api_is_kept_by_default(
    source_platform: SourcePlatform, api: FakeLuchtmeetnet, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stadsdata.sources import http

    class Clock:  # the HTTP client's clock: time passes only when it sleeps, so the wait is exact under any load
        now = 1000.0

        def monotonic(self) -> float:
            return self.now

        def sleep(self, seconds: float) -> None:
            waits.append(seconds)
            self.now += seconds

    waits: list[float] = []
    monkeypatch.setattr(http, "time", Clock())
    gaps: list[float] = []
    made = http.Http.__init__
    monkeypatch.setattr(http.Http, "__init__", lambda self, **kw: (made(self, **kw), gaps.append(round(self.gap_s, 1)))[0])
    api.add("NL49014", "NO2", hours(2))
    config = source(api, lki=False)["config"]
    del config["rate_limit_per_s"]
    source_platform.add_source({"name": "lml", "kind": "luchtmeetnet", "config": config, "test": False})

    assert source_platform.run("lml")["itemsStored"] == 2
    assert gaps == [3.0]  # one request per 3 s (the kind's default): 100 per 5 minutes
    assert waits == [pytest.approx(3.0, abs=0.01)]  # the second request waited its turn: 3 s after the first


def test_stations_share_the_sensor_and_observed_property_of_a_component(
    source_platform: SourcePlatform, api: FakeLuchtmeetnet
) -> None:
    api.add("NL49014", "NO2", hours(2), 21.0)
    api.add("NL50003", "NO2", hours(2), 35.0)
    source_platform.add_source(source(api, stations=["NL49014", "NL50003"], lki=False))

    run = source_platform.run("lml")

    assert (run["status"], run["itemsStored"]) == ("succeeded", 4)
    things = source_platform.get(
        "/v1.1/Things?$orderby=name&$expand=Locations,Datastreams($expand=Sensor,ObservedProperty)"
    )["value"]
    assert [(t["name"], t["properties"]["municipality"]) for t in things] == [
        ("Amsterdam-Vondelpark", "Amsterdam"), ("Geleen-Asterstraat", "Sittard-Geleen")]  # fmt: skip
    assert things[1]["properties"]["type"] == "Industrial" and things[1]["Locations"][0]["location"]["coordinates"] == [
        5.82224,
        50.98445,
    ]
    [first], [second] = things[0]["Datastreams"], things[1]["Datastreams"]
    assert first["Sensor"]["@iot.id"] == second["Sensor"]["@iot.id"]
    assert first["ObservedProperty"]["@iot.id"] == second["ObservedProperty"]["@iot.id"]
    assert len(source_platform.get("/v1.1/Sensors")["value"]) == 1


def test_too_many_requests_waits_as_told_and_tries_again(
    source_platform: SourcePlatform, api: FakeLuchtmeetnet
) -> None:
    import time

    api.add("NL49014", "NO2", hours(3))
    source_platform.add_source(source(api, lki=False))
    answers = [Response("Too Many Requests", status=429, headers={"Retry-After": "1"})]
    original = api.page
    api.page = lambda request, formula: answers.pop() if answers else original(request, formula)  # type: ignore[method-assign]

    started = time.monotonic()
    run = source_platform.run("lml")

    assert (run["status"], run["itemsStored"]) == ("succeeded", 3)
    assert time.monotonic() - started >= 1.0


def test_a_station_that_fails_does_not_stop_the_others(source_platform: SourcePlatform, api: FakeLuchtmeetnet) -> None:
    api.add("NL49014", "NO2", hours(2))
    source_platform.add_source(source(api, stations=["NL99999", "NL49014"], lki=False) | {"test": False})

    run = source_platform.run("lml")

    assert (run["status"], run["itemsStored"]) == ("failed", 2)
    assert "not NL99999: HTTP 404" in run["error"]
    assert len(values(source_platform)) == 2


def test_the_recorded_answers_are_copied_as_they_are(source_platform: SourcePlatform, api: FakeLuchtmeetnet) -> None:
    recorded = {"NO2": "measurements_NL49014_NO2_page1.json", "LKI": "lki_NL49014.json"}
    day = parse_instant("2024-11-07T23:00:00Z", field="day")

    def answer(request: Request, formula: str) -> Response:
        api.requests.append(dict(request.args))
        start, end = (
            parse_instant(request.args["start"], field="start"),
            parse_instant(request.args["end"], field="end"),
        )
        if formula in recorded and start <= day <= end:
            return Response((RECORDED / recorded[formula]).read_bytes(), content_type="application/json")
        empty = {"last_page": 1, "first_page": 1, "prev_page": 1, "current_page": 1, "page_list": [1], "next_page": 1}
        return Response(json.dumps({"pagination": empty, "data": []}), content_type="application/json")

    api.page = answer  # type: ignore[method-assign]
    source_platform.add_source(source(api, since="2024-11-06T00:00:00Z"))

    run = source_platform.run("lml")

    assert (run["status"], run["itemsStored"], run["itemsQuarantined"]) == ("succeeded", 5, 0)
    copied = values(source_platform)
    assert ("Nitrogen dioxide — Amsterdam-Vondelpark", "2024-11-07T20:00:00Z/2024-11-07T21:00:00Z", 0.0) in copied
    assert ("Air quality index (LKI) — Amsterdam-Vondelpark", "2024-11-07T22:00:00Z/2024-11-07T23:00:00Z", 3) in copied
    assert source_platform.source("lml")["status"]["newestItemAt"] == "2024-11-07T23:00:00Z"


def test_a_run_broken_off_inside_a_window_resumes_without_gaps_or_doubles(
    source_platform: SourcePlatform, api: FakeLuchtmeetnet
) -> None:
    api.add("NL49014", "NO2", hours(7))  # pages of 3: 3 + 3 + 1
    source_platform.add_source(source(api, lki=False, retries=0))
    original = api.page
    api.page = lambda request, formula: (
        Response("busy", status=503) if request.args["page"] == "2" else original(request, formula)
    )  # type: ignore[method-assign]

    broken = source_platform.run("lml")

    assert (broken["status"], broken["itemsStored"]) == ("failed", 3) and "HTTP 503" in broken["error"]
    api.page = original  # type: ignore[method-assign]
    resumed = source_platform.run("lml")

    assert (resumed["status"], resumed["itemsStored"], resumed["itemsDuplicate"]) == (
        "succeeded",
        4,
        3,
    )  # the window read again
    assert len(values(source_platform)) == 7
