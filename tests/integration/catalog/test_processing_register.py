"""The processing register (GDPR art. 30) on both backends (`stadsdata/catalog/processing_register.py`,
`GET /api/v1/processing-register`): every dataset with personal data that the caller is shown,
with its record of processing and its recipients from the grants, consents and agreements in
force — never a resident's name — as JSON and as CSV.

The city is that of the access tests (tests/integration/access/test_dataset_access.py): the
garage company's restricted parking data (granted to a waste company), the municipality's
non-public energy data, a resident's home sensors; here the parking data is marked as personal
data (number plates), and sharing is added on it: a grant to the other resident, a grant revoked,
an agreement of the municipality from an Offer, and on the resident's data a consent in force and
one withdrawn."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration.access.test_dataset_access import city  # noqa: F401 - a fixture

OFFER = json.loads((Path(__file__).parents[3] / "docs/examples/offer-parkeren.json").read_text(encoding="utf-8"))
PARKING = {"purpose": "Handhaving van parkeerduur", "legalBasis": "public-task", "dataCategories": ["kenteken (gepseudonimiseerd)", "tijdstip"],
           "subjectCategories": ["parkeerders"], "retention": "30 dagen"}  # fmt: skip
HOME = {"purpose": "Luchtmeting bij huis", "legalBasis": "consent", "dataCategories": ["meetwaarden bij een woonadres"],
        "subjectCategories": ["inwoners"], "retention": "tot afmelding"}  # fmt: skip
RESIDENTS = ("bewoner", "buurman")  # the parties that are residents: never named in the register
SHOWN = {"anonymous": {"parkeren", "intern"}, "buurman": {"parkeren", "intern"}, "afvalbedrijf": {"parkeren", "intern"},
         "gemeente": {"parkeren", "intern", "woning"}, "bewoner": {"parkeren", "intern", "woning"},
         "admin": {"parkeren", "intern", "woning"}}  # fmt: skip


def call(client: Any, method: str, path: str, headers: dict[str, str], body: Any = None, status: int = 200) -> Any:
    response = client.request(method, f"/api/v1{path}", headers=headers, json=body)
    assert response.status_code == status, response.text
    return response.json() if response.content else None


@pytest.fixture
def shared(city: Any) -> tuple[Any, dict[str, dict[str, str]]]:  # noqa: F811
    """The city with personal data marked and its sharing in force (and some no longer)."""
    client, headers = city
    admin = headers["admin"]
    party = {p["name"]: p["id"] for p in call(client, "GET", "/parties?limit=1000", admin)["_embedded"]["parties"]}
    dataset = {name: call(client, "GET", f"/catalog/{name}", admin)["id"] for name in ("parkeren", "intern", "woning")}
    call(client, "PATCH", f"/datasets/{dataset['parkeren']}", admin, {"metadata": {"personalData": True, "processing": PARKING}})
    call(client, "PATCH", f"/datasets/{dataset['intern']}", admin, {"metadata": {"personalData": True}})  # no record yet
    call(client, "PATCH", f"/datasets/{dataset['woning']}", admin, {"metadata": {"processing": HOME}})  # a resident's: personal by default
    call(client, "POST", f"/datasets/{dataset['parkeren']}/grants", admin, {"partyId": party["buurman"]}, 201)
    revoked = call(client, "POST", f"/datasets/{dataset['parkeren']}/grants", admin, {"partyId": party["verkeer"]}, 201)
    call(client, "DELETE", f"/grants/{revoked['id']}", admin, status=204)
    offer = call(client, "POST", f"/datasets/{dataset['parkeren']}/offers", admin, {"policy": OFFER, "autoAccept": True}, 201)
    asked = call(client, "POST", "/access-requests", headers["gemeente"], {"offerId": offer["id"], "purpose": "route planning"}, 201)
    assert asked["status"] == "approved"
    call(client, "POST", "/consents", admin, {"datasetId": dataset["woning"], "partyId": party["gemeente"], "purpose": "luchtonderzoek"}, 201)
    withdrawn = call(client, "POST", "/consents", admin, {"datasetId": dataset["woning"], "partyId": party["garagebedrijf"], "purpose": "x"}, 201)
    call(client, "PATCH", f"/consents/{withdrawn['id']}", admin, {"status": "withdrawn"})
    return client, headers


def records(client: Any, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    body = call(client, "GET", "/processing-register", headers)
    assert body["count"] == len(body["_embedded"]["records"])
    assert body["_links"]["csv"]["href"] == "http://testserver/api/v1/processing-register?format=csv"
    return {r["dataset"]["name"]: r for r in body["_embedded"]["records"]}


def recipients(record: dict[str, Any]) -> set[tuple[str | None, str, str, str | None]]:
    return {(r["name"], r["kind"], r["basis"], r["purpose"]) for r in record["recipients"]}


def test_each_record_has_its_purpose_basis_categories_retention_and_recipients(shared: Any) -> None:
    client, headers = shared
    found = records(client, headers["admin"])
    assert list(found) == ["intern", "parkeren", "woning"]  # by title; no dataset without personal data
    parking = found["parkeren"]
    assert parking["processing"] == PARKING and parking["controller"] == "garagebedrijf"
    assert parking["dataset"]["accessLevel"] == "restricted" and parking["dataset"]["href"] == "http://testserver/api/v1/catalog/parkeren"
    assert recipients(parking) == {
        ("afvalbedrijf", "company", "grant", None),
        (None, "resident", "grant", None),  # the other resident: a recipient, not named
        ("gemeente", "organisation", "agreement", "route planning"),
    }  # the revoked grant of 'verkeer' is not in force: not a recipient
    home = found["woning"]
    assert home["processing"] == HOME
    assert home["controller"] is None  # the resident who owns it
    assert recipients(home) == {("gemeente", "organisation", "consent", "luchtonderzoek")}  # not the withdrawn consent
    assert found["intern"]["processing"] is None and found["intern"]["controller"] == "gemeente"  # the gap shows
    assert recipients(found["intern"]) == set()


@pytest.mark.parametrize("caller", list(SHOWN))
def test_each_caller_sees_the_records_of_the_datasets_it_is_shown_and_no_residents_name(caller: str, shared: Any) -> None:
    client, headers = shared
    assert set(records(client, headers[caller])) == SHOWN[caller]
    for path in ("/processing-register", "/processing-register?format=csv"):
        text = client.get(f"/api/v1{path}", headers=headers[caller]).text.lower()
        assert not any(name in text for name in RESIDENTS), (caller, path)


def test_the_register_as_csv(shared: Any) -> None:
    client, headers = shared
    admin = headers["admin"]
    parkeren = call(client, "GET", "/catalog/parkeren", admin)["id"]
    call(client, "PATCH", f"/datasets/{parkeren}", admin, {"metadata": {"processing": {**PARKING, "retention": "=HYPERLINK(\"x\")"}}})
    response = client.get("/api/v1/processing-register?format=csv", headers=headers["anonymous"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "processing-register.csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["dataset"] for r in rows] == ["intern", "parkeren"]
    parking = rows[1]
    assert parking["purpose"] == PARKING["purpose"] and parking["legalBasis"] == "public-task" and parking["recorded"] == "yes"
    assert parking["dataCategories"] == "kenteken (gepseudonimiseerd); tijdstip" and parking["controller"] == "garagebedrijf"
    assert set(parking["recipients"].split("; ")) == {"afvalbedrijf (grant)", "resident (grant)", "gemeente (agreement: route planning)"}
    assert parking["retention"] == "'=HYPERLINK(\"x\")"  # not a formula in a spreadsheet
    assert parking["url"] == "http://testserver/catalog/parkeren"  # the dataset's page
    assert rows[0]["recorded"] == "no" and rows[0]["purpose"] == ""
    bad = client.get("/api/v1/processing-register?format=xml", headers=headers["anonymous"])
    assert bad.status_code == 400 and "format" in bad.text
