"""The OCPI 2.2.1 receiver end to end, with a test CPO speaking OCPI over HTTP to the app: the
credentials handshake (A → C), Locations with EVSE status changes, Sessions, CDRs with their
charge card pseudonymised, Tariffs, refusals (401, 2001 quarantined, 2003) and the admin routes."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from tests.integration.ocpi.conftest import Cpo, OcpiPlatform, recorded

LOCATION = "/ocpi/2.2.1/locations/NL/EXA/LOC1"


def _envelope(response: Any, status_code: int = 1000) -> dict[str, Any]:
    body = response.json()
    assert body["status_code"] == status_code, body
    assert body["timestamp"].endswith("Z")
    return body  # type: ignore[no-any-return]


def _observations(ocpi: OcpiPlatform, stream_name_part: str) -> list[dict[str, Any]]:
    streams = ocpi.get(f"/v1.1/Datastreams?$filter=substringof('{stream_name_part}', name)&$orderby=id")["value"]
    assert len(streams) == 1, [s["name"] for s in streams]
    return ocpi.get(f"/v1.1/Datastreams({streams[0]['@iot.id']})/Observations?$orderby=phenomenonTime,id")["value"]  # type: ignore[no-any-return]


# -- the credentials handshake ----------------------------------------------------------------------
def test_the_handshake_exchanges_token_a_for_token_c(ocpi: OcpiPlatform) -> None:
    registered = ocpi.register_cpo()
    token_a = registered["registrationToken"]
    assert registered["status"] == "pending" and registered["ourVersionsUrl"].endswith("/ocpi/versions")
    cpo = Cpo(ocpi.client, token_a)

    versions = _envelope(cpo.call("GET", "/ocpi/versions"))["data"]
    assert [v["version"] for v in versions] == ["2.2.1"]
    details = _envelope(cpo.call("GET", versions[0]["url"].removeprefix("http://testserver")))["data"]
    expected = recorded("our_version_details_receiver.json")["data"]["endpoints"]
    assert [(e["identifier"], e["role"]) for e in details["endpoints"]] == [
        (e["identifier"], e["role"]) for e in expected
    ]
    assert cpo.call("GET", f"{LOCATION}").status_code == 401  # token A only for versions and credentials

    answer = cpo.call("POST", "/ocpi/2.2.1/credentials", recorded("credentials_post_request.json"))
    credentials = _envelope(answer)["data"]
    token_c = credentials["token"]
    assert token_c != token_a and credentials["url"].endswith("/ocpi/versions")
    assert set(credentials) == set(recorded("credentials_response.json")["data"])
    assert credentials["roles"][0]["role"] == "EMSP"

    assert cpo.call("GET", "/ocpi/versions").status_code == 401  # A is gone
    cpo.token = token_c
    assert _envelope(cpo.call("GET", "/ocpi/2.2.1/credentials"))["data"]["token"] == token_c
    cpo.encode = False  # a 2.1.1-style client sends the token as it is
    assert cpo.call("GET", "/ocpi/versions").status_code == 200
    cpo.encode = True
    assert cpo.call("POST", "/ocpi/2.2.1/credentials", recorded("credentials_post_request.json")).status_code == 405

    party = ocpi.get(f"/api/v1/ocpi/parties/{registered['id']}")
    assert party["status"] == "registered" and party["versionsUrl"] == "https://ocpi.cpo.example.nl/ocpi/versions/"
    assert "registrationToken" not in party
    [stored] = ocpi.rows("ocpi_parties")  # tokens at rest: only their hashes
    dump = ocpi.dump()
    row = (stored["token_a_hash"], stored["token_c_hash"], stored["token_b"])
    assert row == (None, hashlib.sha256(token_c.encode()).hexdigest(), "ebf3b399-779f-4497-9b9d-ac6ad3cc44d2")
    assert token_c not in dump and token_a not in dump

    updated = _envelope(cpo.call("PUT", "/ocpi/2.2.1/credentials", recorded("credentials_post_request.json")))["data"]
    assert cpo.call("GET", "/ocpi/versions").status_code == 401  # the old C
    cpo.token = updated["token"]
    assert cpo.call("GET", "/ocpi/versions").status_code == 200
    assert cpo.call("DELETE", "/ocpi/2.2.1/credentials").status_code == 200
    assert cpo.call("GET", "/ocpi/versions").status_code == 401
    assert ocpi.get(f"/api/v1/ocpi/parties/{registered['id']}")["status"] == "unregistered"


def test_credentials_of_another_party_are_refused(ocpi: OcpiPlatform) -> None:
    cpo = Cpo(ocpi.client, ocpi.register_cpo(party_id="OTH")["registrationToken"])
    answer = cpo.call("POST", "/ocpi/2.2.1/credentials", recorded("credentials_post_request.json"))
    assert answer.status_code == 200
    assert "roles" in _envelope(answer, 2001)["status_message"]


def test_a_bad_token_is_a_401_with_the_envelope(ocpi: OcpiPlatform) -> None:
    ocpi.connected_cpo()
    for headers in ({}, {"Authorization": "Token bm9wZQ=="}, {"Authorization": "Bearer x"}):
        answer = ocpi.client.get("/ocpi/versions", headers=headers | {"X-Request-ID": "r-1"})
        assert answer.status_code == 401
        assert _envelope(answer, 2000)["status_message"]
        assert answer.headers["X-Request-ID"] == "r-1"
    assert ocpi.client.put(LOCATION, json=recorded("location_put_request.json")).status_code == 401


# -- Locations and EVSE statuses --------------------------------------------------------------------
def test_a_location_becomes_a_thing_and_status_changes_observations(ocpi: OcpiPlatform) -> None:
    cpo = ocpi.connected_cpo()
    headers = cpo.headers() | {"OCPI-from-country-code": "NL", "OCPI-from-party-id": "EXA", "OCPI-to-party-id": "SDA"}
    answer = ocpi.client.put(LOCATION, json=recorded("location_put_request.json"), headers=headers)
    assert answer.status_code == 201, answer.text
    _envelope(answer)
    assert answer.headers["X-Request-ID"] == headers["X-Request-ID"]
    assert answer.headers["X-Correlation-ID"] == headers["X-Correlation-ID"]
    assert (answer.headers["OCPI-to-party-id"], answer.headers["OCPI-from-party-id"]) == ("EXA", "SDA")  # swapped

    things = ocpi.get("/v1.1/Things?$expand=Locations,Datastreams&$filter=properties/ocpi/location_id eq 'LOC1'")[
        "value"
    ]
    assert len(things) == 1
    thing = things[0]
    assert thing["name"] == "Stationsplein"
    wanted = {"party": "NL-EXA", "location_id": "LOC1", "address": "Stationsplein 1", "operator": "Example Operator"}
    assert wanted.items() <= thing["properties"]["ocpi"].items()
    assert thing["Locations"][0]["location"] == {"type": "Point", "coordinates": [5.110278, 52.089444]}
    assert sorted(s["name"] for s in thing["Datastreams"]) == [
        "Stationsplein EVSE NL*EXA*E041503003 status", "Stationsplein EVSE NL*EXA*E041503004 status",
    ]  # fmt: skip
    assert [o["result"] for o in _observations(ocpi, "E041503003 status")] == ["AVAILABLE"]

    patch = recorded("location_patch_evse_status_request.json")
    assert _envelope(cpo.call("PATCH", f"{LOCATION}/3256", patch))
    assert _envelope(cpo.call("PATCH", f"{LOCATION}/3256", patch))  # delivered twice: stored once
    older = {"status": "BLOCKED", "last_updated": "2024-11-07T10:00:00Z"}
    assert "older" in _envelope(cpo.call("PATCH", f"{LOCATION}/3256", older))["status_message"]
    statuses = _observations(ocpi, "E041503003 status")
    assert [(o["phenomenonTime"], o["result"]) for o in statuses] == [
        ("2024-11-07T18:00:00Z", "AVAILABLE"), ("2024-11-07T22:39:09Z", "CHARGING"),
    ]  # fmt: skip

    evse = _envelope(cpo.call("GET", f"{LOCATION}/3256"))["data"]
    assert evse["status"] == "CHARGING" and evse["evse_id"] == "NL*EXA*E041503003"
    location = _envelope(cpo.call("GET", LOCATION))["data"]
    assert location["last_updated"] == "2024-11-07T22:39:09Z"  # the parent's last_updated follows (spec)
    connector = {"last_updated": "2024-11-07T23:00:00Z", "max_amperage": 32}
    assert _envelope(cpo.call("PATCH", f"{LOCATION}/3256/1", connector))
    assert _envelope(cpo.call("GET", f"{LOCATION}/3256/1"))["data"]["max_amperage"] == 32

    renamed = recorded("location_put_request.json") | {
        "name": "Stationsplein Noord",
        "last_updated": "2024-11-08T08:00:00Z",
    }
    renamed["evses"][0]["last_updated"] = "2024-11-08T08:00:00Z"  # AVAILABLE again
    answer = cpo.call("PUT", LOCATION, renamed)
    assert answer.status_code == 200 and _envelope(answer)
    assert ocpi.get(f"/v1.1/Things({thing['@iot.id']})")["name"] == "Stationsplein Noord"
    assert [o["result"] for o in _observations(ocpi, "E041503003 status")] == ["AVAILABLE", "CHARGING", "AVAILABLE"]
    assert [o["result"] for o in _observations(ocpi, "E041503004 status")] == ["OUTOFORDER"]  # unchanged: nothing new


def test_a_patch_of_an_unknown_location_is_2003(ocpi: OcpiPlatform) -> None:
    cpo = ocpi.connected_cpo()
    answer = cpo.call(
        "PATCH", "/ocpi/2.2.1/locations/NL/EXA/NOPE/3256", recorded("location_patch_evse_status_request.json")
    )
    assert answer.status_code == 404
    assert _envelope(answer, 2003)["status_message"].startswith("Unknown Location")
    assert [m["topic"] for m in ocpi.held()] == ["PATCH locations/NL/EXA/NOPE/3256"]
    assert cpo.call("GET", "/ocpi/2.2.1/locations/NL/EXA/NOPE").status_code == 404


def test_a_malformed_object_is_2001_naming_the_member_and_quarantined(ocpi: OcpiPlatform) -> None:
    cpo = ocpi.connected_cpo()
    broken = copy.deepcopy(recorded("location_put_request.json"))
    del broken["coordinates"]["latitude"]
    answer = cpo.call("PUT", LOCATION, broken)
    assert answer.status_code == 200
    assert "coordinates.latitude" in _envelope(answer, 2001)["status_message"]
    wrong_status = {"status": "ON_FIRE", "last_updated": "2024-11-07T22:39:09Z"}
    no_time = {"status": "CHARGING"}
    assert cpo.call("PUT", LOCATION, recorded("location_put_request.json")).status_code == 201
    assert "status" in _envelope(cpo.call("PATCH", f"{LOCATION}/3256", wrong_status), 2001)["status_message"]
    assert "last_updated" in _envelope(cpo.call("PATCH", f"{LOCATION}/3256", no_time), 2001)["status_message"]
    not_json = cpo.call("PUT", LOCATION, raw=b'{"id": "LOC1",')
    assert not_json.status_code == 400 and _envelope(not_json, 2001)
    other_id = recorded("location_put_request.json") | {"id": "LOC2"}
    assert "id" in _envelope(cpo.call("PUT", LOCATION, other_id), 2001)["status_message"]

    held = ocpi.held()
    assert {m["source"] for m in held} == {"ocpi:NL-EXA"}
    by_field = {m["field"]: m for m in held}
    assert set(by_field) == {"coordinates.latitude", "status", "last_updated", "body", "id"}
    kept = ocpi.get(f"/api/v1/quarantine/{by_field['coordinates.latitude']['id']}")
    assert kept["topic"] == "PUT locations/NL/EXA/LOC1" and '"longitude":"5.110278"' in kept["payload"]
    assert [o["result"] for o in _observations(ocpi, "E041503003 status")] == ["AVAILABLE"]  # nothing of the refusals


def test_an_object_of_another_party_is_a_404(ocpi: OcpiPlatform) -> None:
    cpo = ocpi.connected_cpo()
    other = recorded("location_put_request.json") | {"party_id": "OTH"}
    assert cpo.call("PUT", "/ocpi/2.2.1/locations/NL/OTH/LOC1", other).status_code == 404


# -- Sessions and CDRs: personal identifiers pseudonymised ------------------------------------------
def test_sessions_and_cdrs_are_stored_with_the_charge_card_pseudonymised(ocpi: OcpiPlatform) -> None:
    cpo = ocpi.connected_cpo()
    assert cpo.call("PUT", LOCATION, recorded("location_put_request.json")).status_code == 201
    session = recorded("session_put_request.json")
    session_url = "/ocpi/2.2.1/sessions/NL/EXA/101"
    answer = cpo.call(
        "PUT",
        session_url,
        session | {"status": "ACTIVE", "end_date_time": None, "last_updated": "2024-11-07T21:16:00Z"},
    )
    assert answer.status_code == 201 and _envelope(answer)
    assert cpo.call("PATCH", session_url, recorded("session_patch_request.json")).status_code == 200
    assert cpo.call("PUT", session_url, session).status_code == 200  # COMPLETED

    states = _observations(ocpi, "charging sessions")
    assert [(o["result"], o["parameters"]["status"]) for o in states] == [
        (41.0, "ACTIVE"),
        (15.0, "ACTIVE"),
        (41.0, "COMPLETED"),
    ]
    card = states[-1]["parameters"]["cdr_token"]
    assert card["uid"].startswith("pseudonym:") and card["uid"] != "123abc"
    assert card["contract_id"].startswith("pseudonym:") and card["type"] == "RFID"
    assert states[-1]["phenomenonTime"] == "2024-11-07T21:39:09Z/2024-11-07T22:50:16Z"
    kept = _envelope(cpo.call("GET", session_url))["data"]
    assert kept["cdr_token"]["uid"] == card["uid"] and kept["status"] == "COMPLETED"

    answer = cpo.call("POST", "/ocpi/2.2.1/cdrs", recorded("cdr_post_request.json"))
    assert answer.status_code == 201 and _envelope(answer)
    location = answer.headers["Location"]
    assert location == "http://testserver/ocpi/2.2.1/cdrs/NL/EXA/12345"
    cdr = _envelope(cpo.call("GET", location.removeprefix("http://testserver")))["data"]
    assert cdr["id"] == "12345" and cdr["total_energy"] == 15.342
    assert cdr["cdr_token"]["uid"].startswith("pseudonym:") and cdr["cdr_token"]["uid"] != "012345678"
    again = cpo.call("POST", "/ocpi/2.2.1/cdrs", recorded("cdr_post_request.json"))
    assert again.status_code == 200 and again.headers["Location"] == location

    [energy] = _observations(ocpi, "energy delivered")
    assert energy["result"] == 15.342 and energy["phenomenonTime"] == "2024-11-07T20:39:09Z/2024-11-07T22:37:32Z"
    parameters = energy["parameters"]
    assert (
        parameters["cdr_id"] == "12345"
        and parameters["session_id"] == "101"
        and parameters["auth_method"] == "WHITELIST"
    )
    assert parameters["total_cost"] == {"excl_vat": 4.0, "incl_vat": 4.4}
    assert parameters["cdr_token"]["uid"] == cdr["cdr_token"]["uid"]
    assert parameters["cdr_token"]["contract_id"] == card["contract_id"]  # the same contract, the same pseudonym

    dump = ocpi.dump()
    for personal in ("123abc", "012345678", "NL-SDA-C12345678-S"):
        assert personal not in dump


def test_a_session_at_an_unknown_location_is_kept_and_replayed_once_the_location_came(ocpi: OcpiPlatform) -> None:
    cpo = ocpi.connected_cpo()
    answer = cpo.call("PUT", "/ocpi/2.2.1/sessions/NL/EXA/101", recorded("session_put_request.json"))
    assert answer.status_code == 404 and _envelope(answer, 2003)
    [held] = ocpi.held()
    assert cpo.call("PUT", LOCATION, recorded("location_put_request.json")).status_code == 201
    replayed = ocpi.client.patch(f"/api/v1/quarantine/{held['id']}", json={"status": "replayed"}, headers=ocpi.admin)
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["status"] == "replayed"
    assert [o["result"] for o in _observations(ocpi, "charging sessions")] == [41.0]


# -- Tariffs ----------------------------------------------------------------------------------------
def test_tariffs_are_put_read_and_deleted(ocpi: OcpiPlatform) -> None:
    cpo = ocpi.connected_cpo()
    url = "/ocpi/2.2.1/tariffs/NL/EXA/14"
    assert cpo.call("PUT", url, recorded("tariff_put_request.json")).status_code == 201
    assert _envelope(cpo.call("GET", url))["data"]["elements"][0]["price_components"][0]["price"] == 2.5
    assert _envelope(cpo.call("DELETE", url))
    assert cpo.call("GET", url).status_code == 404


# -- managing the CPOs ------------------------------------------------------------------------------
def test_admins_register_and_list_cpos_a_page_at_a_time(ocpi: OcpiPlatform) -> None:
    for party_id in ("AAA", "BBB", "CCC"):
        ocpi.register_cpo(f"CPO {party_id}", party_id=party_id)
    first = ocpi.client.get("/api/v1/ocpi/parties?limit=2", headers=ocpi.admin)
    assert first.status_code == 200
    assert [p["partyId"] for p in first.json()["_embedded"]["parties"]] == ["AAA", "BBB"]
    link = first.headers["Link"]
    assert link.endswith('; rel="next"')
    second = ocpi.client.get(link[1 : link.index(">")].removeprefix("http://testserver"), headers=ocpi.admin)
    assert [p["partyId"] for p in second.json()["_embedded"]["parties"]] == ["CCC"] and "Link" not in second.headers
    dataset = ocpi.get(f"/api/v1/datasets/{second.json()['_embedded']['parties'][0]['datasetId']}")
    assert dataset["name"] == "ocpi-nl-ccc" and dataset["accessLevel"] == "non-public"
    assert dataset["personalFields"] == [
        "parameters.cdr_token.uid",
        "parameters.cdr_token.contract_id",
        "parameters.authorization_reference",
    ]

    again = ocpi.client.post(
        "/api/v1/ocpi/parties", json={"name": "x", "countryCode": "NL", "partyId": "AAA"}, headers=ocpi.admin
    )
    assert again.status_code == 409
    assert ocpi.client.get("/api/v1/ocpi/parties").status_code == 401
    assert (
        ocpi.client.post("/api/v1/ocpi/parties", json={"name": "x", "countryCode": "NL", "partyId": "DDD"}).status_code
        == 401
    )


def test_a_new_registration_token_after_unregistering(ocpi: OcpiPlatform) -> None:
    cpo = ocpi.connected_cpo()
    assert cpo.call("DELETE", "/ocpi/2.2.1/credentials").status_code == 200
    party = ocpi.get("/api/v1/ocpi/parties")["_embedded"]["parties"][0]
    fresh = ocpi.client.post(f"/api/v1/ocpi/parties/{party['id']}/registration-token", headers=ocpi.admin)
    assert fresh.status_code == 200 and fresh.json()["status"] == "pending"
    cpo.token = fresh.json()["registrationToken"]
    assert _envelope(cpo.call("POST", "/ocpi/2.2.1/credentials", recorded("credentials_post_request.json")))
