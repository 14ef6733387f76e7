"""ODRL `spatial` and `recipient` constraints, end to end on both backends.

A parking company shares its garages' occupancy under an Offer that covers only the city centre
(`spatial isPartOf` a polygon) and is not for its competitor (`recipient isNoneOf`). A waste
company that gets an Agreement sees the two garages inside the centre — on every read path:
collections, by id, navigation, `$expand`, `$filter` across relations, `$count`, latest values,
series — and nothing of the garage outside it; the competitor cannot get an Agreement at all."""

from __future__ import annotations

import copy
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
from tests.integration.access.test_management_api import City
from tests.integration.sta.conftest import stream_body, thing_body

OFFER = json.loads((Path(__file__).parents[3] / "docs/examples/offer-parkeren.json").read_text())
CENTRE = {"type": "Polygon", "coordinates": [[[6.08, 52.50], [6.11, 52.50], [6.11, 52.52], [6.08, 52.52], [6.08, 52.50]]]}
GARAGES = {"Garage Markt": (6.09, 52.51), "Garage Station": (6.10, 52.505), "Garage Zuid": (6.20, 52.45)}  # Zuid: outside
INSIDE = {"Garage Markt", "Garage Station"}
T = "2026-05-01T10:00:00Z"


@pytest.fixture
def city(store: Store, tmp_path: Path) -> Iterator[City]:
    key = generate_api_key()
    with store.write() as tx:
        tx.access.add_api_key(key.prefix, key.key_hash, "beheer", None, is_admin=True, can_write=True, expires_at=None, now=datetime.now(UTC))
    settings = Settings(database=str(tmp_path / "x.db"), access_mode="enforced", default_access_level="public")
    with TestClient(create_app(settings, store=store)) as client:
        city = City(client, {"Authorization": f"Bearer {key.secret_key}"})
        for name, (lon, lat) in GARAGES.items():
            body = thing_body(name, lon, lat, [stream_body(f"{name} vrij", "vacant", {"name": "places"}, [(T, 10.0), ("2026-05-01T11:00:00Z", 12.0)])])
            assert client.post("/v1.1/Things", json=body, headers=city.h["admin"]).status_code == 201
        yield city


def centre_offer(competitor: int) -> dict[str, Any]:
    offer = copy.deepcopy(OFFER)
    offer["uid"] = "urn:x:centrum"
    offer["permission"][0]["constraint"] += [
        {"leftOperand": "spatial", "operator": "isPartOf", "rightOperand": CENTRE},
        {"leftOperand": "recipient", "operator": "isNoneOf", "rightOperand": [f"urn:stadsdata:party:{competitor}"]},
    ]
    return offer


def names(city: City, path: str, who: str) -> set[str]:
    response = city.client.get(f"/v1.1/{path}", headers=city.h[who])
    assert response.status_code == 200, response.text
    return {e["name"] for e in response.json()["value"]}


def test_spatial_and_recipient_constraints(city: City) -> None:
    garage = city.party("garagebedrijf", "company")
    competitor = city.party("parkeerconcurrent", "company")
    waste = city.party("afvalbedrijf", "company")
    city.key("garage", garage, write=True)
    city.key("rival", competitor)
    city.key("waste", waste)
    dataset = city.call("POST", "/datasets", "garage", 201, {"name": "parkeren", "title": "Bezetting", "accessLevel": "restricted"})
    for stream in (1, 2, 3):
        city.call("PUT", f"/datasets/{dataset['id']}/datastreams/{stream}", "admin", 204)

    bad = copy.deepcopy(OFFER)
    bad["permission"][0]["constraint"].append({"leftOperand": "spatial", "operator": "isPartOf", "rightOperand": {"type": "Point", "coordinates": [6, 52]}})
    assert city.call("POST", f"/datasets/{dataset['id']}/offers", "garage", 400, {"policy": bad})["field"].endswith("constraint[3]/rightOperand")
    bad["permission"][0]["constraint"][3] = {"leftOperand": "recipient", "operator": "isNoneOf", "rightOperand": "de concurrent"}
    assert "party IRI" in city.call("POST", f"/datasets/{dataset['id']}/offers", "garage", 400, {"policy": bad})["detail"]
    offer = city.call("POST", f"/datasets/{dataset['id']}/offers", "garage", 201, {"policy": centre_offer(competitor), "autoAccept": True})

    # The competitor is no recipient of this offer: refused when it asks, naming the constraint.
    refused = city.call("POST", "/access-requests", "rival", 400, {"offerId": offer["id"], "purpose": "route planning"})
    assert refused["field"] == "recipient"
    assert names(city, "Datastreams", "rival") == set()

    granted = city.call("POST", "/access-requests", "waste", 201, {"offerId": offer["id"], "purpose": "route planning"})
    assert granted["status"] == "approved"

    inside_streams = {f"{g} vrij" for g in INSIDE}
    assert names(city, "Datastreams", "garage") == {f"{g} vrij" for g in GARAGES}  # the owner sees all three
    assert names(city, "Datastreams", "waste") == inside_streams
    assert names(city, "Things", "waste") == INSIDE
    assert names(city, "Locations", "waste") == {f"{g} location" for g in INSIDE}
    assert names(city, "Things?$expand=Datastreams", "waste") == INSIDE
    assert names(city, "Datastreams?$filter=Thing/name eq 'Garage Zuid'", "waste") == set()
    assert names(city, "Things?$filter=Datastreams/name eq 'Garage Zuid vrij'", "waste") == set()
    assert city.client.get("/v1.1/Datastreams(3)", headers=city.h["waste"]).status_code == 404
    assert city.client.get("/v1.1/Datastreams(3)/Observations", headers=city.h["waste"]).status_code == 404
    assert city.client.get("/v1.1/Datastreams(1)/Observations", headers=city.h["waste"]).status_code == 200
    observations = city.client.get("/v1.1/Observations?$count=true&$expand=Datastream", headers=city.h["waste"]).json()
    assert observations["@iot.count"] == 4 and {o["Datastream"]["name"] for o in observations["value"]} == inside_streams
    features = city.client.get("/v1.1/FeaturesOfInterest?$count=true", headers=city.h["waste"]).json()
    assert features["@iot.count"] == 2
    expanded = city.client.get("/v1.1/Things?$expand=Datastreams/Observations", headers=city.h["waste"]).json()["value"]
    assert sorted(len(s["Observations"]) for t in expanded for s in t["Datastreams"]) == [2, 2]

    latest = city.client.get("/api/v1/latest-values", headers=city.h["waste"]).json()
    assert {f["properties"]["name"] for f in latest["features"]} == INSIDE
    assert city.client.get("/api/v1/datastreams/3/series?from=2026-05-01T00:00:00Z&to=2026-05-02T00:00:00Z", headers=city.h["waste"]).status_code == 404
    series = city.client.get("/api/v1/datastreams/1/series?from=2026-05-01T00:00:00Z&to=2026-05-02T00:00:00Z", headers=city.h["waste"])
    assert series.status_code == 200, series.text

    # What was read is metered under the agreement and audited for the owner.
    agreement = city.call("GET", f"/agreements/{granted['agreementId']}", "waste", 200)
    assert agreement["usage"]["recordsRead"] > 0
    trail = city.call("GET", f"/audit-events?datasetId={dataset['id']}", "garage", 200)["_embedded"]["auditEvents"]
    theirs = [e for e in trail if e["partyId"] == waste]
    assert theirs and {(e["basis"], e["grantId"]) for e in theirs} == {("agreement", granted["agreementId"])}
