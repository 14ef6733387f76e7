"""The ready mappings (`presets/`) against their recorded payloads (`recorded/`) served on
loopback: SPDP v2 parking data (index → each facility's static and dynamic documents) and NDW's
charge points as OCPI Locations (the gzip bulk file, and a paged OCPI endpoint)."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from stadsdata.sources.conftest import SourcePlatform

RECORDED = Path(__file__).with_name("recorded")
SPDP = "https://npropendata.rdw.nl"
BEEKSTRAAT, PR_LAAN, QPARK, CARPOOL = (
    "cea4cffe-158c-4b08-b940-5d5eefeba089", "d713179a-5257-46e3-a989-705291add0c1",
    "0b6a7a52-5b1c-4a7e-9f0e-3c2d1e4f5a6b", "33ac0b4d-9a9d-4c39-85df-13293292f04b",
)  # fmt: skip


def recorded(name: str) -> Any:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


def as_json(body: Any, status: int = 200, **headers: str) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json", headers=headers)


def observations(platform: SourcePlatform) -> list[tuple[str, Any, str]]:
    found = platform.get("/v1.1/Observations?$top=1000&$orderby=id&$expand=Datastream($select=name)")["value"]
    return [(o["Datastream"]["name"], o["result"], o["phenomenonTime"]) for o in found]


# -- SPDP v2 ---------------------------------------------------------------------------------------------
class FakeSpdp:
    """npropendata.rdw.nl's parkingdata v2 on loopback: the recorded index (its URLs pointing
    here), static and dynamic documents; what is not recorded answers 404, as real ones often do."""

    def __init__(self, server: HTTPServer, index: dict[str, Any] | None = None) -> None:
        self.server = server
        self.index = index or recorded("spdp_index.json")
        self.documents: dict[str, Any] = {
            f"/parkingdata/v2/static/{BEEKSTRAAT}": recorded("spdp_static_cea4cffe.json"),
            f"/parkingdata/v2/dynamic/{BEEKSTRAAT}": recorded("spdp_dynamic_cea4cffe.json"),
            f"/parkingdata/v2/dynamic/{PR_LAAN}": recorded("spdp_dynamic_full_string_lastupdated.json"),
            f"/parkingdata/v2/static/{CARPOOL}": recorded("spdp_static_area_no_accesspoints.json"),
        }
        self.asked: list[str] = []
        server.expect_request("/parkingdata/v2").respond_with_handler(self.answer)
        for kind in ("static", "dynamic"):
            for facility in (BEEKSTRAAT, PR_LAAN, QPARK, CARPOOL):
                server.expect_request(f"/parkingdata/v2/{kind}/{facility}").respond_with_handler(self.answer)

    @property
    def url(self) -> str:
        return self.server.url_for("/parkingdata/v2")

    def answer(self, request: Request) -> Response:
        self.asked.append(request.path)
        if request.path == "/parkingdata/v2":
            return Response(
                json.dumps(self.index).replace(SPDP, self.server.url_for("").rstrip("/")),
                content_type="application/json",
            )
        if request.path in self.documents:
            return as_json(self.documents[request.path])
        return as_json({"message": "Not Found"}, status=404)


def test_spdp_v2_facilities_with_their_static_and_dynamic_data(
    source_platform: SourcePlatform, httpserver: HTTPServer
) -> None:
    spdp = FakeSpdp(httpserver)
    made = source_platform.add_source(
        {"name": "parking", "kind": "web-api", "config": {"preset": "spdp-v2", "url": spdp.url, "retries": 0}}
    )
    assert (
        made["connectionTest"]
        == "4 records on the first page, 2 selected by where; the first one is Thing 'APELDOORN-Beekstraat' with 3 readings"
    )

    run = source_platform.run("parking")

    # P+R Laan's static data answers 404: that facility is quarantined, the others go on
    assert run["status"] == "partial"
    assert (run["itemsStored"], run["itemsQuarantined"]) == (3, 1)
    things = source_platform.get("/v1.1/Things?$expand=Locations,Datastreams($orderby=name;$expand=ObservedProperty)")[
        "value"
    ]
    assert [t["name"] for t in things] == ["APELDOORN-Beekstraat"]
    beekstraat = things[0]
    assert beekstraat["Locations"][0]["location"] == {"type": "Point", "coordinates": [5.9621846, 52.2133831]}
    assert {k: beekstraat["properties"][k] for k in ("capacity", "usage", "operator", "spdpIdentifier")} == {
        "capacity": 110, "usage": "Garage parkeren", "operator": "Q-Park Nederland BV", "spdpIdentifier": BEEKSTRAAT}  # fmt: skip
    streams = {s["name"]: s for s in beekstraat["Datastreams"]}
    assert streams["APELDOORN-Beekstraat / vacantSpaces"]["observationType"].endswith("OM_CountObservation")
    assert streams["APELDOORN-Beekstraat / full"]["observationType"].endswith("OM_TruthObservation")
    assert sorted(observations(source_platform)) == [
        ("APELDOORN-Beekstraat / capacity", 110, "2026-01-19T14:06:38Z"),
        ("APELDOORN-Beekstraat / full", False, "2026-01-19T14:06:38Z"),
        ("APELDOORN-Beekstraat / vacantSpaces", 55, "2026-01-19T14:06:38Z"),
    ]
    held = source_platform.held()[0]
    assert "follow.0" in held["reason"] and "HTTP 404" in held["reason"] and PR_LAAN in held["payload"]
    # limited access and no dynamic data: not asked for at all
    assert not [p for p in spdp.asked if QPARK in p or CARPOOL in p]


def test_spdp_v2_an_area_facility_and_lastupdated_as_text_and_a_second_run(
    source_platform: SourcePlatform, httpserver: HTTPServer
) -> None:
    index = recorded("spdp_index.json")
    carpool = next(f for f in index["ParkingFacilities"] if f["identifier"] == CARPOOL)
    carpool["dynamicDataUrl"] = f"{SPDP}/parkingdata/v2/dynamic/{CARPOOL}"
    spdp = FakeSpdp(httpserver, index)
    # lastUpdated "1768831598"
    spdp.documents[f"/parkingdata/v2/dynamic/{CARPOOL}"] = recorded("spdp_dynamic_full_string_lastupdated.json")
    config = {
        "preset": "spdp-v2",
        "url": spdp.url,
        "where": [{"path": "name", "matches": "Hoenderloo"}, {"path": "dynamicDataUrl", "exists": True}],
    }
    source_platform.add_source({"name": "carpool", "kind": "web-api", "config": config})

    first = source_platform.run("carpool")
    second = source_platform.run("carpool")

    assert first["status"] == "succeeded" and first["itemsStored"] == 3
    thing = source_platform.get("/v1.1/Things?$expand=Locations")["value"][0]
    assert thing["name"] == "Carpoolplaats Hoenderloo (A50)"
    assert thing["Locations"][0]["location"]["type"] == "Polygon"  # no locationForDisplay, no access points: the area
    assert ("Carpoolplaats Hoenderloo (A50) / vacantSpaces", 0, "2026-01-19T14:06:38Z") in observations(source_platform)
    assert ("Carpoolplaats Hoenderloo (A50) / full", True, "2026-01-19T14:06:38Z") in observations(source_platform)
    # the same lastUpdated: nothing new
    assert (second["itemsStored"], second["itemsDuplicate"], second["entitiesCreated"]) == (0, 3, 0)


# -- NDW charge points (OCPI Locations) -----------------------------------------------------------------------
EVSE_STATUSES = [
    ("NL505E1234792747*1 status", "AVAILABLE", "2026-09-02T13:22:36Z"),
    ("NL505E1234766622*1 status", "UNKNOWN", "2026-09-02T16:05:54Z"),
    ("NL505E1234792938*1 status", "CHARGING", "2026-09-02T14:03:30Z"),
    ("NLQWCE3CW4711 status", "CHARGING", "2026-09-02T15:40:12Z"),
    ("NLQWCE3CW4712 status", "AVAILABLE", "2026-09-02T15:58:47Z"),
]


def test_ndw_charge_points_from_the_gzip_bulk_file(source_platform: SourcePlatform, httpserver: HTTPServer) -> None:
    packed = gzip.compress((RECORDED / "ndw_charging_point_locations_ocpi.json").read_bytes())
    httpserver.expect_request("/charging_point_locations_ocpi.json.gz").respond_with_data(
        packed, content_type="application/octet-stream"
    )
    config = {"preset": "ndw-ocpi-evse-status", "url": httpserver.url_for("/charging_point_locations_ocpi.json.gz")}
    made = source_platform.add_source({"name": "charging", "kind": "web-api", "config": config})
    assert (
        made["connectionTest"]
        == "2 records on the first page, 2 selected by where; the first one is Thing 'Akkermaalsbos 2' with 3 readings"
    )

    run = source_platform.run("charging")

    assert run["status"] == "succeeded" and (run["itemsRead"], run["itemsStored"]) == (2, 5)
    things = source_platform.get("/v1.1/Things?$orderby=name&$expand=Locations,Datastreams")["value"]
    assert [t["name"] for t in things] == ["Akkermaalsbos 2", "Bornsesteeg 4"]  # a Location without a name: its address
    assert things[0]["Locations"][0]["location"]["coordinates"] == [5.660022, 51.982319]  # OCPI's coordinates are text
    assert things[0]["properties"]["operator"] == "50five" and things[1]["properties"]["city"] == "Wageningen"
    assert {s["observationType"] for t in things for s in t["Datastreams"]} == {
        "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CategoryObservation"
    }
    found = sorted(observations(source_platform))
    assert found == sorted(
        (f"{'Akkermaalsbos 2' if n.startswith('NL505') else 'Bornsesteeg 4'} / {n}", s, t) for n, s, t in EVSE_STATUSES
    )


def test_ndw_charge_points_from_a_paged_ocpi_endpoint(source_platform: SourcePlatform, httpserver: HTTPServer) -> None:
    locations = recorded("ndw_charging_point_locations_ocpi.json")

    def page(request: Request) -> Response:
        offset = int(request.args.get("offset", 0))
        headers = {"X-Total-Count": str(len(locations))}
        if offset + 1 < len(locations):
            headers["Link"] = f'<{httpserver.url_for("/ocpi/2.2.1/locations")}?offset={offset + 1}&limit=1>; rel="next"'
        return as_json(
            {"data": locations[offset : offset + 1], "status_code": 1000, "timestamp": "2026-09-02T16:10:00Z"},
            **headers,
        )

    httpserver.expect_request("/ocpi/2.2.1/locations").respond_with_handler(page)
    config = {"preset": "ndw-ocpi-evse-status", "url": httpserver.url_for("/ocpi/2.2.1/locations")}
    source_platform.add_source({"name": "charging", "kind": "web-api", "config": config})

    first = source_platform.run("charging")
    changed = copy.deepcopy(locations)
    evse = changed[0]["evses"][1]
    evse["status"], evse["last_updated"] = "AVAILABLE", "2026-09-02T16:20:00Z"
    locations[:] = changed
    second = source_platform.run("charging")

    assert first["status"] == "succeeded" and first["itemsStored"] == 5
    assert (second["itemsStored"], second["itemsDuplicate"]) == (1, 4)
    assert ("Akkermaalsbos 2 / NL505E1234766622*1 status", "AVAILABLE", "2026-09-02T16:20:00Z") in observations(
        source_platform
    )
