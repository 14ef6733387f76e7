"""The CBS kind against a fake CBS OData v4 API on loopback (pytest-httpserver) that answers in
the recorded shapes (`recorded/`): MeasureCodes as recorded, region codes and Observation rows
in the recorded shapes, a `$filter` of the forms the connector sends, pages of 4 rows whose
`@odata.nextLink` carries only `$skip` (as the recorded one) — and a fake OGC API Features
collection of the buurten's polygons."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from stadsdata.sources.conftest import SourcePlatform

RECORDED = Path(__file__).with_name("recorded")
PAGE = 4
TABLE = "/CBS/86165NED"
REGIONS = {
    "GM0193": "Zwolle",
    "WK019300": "Wijk 00 Binnenstad",
    "BU01930000": "Binnenstad-Centrum",
    "BU01930001": "Binnenstad-Noord",
    "GM0363": "Amsterdam",
    "BU03630000": "Kop Zeedijk",
}
POINT = [6.0944, 52.5125]


def matches(flt: str, column: str, row: dict[str, Any]) -> bool:
    """The filters the connector sends: (a or b …) [and (c or d …)] of `X eq 'v'` and `startswith(X,'v')`."""
    for group in re.findall(r"\(([^()]*(?:\([^()]*\)[^()]*)*)\)", flt):
        terms = [t.strip() for t in group.split(" or ")]
        if not any(_term(t, row) for t in terms):
            return False
    return True


def _term(term: str, row: dict[str, Any]) -> bool:
    if m := re.fullmatch(r"(\w+) eq '(.*)'", term):
        return str(row.get(m[1])) == m[2]
    if m := re.fullmatch(r"startswith\((\w+),'(.*)'\)", term):
        return str(row.get(m[1])).startswith(m[2])
    raise AssertionError(f"a filter term the fake does not know: {term}")


class FakeCbs:
    """Table 86165NED: three measures for the regions above; a test may change rows or break pages."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.rows: list[dict[str, Any]] = []
        for code in REGIONS:
            self.rows += [
                {
                    "Measure": "T001036",
                    "ValueAttribute": "None",
                    "Value": 1000.0 + len(self.rows),
                    "StringValue": None,
                    "WijkenEnBuurten": code,
                },
                {
                    "Measure": "1050010_2",
                    "ValueAttribute": "None",
                    "Value": 400.0,
                    "StringValue": None,
                    "WijkenEnBuurten": code,
                },
                {
                    "Measure": "A018943_2",
                    "ValueAttribute": "None",
                    "Value": 300.0,
                    "StringValue": None,
                    "WijkenEnBuurten": code,
                },
            ]
        self.rows[11] |= {"Value": None, "ValueAttribute": "."}  # BU01930001's cars: not available
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.fail: dict[str, list[Response]] = {}  # path -> answers to give first, one a request
        self.features: list[dict[str, Any]] = []
        server.expect_request(f"{TABLE}/MeasureCodes").respond_with_handler(
            lambda r: self.answer(r, self.measure_codes)
        )
        server.expect_request(f"{TABLE}/WijkenEnBuurtenCodes").respond_with_handler(
            lambda r: self.answer(r, self.codes)
        )
        server.expect_request(f"{TABLE}/Observations").respond_with_handler(lambda r: self.answer(r, self.observations))
        server.expect_request("/CBS/99999NED/WijkenEnBuurtenCodes").respond_with_json(
            {"error": {"message": "not found"}}, status=404
        )
        server.expect_request("/ogc/collections/buurten/items").respond_with_handler(
            lambda r: self.answer(r, self.items)
        )

    @property
    def url(self) -> str:
        return self.server.url_for("/CBS")

    def answer(self, request: Request, make: Any) -> Response:
        self.requests.append((request.path, dict(request.args)))
        waiting = self.fail.get(request.path)
        if waiting:
            return waiting.pop(0)
        return make(request)

    def measure_codes(self, request: Request) -> Response:
        return Response((RECORDED / "v4_measurecodes.json").read_bytes(), content_type="application/json")

    def codes(self, request: Request) -> Response:
        found = [
            {"Identifier": c, "Title": t}
            for c, t in REGIONS.items()
            if matches(request.args.get("$filter", ""), "Identifier", {"Identifier": c})
        ]
        top = int(request.args.get("$top", 10000))
        return Response(
            json.dumps({"@odata.context": "…#WijkenEnBuurtenCodes", "value": found[:top]}),
            content_type="application/json",
        )

    def observations(self, request: Request) -> Response:
        rows = [r for r in self.rows if matches(request.args.get("$filter", ""), "", r)]
        skip = int(request.args.get("$skip", 0))
        body: dict[str, Any] = {
            "@odata.context": "…#Observations",
            "value": [{"Id": i, **r} for i, r in enumerate(rows)][skip : skip + PAGE],
        }
        if skip + PAGE < len(rows):  # as recorded: the nextLink carries $skip only
            body["@odata.nextLink"] = (
                self.server.url_for(f"{TABLE}/Observations") + "?" + urlencode({"$skip": skip + PAGE})
            )
        return Response(json.dumps(body), content_type="application/json")

    def items(self, request: Request) -> Response:
        assert request.args.get("f") == "json" and request.args.get("gemeentecode") == "GM0193"
        start = int(request.args.get("offset", 0))
        body: dict[str, Any] = {"type": "FeatureCollection", "features": self.features[start : start + 1], "links": []}
        if start + 1 < len(self.features):
            body["links"].append({"rel": "next", "type": "application/geo+json",
                                  "href": self.server.url_for("/ogc/collections/buurten/items") + f"?gemeentecode=GM0193&f=json&offset={start + 1}"})  # fmt: skip
        return Response(json.dumps(body), content_type="application/geo+json")


