"""The management API (`/api/v1`) on both backends: a city set up, shared and audited through
HTTP only — parties, accounts, keys, datasets, offers, access requests, agreements, grants,
consents and the audit log — with the NL API Design Rules' headers, problem+json naming the
field, and every decision checked from the other side (what the SensorThings API then shows)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stadsdata.access.api_keys import generate_api_key
from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.sta.conftest import assert_problem, stream_body, thing_body

API = "/api/v1"
OFFER = json.loads((Path(__file__).parents[3] / "docs/examples/offer-parkeren.json").read_text())
T = "2026-05-01T10:00:00Z"


class City:
    """A client and the headers of each caller, made through the API as the story goes."""

    def __init__(self, client: TestClient, admin: dict[str, str]) -> None:
        self.client = client
        self.h: dict[str, dict[str, str]] = {"admin": admin, "anonymous": {}}

    def call(self, method: str, path: str, who: str, status: int, body: Any = None) -> Any:
        response = self.client.request(method, f"{API}{path}", headers=self.h[who], json=body)
        assert response.status_code == status, response.text
        assert response.headers["API-Version"] == "1.0.0"
        return response.json() if response.content else None

    def party(self, name: str, kind: str) -> int:
        return self.call("POST", "/parties", "admin", 201, {"name": name, "kind": kind})["id"]

    def key(self, name: str, party: int | None, *, write: bool = False, who: str = "admin") -> None:
        created = self.call("POST", "/api-keys", who, 201, {"name": name, "partyId": party, "canWrite": write})
        self.h[name] = {"X-API-Key": created["key"]}

    def sta(self, path: str, who: str) -> int:
        return self.client.get(f"/v1.1/{path}", headers=self.h[who]).status_code


@pytest.fixture
def city(store: Store, tmp_path: Path) -> Iterator[City]:
    key = generate_api_key()
    with store.write() as tx:
        tx.access.add_api_key(key.prefix, key.key_hash, "beheer", None, is_admin=True, can_write=True, expires_at=None, now=datetime.now(UTC))
    settings = Settings(database=str(tmp_path / "x.db"), access_mode="enforced", default_access_level="public")
    with TestClient(create_app(settings, store=store)) as client:
        city = City(client, {"Authorization": f"Bearer {key.secret_key}"})
        for name in ("Garage", "Woning"):
            body = thing_body(name, 6.09, 52.51, [stream_body(name.lower(), f"{name} p", {"name": "x"}, [(T, 1.0)])])
            assert client.post("/v1.1/Things", json=body, headers=city.h["admin"]).status_code == 201
        yield city


def test_version_header_openapi_and_problems(city: City) -> None:
    document = city.call("GET", "/openapi.json", "anonymous", 200)
    assert document["openapi"].startswith("3.") and document["info"]["version"] == "1.0.0"
    for path in ("/parties", "/api-keys", "/datasets/{dataset_id}/offers", "/access-requests", "/agreements", "/consents", "/audit-events"):
        assert path in document["paths"], path
    assert {"HTTPBearer", "APIKeyHeader", "HTTPBasic"} <= set(document["components"]["securitySchemes"])
    assert all(p == p.lower() and not p.endswith("/") for p in document["paths"])  # kebab-case, no trailing slash
    # Errors: problem+json with the version header, naming the field.
    for response, status, field in [
        (city.client.get(f"{API}/me"), 401, None),
        (city.client.post(f"{API}/parties", json={"name": "x", "kind": "alien"}, headers=city.h["admin"]), 400, "kind"),
        (city.client.post(f"{API}/parties", json={"name": "x", "colour": "red"}, headers=city.h["admin"]), 400, "colour"),
        (city.client.get(f"{API}/parties?limit=0", headers=city.h["admin"]), 400, "limit"),
        (city.client.get(f"{API}/parties/999", headers=city.h["admin"]), 404, None),
        (city.client.get(f"{API}/no-such-thing"), 404, None),
    ]:
        assert_problem(response, status, field)
        assert response.headers["API-Version"] == "1.0.0"
    assert city.client.get(f"{API}/me", headers={"X-API-Key": "sdk_nope_nope"}).status_code == 401


def test_the_api_root_links_its_specification_and_resources(city: City) -> None:
    """`/api/v1` itself answers (no redirect to a trailing slash), with HAL links read off the API."""
    response = city.client.get(API, follow_redirects=False)
    assert response.status_code == 200 and response.headers["API-Version"] == "1.0.0"
    links = response.json()["_links"]
    assert links["self"]["href"] == API and links["openapi"]["href"] == f"{API}/openapi.json"
    paths = city.call("GET", "/openapi.json", "anonymous", 200)["paths"]
    resources = {name for name in links if name not in {"self", "openapi", "docs", "sensorthings"}}
    assert resources == {path[1:] for path, operations in paths.items() if path.count("/") == 1 and "get" in operations}
    assert {"parties", "datasets", "me", "audit-events"} <= resources
    for name in ("openapi", "sensorthings", "parties"):
        assert city.client.get(links[name]["href"], headers=city.h["admin"]).status_code == 200, name


def test_parties_users_and_keys(city: City) -> None:
    gemeente = city.party("gemeente", "organisation")
    garage = city.party("garagebedrijf", "company")
    bewoner = city.party("bewoner", "resident")
    assert_problem(city.client.post(f"{API}/parties", json={"name": "gemeente"}, headers=city.h["admin"]), 409, "name")
    city.key("gemeente", gemeente, write=True)
    city.key("garage", garage, write=True)
    city.key("garage-reader", garage)
    # An organisation adds its own departments, nothing else.
    verkeer = city.call("POST", "/parties", "gemeente", 201, {"name": "verkeer", "kind": "department", "parentId": gemeente})["id"]
    city.call("POST", "/parties", "gemeente", 403, {"name": "bedrijf", "kind": "company"})
    city.call("POST", "/parties", "garage", 403, {"name": "afdeling", "kind": "department", "parentId": gemeente})
    # A resident is not listed to others (personal data); organisations are.
    listed = {p["name"] for p in city.call("GET", "/parties", "garage", 200)["_embedded"]["parties"]}
    assert listed == {"gemeente", "verkeer", "garagebedrijf"}
    city.call("GET", f"/parties/{bewoner}", "garage", 404)
    # Pages: limit, cursor, next link (HAL and Link header).
    first = city.client.get(f"{API}/parties?limit=2", headers=city.h["admin"])
    assert [p["id"] for p in first.json()["_embedded"]["parties"]] == [gemeente, garage]
    following = first.json()["_links"]["next"]["href"]
    assert first.headers["Link"] == f'<{following}>; rel="next"'
    second = city.client.get(following, headers=city.h["admin"]).json()
    assert [p["id"] for p in second["_embedded"]["parties"]] == [bewoner, verkeer] and "next" not in second["_links"]

    # Keys: the secret once; lists show a party's own keys only, never a secret or hash.
    keys = city.call("GET", "/api-keys", "garage", 200)["_embedded"]["apiKeys"]
    assert {k["name"] for k in keys} == {"garage", "garage-reader"}
    assert all("key" not in k and "keyHash" not in k for k in keys)
    city.call("GET", "/api-keys", "garage-reader", 200)  # no write rights: manages nothing
    assert city.call("GET", "/api-keys", "garage-reader", 200)["_embedded"]["apiKeys"] == []
    city.call("POST", "/api-keys", "garage", 403, {"name": "x", "partyId": gemeente})
    city.call("POST", "/api-keys", "garage", 403, {"name": "x", "partyId": garage, "isAdmin": True})
    city.call("POST", "/api-keys", "gemeente", 201, {"name": "verkeer-sensoren", "partyId": verkeer, "canWrite": True})
    assert city.call("GET", "/me", "garage", 200)["party"]["name"] == "garagebedrijf"
    reader = next(k for k in keys if k["name"] == "garage-reader")
    city.call("DELETE", f"/api-keys/{reader['id']}", "garage", 204)
    assert city.client.get(f"{API}/me", headers=city.h["garage-reader"]).status_code == 401
    assert city.call("GET", f"/api-keys/{reader['id']}", "garage", 200)["revokedAt"] is not None

    # Accounts: argon2 password, Basic login, disable.
    user = city.call("POST", "/users", "admin", 201, {"username": "anna", "password": "lang genoeg wachtwoord", "partyId": bewoner})
    assert "password" not in user and "passwordHash" not in user
    anna = {"Authorization": "Basic " + base64.b64encode(b"anna:lang genoeg wachtwoord").decode()}
    assert city.client.get(f"{API}/me", headers=anna).json()["party"]["id"] == bewoner
    city.call("POST", "/users", "garage", 403, {"username": "piet", "password": "x" * 12, "partyId": bewoner})
    city.call("PATCH", f"/users/{user['id']}", "admin", 200, {"disabled": True})
    assert city.client.get(f"{API}/me", headers=anna).status_code == 401

    # Roles within a party: a steward manages the party's accounts; a read-only member writes nothing.
    steward = city.call("POST", "/users", "garage", 201, {"username": "sven", "password": "x" * 12, "partyId": garage})
    assert steward["canWrite"] is True
    member = city.call("POST", "/users", "garage", 201, {"username": "mia", "password": "y" * 12, "partyId": garage, "canWrite": False})
    assert member["canWrite"] is False
    city.h["sven"] = {"Authorization": "Basic " + base64.b64encode(b"sven:" + b"x" * 12).decode()}
    city.h["mia"] = {"Authorization": "Basic " + base64.b64encode(b"mia:" + b"y" * 12).decode()}
    assert city.call("GET", "/me", "mia", 200)["canWrite"] is False
    city.call("POST", "/datasets", "mia", 403, {"name": "mia-data", "title": "t", "accessLevel": "restricted"})
    city.call("POST", "/users", "mia", 403, {"username": "mia2", "password": "z" * 12, "partyId": garage})
    city.call("POST", "/api-keys", "mia", 403, {"name": "mia-key", "partyId": garage, "canWrite": True})
    assert city.call("GET", "/users", "mia", 200)["_embedded"]["users"] == []  # manages no accounts
    city.call("POST", "/datasets", "sven", 201, {"name": "sven-data", "title": "t", "accessLevel": "restricted"})
    city.call("PATCH", f"/users/{member['id']}", "sven", 200, {"canWrite": True})
    city.call("POST", "/datasets", "mia", 201, {"name": "mia-data", "title": "t", "accessLevel": "restricted"})


def test_restricted_dataset_shared_by_request_and_agreement(city: City) -> None:
    garage = city.party("garagebedrijf", "company")
    waste = city.party("afvalbedrijf", "company")
    city.key("garage", garage, write=True)
    city.key("waste", waste)
    dataset = city.call("POST", "/datasets", "garage", 201, {"name": "parkeren", "title": "Bezetting", "accessLevel": "restricted"})
    assert dataset["ownerPartyId"] == garage and dataset["managed"] is True
    city.call("PUT", f"/datasets/{dataset['id']}/datastreams/2", "garage", 403)  # the resident's stream is in no dataset
    city.call("PUT", f"/datasets/{dataset['id']}/datastreams/1", "admin", 204)
    assert [s["id"] for s in city.call("GET", f"/datasets/{dataset['id']}/datastreams", "garage", 200)["_embedded"]["datastreams"]] == [1]
    assert city.call("GET", f"/datasets/{dataset['id']}/datastreams", "waste", 200)["_embedded"]["datastreams"] == []
    # The catalogue shows a restricted dataset to everyone (to ask for it), not its data.
    assert [d["name"] for d in city.call("GET", "/datasets", "anonymous", 200)["_embedded"]["datasets"]] == ["parkeren"]
    assert city.sta("Datastreams(1)/Observations", "waste") == 404

    bad = {**OFFER, "uid": "urn:x:bad", "permission": [{"action": "read", "constraint": [{"leftOperand": "spatial", "operator": "eq", "rightOperand": "x"}]}]}
    problem = city.call("POST", f"/datasets/{dataset['id']}/offers", "garage", 400, {"policy": bad})
    assert problem["field"].startswith("policy.permission[0]")
    city.call("POST", f"/datasets/{dataset['id']}/offers", "waste", 403, {"policy": OFFER})  # listed, not its own
    offer = city.call("POST", f"/datasets/{dataset['id']}/offers", "garage", 201, {"policy": OFFER})
    assert [o["id"] for o in city.call("GET", "/offers", "anonymous", 200)["_embedded"]["offers"]] == [offer["id"]]

    city.call("POST", "/access-requests", "anonymous", 401, {"offerId": offer["id"], "purpose": "route planning"})
    assert city.call("POST", "/access-requests", "waste", 400, {"offerId": offer["id"], "purpose": "marketing"})["field"] == "purpose"
    city.call("POST", "/access-requests", "garage", 409, {"offerId": offer["id"], "purpose": "route planning"})  # its own
    request = city.call("POST", "/access-requests", "waste", 201, {"offerId": offer["id"], "purpose": "route planning", "message": "for our routes"})
    assert request["status"] == "pending" and request["agreementId"] is None
    assert city.sta("Datastreams(1)/Observations", "waste") == 404  # asking is not having
    city.call("PATCH", f"/access-requests/{request['id']}", "waste", 403, {"status": "approved"})
    assert [r["id"] for r in city.call("GET", "/access-requests?status=pending", "garage", 200)["_embedded"]["accessRequests"]] == [request["id"]]
    approved = city.call("PATCH", f"/access-requests/{request['id']}", "garage", 200, {"status": "approved"})
    assert approved["status"] == "approved" and approved["decidedBy"].startswith("key:")
    city.call("PATCH", f"/access-requests/{request['id']}", "garage", 409, {"status": "rejected"})

    assert city.sta("Datastreams(1)/Observations", "waste") == 200
    agreement = city.call("GET", f"/agreements/{approved['agreementId']}", "waste", 200)
    assert agreement["status"] == "active" and agreement["usage"]["recordsRead"] == 1
    assert agreement["usage"]["countLimit"] == 10_000
    assert agreement["usage"]["amountDue"] == {"amount": "2.50", "unit": "Euro", "perRecords": 1000}
    assert agreement["policy"]["permission"][0]["assignee"] == f"urn:stadsdata:party:{waste}"

    # The owner sees who read; the reader sees its own reads; nobody else sees them.
    trail = city.call("GET", f"/audit-events?datasetId={dataset['id']}", "garage", 200)["_embedded"]["auditEvents"]
    assert [(e["basis"], e["grantId"], e["records"]) for e in trail] == [("agreement", approved["agreementId"], 1)]
    assert [e["id"] for e in city.call("GET", "/audit-events", "waste", 200)["_embedded"]["auditEvents"]] == [trail[0]["id"]]
    city.key("other", city.party("ander", "company"))
    city.call("GET", f"/audit-events?datasetId={dataset['id']}", "other", 404)
    assert city.call("GET", "/audit-events", "other", 200)["_embedded"]["auditEvents"] == []
    city.call("GET", f"/agreements/{approved['agreementId']}", "other", 404)

    city.call("PATCH", f"/agreements/{approved['agreementId']}", "garage", 200, {"status": "ended"})
    assert city.sta("Datastreams(1)/Observations", "waste") == 404

    # A grant, then revoked; an offer that accepts at once; a withdrawn offer takes no requests.
    grant = city.call("POST", f"/datasets/{dataset['id']}/grants", "garage", 201, {"partyId": city.party("gemeente", "organisation")})
    city.key("gemeente", grant["partyId"])
    assert city.sta("Datastreams(1)", "gemeente") == 200 and grant["status"] == "in force"
    city.call("DELETE", f"/grants/{grant['id']}", "gemeente", 403)
    city.call("DELETE", f"/grants/{grant['id']}", "garage", 204)
    assert city.sta("Datastreams(1)", "gemeente") == 404
    auto = city.call("POST", f"/datasets/{dataset['id']}/offers", "garage", 201, {"policy": {**OFFER, "uid": "urn:x:auto"}, "autoAccept": True})
    quick = city.call("POST", "/access-requests", "gemeente", 201, {"offerId": auto["id"], "purpose": "route planning"})
    assert quick["status"] == "approved" and quick["decidedBy"] == f"offer:{auto['id']}"
    assert city.sta("Datastreams(1)", "gemeente") == 200
    city.call("DELETE", f"/offers/{auto['id']}", "garage", 204)
    city.call("POST", "/access-requests", "other", 409, {"offerId": auto["id"], "purpose": "route planning"})
    assert city.sta("Datastreams(1)", "gemeente") == 200  # the agreement stays


def test_resident_consent_given_and_withdrawn(city: City) -> None:
    bewoner = city.party("bewoner", "resident")
    gemeente = city.party("gemeente", "organisation")
    city.call("POST", "/users", "admin", 201, {"username": "bewoner", "password": "mijn huis mijn data", "partyId": bewoner})
    city.h["bewoner"] = {"Authorization": "Basic " + base64.b64encode(b"bewoner:mijn huis mijn data").decode()}
    city.key("gemeente", gemeente)
    city.key("buurman", city.party("buurman", "resident"), write=True)
    home = city.call("POST", "/datasets", "bewoner", 201, {"name": "woning", "title": "Mijn woning", "accessLevel": "non-public"})
    city.call("PUT", f"/datasets/{home['id']}/datastreams/2", "admin", 204)
    assert city.call("GET", "/datasets", "anonymous", 200)["_embedded"]["datasets"] == []  # non-public: not listed
    assert city.sta("Datastreams(2)/Observations", "gemeente") == 404
    city.call("POST", f"/datasets/{home['id']}/grants", "bewoner", 409, {"partyId": gemeente})  # residents share by consent

    consent = city.call("POST", "/consents", "bewoner", 201, {"datasetId": home["id"], "partyId": gemeente, "purpose": "energy advice"})
    assert consent["status"] == "given"
    assert city.sta("Datastreams(2)/Observations", "gemeente") == 200
    assert [c["id"] for c in city.call("GET", "/consents", "gemeente", 200)["_embedded"]["consents"]] == [consent["id"]]
    city.call("POST", "/consents", "buurman", 404, {"datasetId": home["id"], "partyId": gemeente, "purpose": "x"})
    city.call("PATCH", f"/consents/{consent['id']}", "buurman", 404, {"status": "withdrawn"})
    city.call("PATCH", f"/consents/{consent['id']}", "gemeente", 403, {"status": "withdrawn"})
    # The resident sees who read the data, then withdraws; it counts from the very next request.
    readers = city.call("GET", f"/audit-events?datasetId={home['id']}", "bewoner", 200)["_embedded"]["auditEvents"]
    assert [(e["partyId"], e["basis"]) for e in readers] == [(gemeente, "consent")]
    assert city.call("PATCH", f"/consents/{consent['id']}", "bewoner", 200, {"status": "withdrawn"})["status"] == "withdrawn"
    assert city.sta("Datastreams(2)/Observations", "gemeente") == 404
    city.call("PATCH", f"/consents/{consent['id']}", "bewoner", 409, {"status": "withdrawn"})
    mine = city.call("GET", f"/consents?datasetId={home['id']}", "bewoner", 200)["_embedded"]["consents"]
    assert [(c["partyId"], c["status"]) for c in mine] == [(gemeente, "withdrawn")]
