"""The sensor register on both backends (`stadsdata/catalog/register/`, `/api/v1/register`):
registering, changing and removing devices, the checks of an entry (400 naming the field), the
municipality's review, who is shown what — a submitted, rejected or non-public entry only to who
acts for its owner and to administrators, a resident named to no one else, a linked Datastream
only to who may read it — and the GeoJSON, CSV and SensRNet outputs.

The city is that of the access tests (tests/integration/access/test_dataset_access.py): public
air data of the municipality, a garage company's restricted parking data granted to a waste
company, the municipality's non-public energy data, a resident's non-public home sensors."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.integration.access.test_dataset_access import city  # noqa: F401 - a fixture
from tests.integration.sta.conftest import assert_problem

PATH = "/api/v1/register/devices"
PARKING = {
    "name": "Parkeersensoren Garage", "type": "parking", "themes": ["TRAN"], "purpose": "Vrije plaatsen tonen op de verwijsborden",
    "personalData": False, "isOpenData": True, "geometry": {"type": "Point", "coordinates": [6.09, 52.51]},
    "contact": {"name": "Servicedesk", "email": "info@garage.example", "phone": "+31 38 000 0000"},
    "activeFrom": "2026-01-01", "activeUntil": "2030-12-31",
    "sensors": [{"name": "Lus-detector", "type": "inductive loop", "observes": ["vrije plaatsen"], "datastreamIds": []}],
}  # fmt: skip
CAMERA = {
    "name": "Telcamera Markt", "type": "camera", "themes": ["REGI", "TRAN"], "purpose": "Drukte op de markt tellen",
    "personalData": True, "legalGround": "AVG art. 6 lid 1 sub e: taak van algemeen belang",
    "legalGroundUrl": "https://wetten.overheid.nl/BWBR0040940", "privacyStatementUrl": "https://veenhaven.example/privacy/telcamera",
    "geometry": {"type": "Polygon", "coordinates": [[[6.08, 52.50], [6.10, 52.50], [6.10, 52.52], [6.08, 52.52], [6.08, 52.50]]]},
    "sensors": [{"name": "Camera", "observes": ["aantal voetgangers"]}],
}  # fmt: skip


def streams(client: Any, headers: dict[str, dict[str, str]]) -> dict[str, int]:
    return {d["name"]: d["@iot.id"] for d in client.get("/v1.1/Datastreams", headers=headers["admin"]).json()["value"]}


def parties(client: Any, headers: dict[str, dict[str, str]]) -> dict[str, int]:
    return {p["name"]: p["id"] for p in client.get("/api/v1/parties?limit=100", headers=headers["admin"]).json()["_embedded"]["parties"]}


def register(client: Any, headers: dict[str, str], document: dict[str, Any]) -> dict[str, Any]:
    response = client.post(PATH, json=document, headers=headers)
    assert response.status_code == 201, response.text
    assert response.headers["location"].endswith(f"{PATH}/{response.json()['id']}")
    return response.json()


def listed(client: Any, headers: dict[str, str], query: str = "") -> dict[str, dict[str, Any]]:
    response = client.get(f"{PATH}?limit=1000{query}", headers=headers)
    assert response.status_code == 200, response.text
    return {d["name"]: d for d in response.json()["_embedded"]["devices"]}


def review(client: Any, headers: dict[str, str], device: int, decision: str, note: str | None = None) -> dict[str, Any]:
    response = client.post(f"{PATH}/{device}/review", json={"decision": decision, "note": note}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_an_owner_registers_the_municipality_reviews_and_everyone_sees_it(city: Any) -> None:  # noqa: F811
    client, headers = city
    garage, admin, anonymous = headers["garagebedrijf"], headers["admin"], headers["anonymous"]
    vacant = streams(client, headers)["vacant"]
    document = PARKING | {"sensors": [PARKING["sensors"][0] | {"datastreamIds": [vacant]}]}
    entry = register(client, garage, document)
    assert entry["status"] == "submitted" and entry["owner"]["name"] == "garagebedrijf" and entry["managed"] is True
    assert entry["type"] == {"code": "parking", "nl": "Parkeersensor", "en": "Parking sensor"} and entry["category"] == "Sensor"
    assert entry["sensors"][0]["datastreams"][0]["id"] == vacant and entry["bbox"] == [6.09, 52.51, 6.09, 52.51]
    assert entry["createdBy"].startswith("key:") and entry["review"] == {"note": None, "by": None, "at": None}
    # Submitted: shown to its owner and the administrators only.
    assert client.get(f"{PATH}/{entry['id']}", headers=anonymous).status_code == 404
    assert "Parkeersensoren Garage" not in listed(client, anonymous)
    assert "Parkeersensoren Garage" in listed(client, admin)
    approved = review(client, admin, entry["id"], "approve", "in orde")
    assert approved["status"] == "approved" and approved["review"]["note"] == "in orde"
    shown = client.get(f"{PATH}/{entry['id']}", headers=anonymous).json()
    assert shown["status"] == "approved" and shown["review"] is None and shown["createdBy"] is None and shown["managed"] is False
    assert shown["contact"]["email"] == "info@garage.example" and shown["activeUntil"] == "2030-12-31"
    # An anonymous caller may not read the restricted parking stream: the entry lists no Datastream.
    assert shown["sensors"][0]["datastreams"] == [] and f"Datastreams({vacant})" not in client.get(f"{PATH}/{entry['id']}").text
    granted = client.get(f"{PATH}/{entry['id']}", headers=headers["afvalbedrijf"]).json()  # the waste company has a grant
    assert [d["name"] for d in granted["sensors"][0]["datastreams"]] == ["vacant"]
    # A change that is not material keeps the approval; a material one sends it back for review.
    response = client.patch(f"{PATH}/{entry['id']}", json={"contact": {"name": "Balie", "email": "balie@garage.example"}}, headers=garage)
    assert response.status_code == 200 and response.json()["status"] == "approved", response.text
    response = client.patch(f"{PATH}/{entry['id']}", json={"purpose": "Ook: tarieven bepalen"}, headers=garage)
    assert response.json()["status"] == "submitted" and response.json()["review"]["note"] is None
    assert client.get(f"{PATH}/{entry['id']}", headers=anonymous).status_code == 404
    review(client, admin, entry["id"], "approve")
    # An administrator's change keeps the status.
    response = client.patch(f"{PATH}/{entry['id']}", json={"themes": ["TRAN", "REGI"]}, headers=admin)
    assert response.json()["status"] == "approved"
    # The owner removes it.
    assert client.delete(f"{PATH}/{entry['id']}", headers=garage).status_code == 204
    assert client.get(f"{PATH}/{entry['id']}", headers=admin).status_code == 404


def test_a_rejection_says_why_and_a_fixed_entry_is_reviewed_again(city: Any) -> None:  # noqa: F811
    client, headers = city
    garage, admin = headers["garagebedrijf"], headers["admin"]
    entry = register(client, garage, CAMERA)
    assert_problem(client.post(f"{PATH}/{entry['id']}/review", json={"decision": "reject"}, headers=admin), 400, "note")
    assert_problem(client.post(f"{PATH}/{entry['id']}/review", json={"decision": "approve"}, headers=garage), 403)
    assert_problem(client.post(f"{PATH}/{entry['id']}/review", json={"decision": "maybe"}, headers=admin), 400, "decision")
    rejected = review(client, admin, entry["id"], "reject", "De bewaartermijn ontbreekt in de privacyverklaring")
    assert rejected["status"] == "rejected"
    mine = client.get(f"{PATH}/{entry['id']}", headers=garage).json()
    assert mine["status"] == "rejected" and mine["review"]["note"].startswith("De bewaartermijn") and mine["review"]["by"].startswith("key:")
    assert client.get(f"{PATH}/{entry['id']}", headers=headers["buurman"]).status_code == 404
    fixed = client.patch(f"{PATH}/{entry['id']}", json={"privacyStatementUrl": "https://veenhaven.example/privacy/v2"}, headers=garage)
    assert fixed.json()["status"] == "submitted"
    assert review(client, admin, entry["id"], "approve")["status"] == "approved"
    assert "Telcamera Markt" in listed(client, headers["anonymous"])


BAD = [
    ({"geometry": {"type": "Point", "coordinates": [200, 52.5]}}, "geometry.coordinates"),
    ({"geometry": {"type": "Point", "coordinates": [6.1, 95]}}, "geometry.coordinates"),
    ({"geometry": {"type": "Point", "coordinates": ["6.1", 52.5]}}, "geometry.coordinates"),
    ({"geometry": {"type": "Polygon", "coordinates": [[[6.0, 52.0], [6.1, 52.0], [6.1, 52.1]]]}}, "geometry.coordinates"),
    ({"geometry": {"type": "Polygon", "coordinates": [[[6.0, 52.0], [6.1, 52.1], [6.1, 52.0], [6.0, 52.1], [6.0, 52.0]]]}},
     "geometry.coordinates"),  # a bow tie: crosses itself
    ({"geometry": {"type": "LineString", "coordinates": [[6.0, 52.0], [6.1, 52.1]]}}, "geometry"),
    ({"activeFrom": "2027-01-01", "activeUntil": "2026-12-31"}, "activeUntil"),
    ({"activeFrom": "2026-02-30"}, "activeFrom"),
    ({"privacyStatementUrl": "ftp://veenhaven.example/privacy"}, "privacyStatementUrl"),
    ({"legalGroundUrl": "wetten.overheid.nl"}, "legalGroundUrl"),
    ({"sensors": [{"name": "x", "documentationUrl": "javascript:alert(1)"}]}, "sensors.0.documentationUrl"),
    ({"contact": {"email": "not an address"}}, "contact.email"),
    ({"personalData": True}, "legalGround"),
    ({"personalData": True, "legalGround": "toestemming"}, "privacyStatementUrl"),
    ({"isPublic": False, "isOpenData": True}, "isOpenData"),
    ({"type": "toaster"}, "type"),
    ({"themes": ["ENVI", "XYZ"]}, "themes.1"),
    ({"themes": []}, "themes"),
    ({"purpose": None}, "purpose"),
    ({"purpose": "   "}, "purpose"),
    ({"colour": "red"}, "colour"),
    ({"sensors": [{"name": "x", "datastreamIds": [999999]}]}, "sensors.0.datastreamIds.0"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "field"), BAD, ids=[field for _, field in BAD])
def test_bad_entries_are_refused_naming_the_field(change: dict[str, Any], field: str, city: Any) -> None:  # noqa: F811
    client, headers = city
    document = {k: v for k, v in (PARKING | change).items() if v is not None}
    assert_problem(client.post(PATH, json=document, headers=headers["garagebedrijf"]), 400, field)
    entry = register(client, headers["garagebedrijf"], PARKING)
    if field != "colour":  # the same checks on a change (a merge patch; null removes)
        assert_problem(client.patch(f"{PATH}/{entry['id']}", json=change, headers=headers["garagebedrijf"]), 400, field)
    assert client.get(f"{PATH}/{entry['id']}", headers=headers["garagebedrijf"]).json()["purpose"] == PARKING["purpose"]


def test_who_may_register_and_change_what(city: Any) -> None:  # noqa: F811
    client, headers = city
    ids = parties(client, headers)
    assert_problem(client.post(PATH, json=PARKING), 401)
    assert_problem(client.post(PATH, json=PARKING, headers=headers["afvalbedrijf"]), 403)  # a key without write rights
    # For its own party or one below it only; an administrator for any party.
    assert_problem(client.post(PATH, json=PARKING | {"ownerPartyId": ids["gemeente"]}, headers=headers["garagebedrijf"]), 403, "ownerPartyId")
    assert_problem(client.post(PATH, json=PARKING | {"ownerPartyId": 999999}, headers=headers["admin"]), 400, "ownerPartyId")
    assert_problem(client.post(PATH, json=PARKING, headers=headers["admin"]), 400, "ownerPartyId")  # the admin acts for no party
    municipal = register(client, headers["admin"], CAMERA | {"ownerPartyId": ids["gemeente"]})
    assert municipal["status"] == "approved"  # registered by the municipality's administrator: no review of its own
    garage = register(client, headers["garagebedrijf"], PARKING)
    # Another party may not change or remove it: not found while submitted, forbidden once public.
    assert_problem(client.patch(f"{PATH}/{garage['id']}", json={"name": "mine"}, headers=headers["bewoner"]), 404)
    review(client, headers["admin"], garage["id"], "approve")
    assert_problem(client.patch(f"{PATH}/{garage['id']}", json={"name": "mine"}, headers=headers["bewoner"]), 403)
    assert_problem(client.delete(f"{PATH}/{garage['id']}", headers=headers["bewoner"]), 403)
    assert_problem(client.patch(f"{PATH}/{municipal['id']}", json={"name": "x"}, headers=headers["gemeente"]), 403)  # no write rights
    # The owner cannot hand it to a party it does not act for, nor leave it without one, nor link what it may not read.
    assert_problem(client.patch(f"{PATH}/{garage['id']}", json={"ownerPartyId": None}, headers=headers["garagebedrijf"]), 400, "ownerPartyId")
    change = {"ownerPartyId": ids["afvalbedrijf"]}
    assert_problem(client.patch(f"{PATH}/{garage['id']}", json=change, headers=headers["garagebedrijf"]), 403, "ownerPartyId")
    energy = streams(client, headers)["energy"]  # the municipality's non-public stream
    change = {"sensors": [{"name": "x", "datastreamIds": [energy]}]}
    assert_problem(client.patch(f"{PATH}/{garage['id']}", json=change, headers=headers["garagebedrijf"]), 400, "sensors.0.datastreamIds.0")
    thing = client.get("/v1.1/Things?$filter=name eq 'Gemeentehuis'", headers=headers["admin"]).json()["value"][0]["@iot.id"]
    assert_problem(client.patch(f"{PATH}/{garage['id']}", json={"thingId": thing}, headers=headers["garagebedrijf"]), 400, "thingId")
    assert client.get(f"{PATH}/999999", headers=headers["admin"]).status_code == 404


def test_a_non_public_entry_is_shown_to_its_owner_and_the_administrators_only(city: Any) -> None:  # noqa: F811
    client, headers = city
    ids = parties(client, headers)
    energy = streams(client, headers)["energy"]
    document = PARKING | {"name": "Energiemeter Gemeentehuis", "type": "energy", "themes": ["ENER"], "isPublic": False, "isOpenData": False,
                          "ownerPartyId": ids["gemeente"], "sensors": [{"name": "Meter", "observes": ["kWh"], "datastreamIds": [energy]}]}  # fmt: skip
    entry = register(client, headers["admin"], document)
    assert entry["status"] == "approved" and entry["isPublic"] is False
    for caller, sees in (("anonymous", False), ("buurman", False), ("garagebedrijf", False), ("afvalbedrijf", False),
                         ("gemeente", True), ("verkeer", True), ("admin", True)):  # fmt: skip
        response = client.get(f"{PATH}/{entry['id']}", headers=headers[caller])
        assert response.status_code == (200 if sees else 404), caller
        assert ("Energiemeter Gemeentehuis" in listed(client, headers[caller])) is sees, caller
        assert ("Energiemeter" in client.get(f"{PATH}.csv", headers=headers[caller]).text) is sees, caller
        if sees:  # the municipality and its department may read the energy stream
            assert [d["id"] for d in response.json()["sensors"][0]["datastreams"]] == [energy], caller
    assert listed(client, headers["gemeente"])["Energiemeter Gemeentehuis"]["managed"] is False  # a key without write rights


@pytest.mark.parametrize("caller", ["anonymous", "buurman", "gemeente", "afvalbedrijf"])
def test_a_residents_entry_names_no_one_and_leaks_no_hidden_stream(caller: str, city: Any) -> None:  # noqa: F811
    client, headers = city
    temperature = streams(client, headers)["temperature"]  # the resident's non-public stream
    document = {
        "name": "Weerstation in de tuin", "type": "weather", "themes": ["ENVI"], "purpose": "Het weer in de wijk volgen",
        "personalData": False, "geometry": {"type": "Point", "coordinates": [6.091234, 52.514321]},
        "contact": {"name": "B. Ewoner", "email": "bewoner@example.org"},
        "sensors": [{"name": "Thermometer", "observes": ["luchttemperatuur"], "datastreamIds": [temperature]}],
    }  # fmt: skip
    entry = register(client, headers["bewoner"], document)  # a resident with a user account registers its own
    review(client, headers["admin"], entry["id"], "approve")
    mine = client.get(f"{PATH}/{entry['id']}", headers=headers["bewoner"]).json()
    assert mine["owner"]["name"] == "bewoner" and mine["geometry"]["coordinates"] == [6.091234, 52.514321] and mine["generalised"] is False
    assert [d["name"] for d in mine["sensors"][0]["datastreams"]] == ["temperature"]
    answers = {
        "json": client.get(f"{PATH}/{entry['id']}", headers=headers[caller]),
        "list": client.get(PATH, headers=headers[caller]),
        "geojson": client.get(f"{PATH}.geojson", headers=headers[caller]),
        "csv": client.get(f"{PATH}.csv", headers=headers[caller]),
        "sensrnet": client.get("/api/v1/register/sensrnet", headers=headers[caller]),
    }
    shown = answers["json"].json()
    assert shown["owner"] == {"id": None, "name": None, "kind": "resident", "uri": None} and shown["contact"] is None
    assert shown["geometry"]["coordinates"] == [6.091, 52.514] and shown["generalised"] is True
    assert shown["sensors"][0]["datastreams"] == [] and shown["observes"] == ["luchttemperatuur"]
    for name, response in answers.items():
        assert response.status_code == 200, name
        for secret in ("bewoner", "B. Ewoner", f"Datastreams({temperature})", '"temperature"', "6.091234", "52.514321"):
            assert secret not in response.text, (name, secret)
    # A search by the hidden stream's name or by the resident's name finds nothing.
    assert listed(client, headers[caller], "&q=temperature") == {} and listed(client, headers[caller], "&q=bewoner") == {}
    assert "Weerstation in de tuin" in listed(client, headers["admin"], "&q=bewoner")


def test_geojson_csv_and_sensrnet(city: Any) -> None:  # noqa: F811
    client, headers = city
    pm10 = streams(client, headers)["pm10"]
    ids = parties(client, headers)
    air = PARKING | {"name": "Luchtkast Markt", "type": "air-quality", "themes": ["ENVI", "HEAL"], "ownerPartyId": ids["gemeente"],
                     "purpose": "=cmd|' /C calc'!A0", "sensors": [{"name": "SDS011", "manufacturer": "Nova Fitness", "observes": ["PM10"],
                     "datastreamIds": [pm10], "documentationUrl": "https://example.org/sds011.pdf"}]}  # fmt: skip
    register(client, headers["admin"], air)
    register(client, headers["admin"], CAMERA | {"ownerPartyId": ids["gemeente"]})
    register(client, headers["garagebedrijf"], PARKING)  # submitted: in no public output
    anonymous = headers["anonymous"]

    collection = client.get(f"{PATH}.geojson", headers=anonymous)
    assert collection.headers["content-type"] == "application/geo+json"
    features = {f["properties"]["name"]: f for f in collection.json()["features"]}
    assert set(features) == {"Luchtkast Markt", "Telcamera Markt"}
    assert features["Telcamera Markt"]["geometry"]["type"] == "Polygon" and features["Telcamera Markt"]["properties"]["personalData"] is True
    assert client.get(f"{PATH}?format=geojson", headers=anonymous).json() == collection.json()

    response = client.get(f"{PATH}.csv", headers=anonymous)
    assert response.headers["content-type"].startswith("text/csv") and "attachment" in response.headers["content-disposition"]
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(response.text))}
    assert set(rows) == {"Luchtkast Markt", "Telcamera Markt"}
    assert rows["Luchtkast Markt"]["owner"] == "gemeente" and rows["Luchtkast Markt"]["datastreams"] == str(pm10)
    assert rows["Luchtkast Markt"]["purpose"].startswith("'=")  # not a formula in a spreadsheet
    assert rows["Telcamera Markt"]["personalData"] == "true" and rows["Telcamera Markt"]["legalGround"].startswith("AVG")
    assert (float(rows["Telcamera Markt"]["longitude"]), float(rows["Telcamera Markt"]["latitude"])) == (6.09, 52.51)

    document = client.get("/api/v1/register/sensrnet", headers=anonymous).json()
    assert client.get(f"{PATH}?format=sensrnet", headers=anonymous).json() == document
    [entity] = document["legalEntities"]
    assert entity["name"] == "gemeente" and {d["name"] for d in entity["devices"]} == {"Luchtkast Markt", "Telcamera Markt"}
    devices = {d["name"]: d for d in entity["devices"]}
    box = devices["Luchtkast Markt"]
    assert box["category"] == "Sensor" and box["location"] == {"type": "Point", "coordinates": [6.09, 52.51]}
    assert box["sensors"][0]["manufacturer"] == "Nova Fitness" and box["sensors"][0]["documentation"] == "https://example.org/sds011.pdf"
    [stream] = box["datastreams"]
    assert stream["sensorId"] == box["sensors"][0]["id"] and stream["dataLink"].endswith(f"/v1.1/Datastreams({pm10})")
    assert stream["isOpenData"] is True and stream["containsPersonalInfoData"] is False and stream["theme"] == ["Milieu", "Gezondheid"]
    camera = devices["Telcamera Markt"]
    assert camera["category"] == "Camera" and camera["location"]["coordinates"] == pytest.approx([6.09, 52.51])
    [goal] = camera["datastreams"][0]["observationGoals"]
    assert camera["datastreams"][0]["containsPersonalInfoData"] is True and camera["datastreams"][0]["observedArea"]["type"] == "Polygon"
    assert goal["legalGround"].startswith("AVG") and goal["legalGroundLink"] == CAMERA["legalGroundUrl"]


def test_filters_and_pages(city: Any) -> None:  # noqa: F811
    client, headers = city
    ids = parties(client, headers)
    admin = headers["admin"]
    for n in range(3):
        register(client, admin, PARKING | {"name": f"Parkeren {n}", "ownerPartyId": ids["garagebedrijf"],
                                           "geometry": {"type": "Point", "coordinates": [6.0 + n, 52.5]}})  # fmt: skip
    register(client, admin, CAMERA | {"ownerPartyId": ids["gemeente"]})
    submitted = register(client, headers["garagebedrijf"], PARKING | {"name": "Nieuw"})
    anonymous = headers["anonymous"]
    assert set(listed(client, anonymous, "&type=camera")) == {"Telcamera Markt"}
    assert set(listed(client, anonymous, "&theme=REGI")) == {"Telcamera Markt"}
    assert set(listed(client, anonymous, "&personalData=true")) == {"Telcamera Markt"}
    assert set(listed(client, anonymous, f"&owner={ids['garagebedrijf']}")) == {"Parkeren 0", "Parkeren 1", "Parkeren 2"}
    assert set(listed(client, anonymous, "&bbox=6.5,52,7.5,53")) == {"Parkeren 1"}
    assert set(listed(client, anonymous, "&q=markt drukte")) == {"Telcamera Markt"}
    assert set(listed(client, anonymous, "&q=parkeersensor")) == {"Parkeren 0", "Parkeren 1", "Parkeren 2"}  # the type's label
    assert set(listed(client, anonymous, "&status=submitted")) == set()
    assert set(listed(client, headers["garagebedrijf"], "&status=submitted")) == {"Nieuw"}
    assert listed(client, headers["garagebedrijf"], "&status=submitted")["Nieuw"]["id"] == submitted["id"]
    page = client.get(f"{PATH}?limit=2", headers=anonymous).json()
    assert len(page["_embedded"]["devices"]) == 2
    rest = client.get(page["_links"]["next"]["href"], headers=anonymous).json()
    assert len(rest["_embedded"]["devices"]) == 2 and "next" not in rest["_links"]
    for query, field in (("status=lost", "status"), ("type=toaster", "type"), ("owner=garage", "owner"), ("bbox=1,2,3", "bbox"),
                         ("format=xml", "format"), ("limit=0", "limit")):  # fmt: skip
        assert_problem(client.get(f"{PATH}?{query}", headers=anonymous), 400, field)