@pytest.fixture
def cbs(httpserver: HTTPServer) -> FakeCbs:
    return FakeCbs(httpserver)


def source(cbs: FakeCbs, **config: Any) -> dict[str, Any]:
    base = {"url": cbs.url, "table": "86165NED", "municipality": "GM0193", "point": POINT, "retry_backoff_s": 0}
    return {"name": "kwb", "kind": "cbs", "config": base | config}


def features(platform: SourcePlatform) -> dict[str, dict[str, Any]]:
    found = platform.get("/v1.1/FeaturesOfInterest?$top=100")["value"]
    return {f["properties"]["regionCode"]: f for f in found}


def test_the_regions_of_a_municipality_become_features_of_interest_with_their_key_figures(
    source_platform: SourcePlatform, cbs: FakeCbs
) -> None:
    made = source_platform.add_source(source(cbs))
    assert made["connectionTest"] == "table 86165NED answers; GM0193 is Zwolle"

    run = source_platform.run("kwb")

    assert (run["status"], run["itemsRead"], run["itemsStored"], run["entitiesCreated"]) == ("succeeded", 4, 4, 4)
    found = features(source_platform)
    assert sorted(found) == ["BU01930000", "BU01930001", "GM0193", "WK019300"]  # Amsterdam's not
    buurt = found["BU01930001"]
    assert (buurt["name"], buurt["encodingType"], buurt["feature"]) == (
        "Binnenstad-Noord",
        "application/geo+json",
        {"type": "Point", "coordinates": POINT},
    )
    figures = buurt["properties"]["keyFigures"]
    assert figures["T001036"] == {"title": "Aantal inwoners", "unit": "aantal", "value": 1009.0}
    assert figures["A018943_2"] == {
        "title": "Personenauto's totaal",
        "unit": "aantal",
        "value": None,
        "valueAttribute": ".",
    }
    assert buurt["properties"]["regionLevel"] == "buurt" and buurt["properties"]["municipalityCode"] == "GM0193"
    assert buurt["properties"]["cbsTable"] == "86165NED"
    assert "CBS gives no geometry" in buurt["properties"]["geometry"]
    assert buurt["properties"]["provenance"] == {"source": "kwb", "run": run["id"]}
    # context, not sensors
    assert (
        source_platform.get("/v1.1/Things")["value"] == [] and source_platform.get("/v1.1/Observations")["value"] == []
    )
    # 12 rows in pages of 4, the $filter put back into each nextLink
    pages = [args for path, args in cbs.requests if path.endswith("/Observations")]
    assert [p.get("$skip") for p in pages] == [None, "4", "8"]
    assert all("startswith(WijkenEnBuurten,'BU0193')" in p["$filter"] for p in pages)


def test_only_the_chosen_measures_and_levels_are_kept(source_platform: SourcePlatform, cbs: FakeCbs) -> None:
    source_platform.add_source(source(cbs, measures=["T001036"], levels=["BU"]))

    run = source_platform.run("kwb")

    assert run["status"] == "succeeded"
    found = features(source_platform)
    assert sorted(found) == ["BU01930000", "BU01930001"]
    assert list(found["BU01930000"]["properties"]["keyFigures"]) == ["T001036"]
    [(_, args)] = [r for r in cbs.requests if r[0].endswith("/Observations")]
    assert args["$filter"] == "(startswith(WijkenEnBuurten,'BU0193')) and (Measure eq 'T001036')"


def test_listed_regions_instead_of_a_municipality(source_platform: SourcePlatform, cbs: FakeCbs) -> None:
    body = source(cbs, regions=["BU03630000", "GM0363"])
    del body["config"]["municipality"]
    assert source_platform.add_source(body)["connectionTest"] == "table 86165NED answers; GM0363 is Amsterdam"

    source_platform.run("kwb")

    assert sorted(features(source_platform)) == ["BU03630000", "GM0363"]


def test_a_second_run_changes_only_what_changed(source_platform: SourcePlatform, cbs: FakeCbs) -> None:
    source_platform.add_source(source(cbs))
    source_platform.run("kwb")
    before = features(source_platform)

    same = source_platform.run("kwb")
    cbs.rows[3]["Value"] = 2024.0  # WK019300's inhabitants revised
    revised = source_platform.run("kwb")

    assert (same["status"], same["entitiesCreated"], revised["entitiesCreated"]) == ("succeeded", 0, 0)
    after = features(source_platform)
    assert {c: f["@iot.id"] for c, f in after.items()} == {c: f["@iot.id"] for c, f in before.items()}
    assert after["WK019300"]["properties"]["keyFigures"]["T001036"]["value"] == 2024.0
    assert after["WK019300"]["properties"]["provenance"]["run"] == revised["id"]
    assert (
        after["GM0193"]["properties"]["provenance"]["run"] == before["GM0193"]["properties"]["provenance"]["run"]
    )  # untouched


def test_the_buurten_get_their_polygons_from_a_features_collection(
    source_platform: SourcePlatform, cbs: FakeCbs
) -> None:
    square = {
        "type": "Polygon",
        "coordinates": [[[6.09, 52.51], [6.10, 52.51], [6.10, 52.52], [6.09, 52.52], [6.09, 52.51]]],
    }
    cbs.features = [
        {
            "type": "Feature",
            "id": "buurten.1",
            "geometry": square,
            "properties": {"buurtcode": "BU01930000", "buurtnaam": "Binnenstad-Centrum"},
        },
        {"type": "Feature", "id": "buurten.2", "geometry": None, "properties": {"buurtcode": "BU01930001"}},
    ]
    collection = cbs.server.url_for("/ogc/collections/buurten/items") + "?gemeentecode=GM0193"
    source_platform.add_source(source(cbs, geometries=[{"url": collection, "code_property": "buurtcode"}]))

    run = source_platform.run("kwb")

    found = features(source_platform)
    assert found["BU01930000"]["feature"] == square and found["BU01930000"]["properties"]["geometry"] == "region"
    assert found["BU01930001"]["feature"]["type"] == "Point"  # its feature had no geometry (quarantined): the point
    assert found["GM0193"]["feature"]["type"] == "Point"
    assert run["status"] == "partial" and run["itemsQuarantined"] == 1
    assert "without a GeoJSON geometry" in source_platform.held()[0]["reason"]
    assert len([p for p, _ in cbs.requests if p.startswith("/ogc/")]) == 2  # two pages, by the 'next' link


def test_a_region_without_any_geometry_is_quarantined(source_platform: SourcePlatform, cbs: FakeCbs) -> None:
    cbs.features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [6.1, 52.5]},
            "properties": {"buurtcode": "BU01930000"},
        }
    ]
    collection = cbs.server.url_for("/ogc/collections/buurten/items") + "?gemeentecode=GM0193"
    body = source(cbs, geometries=[{"url": collection, "code_property": "buurtcode"}], levels=["BU"])
    del body["config"]["point"]
    source_platform.add_source(body)

    run = source_platform.run("kwb")

    assert (run["status"], run["itemsStored"], run["itemsQuarantined"]) == ("partial", 1, 1)
    assert sorted(features(source_platform)) == ["BU01930000"]
    held = source_platform.held()[0]
    assert "BU01930001 has no polygon" in held["reason"] and '"keyFigures"' in held["payload"]


def test_a_bad_row_is_quarantined_and_a_bad_page_keeps_the_last_figures(
    source_platform: SourcePlatform, cbs: FakeCbs
) -> None:
    cbs.rows[3]["Value"] = "n/a"  # WK019300's inhabitants
    source_platform.add_source(source(cbs))

    first = source_platform.run("kwb")

    assert (first["status"], first["itemsQuarantined"]) == ("partial", 1)
    assert "Value 'n/a' is not a number" in source_platform.held()[0]["reason"]
    assert "T001036" not in features(source_platform)["WK019300"]["properties"]["keyFigures"]

    cbs.rows[0]["Value"] = 5.0
    cbs.fail[f"{TABLE}/Observations"] = [
        Response("<html><body>502 Bad Gateway</body></html>", status=200, content_type="text/html")
    ]
    second = source_platform.run("kwb")

    assert (second["status"], second["itemsQuarantined"], second["itemsStored"]) == ("partial", 1, 0)
    html = source_platform.held()[0]
    assert "not JSON" in html["reason"] and "502 Bad Gateway" in html["payload"]
    assert (
        features(source_platform)["GM0193"]["properties"]["keyFigures"]["T001036"]["value"] == 1000.0
    )  # the last whole read's


def test_too_many_requests_waits_as_told_and_tries_again(source_platform: SourcePlatform, cbs: FakeCbs) -> None:
    cbs.fail[f"{TABLE}/MeasureCodes"] = [Response("slow down", status=429, headers={"Retry-After": "1"})]
    source_platform.add_source(source(cbs))

    started = time.monotonic()
    run = source_platform.run("kwb")

    assert run["status"] == "succeeded" and run["itemsStored"] == 4
    assert time.monotonic() - started >= 1.0
    assert [p for p, _ in cbs.requests].count(f"{TABLE}/MeasureCodes") == 2


def test_a_failing_connection_test_refuses_the_source(source_platform: SourcePlatform, cbs: FakeCbs) -> None:
    refused = source_platform.client.post(
        "/api/v1/sources", json=source(cbs, table="99999NED"), headers=source_platform.admin
    )
    assert refused.status_code == 400 and refused.json()["field"] == "config"
    assert "HTTP 404" in refused.json()["detail"]
    nothing = source_platform.client.post(
        "/api/v1/sources", json=source(cbs, municipality="GM9999"), headers=source_platform.admin
    )
    assert nothing.status_code == 400 and "none of the selected regions" in nothing.json()["detail"]
    unplaced = source(cbs)
    del unplaced["config"]["point"]
    no_geometry = source_platform.client.post("/api/v1/sources", json=unplaced, headers=source_platform.admin)
    assert no_geometry.status_code == 400 and no_geometry.json()["field"].startswith("config")
