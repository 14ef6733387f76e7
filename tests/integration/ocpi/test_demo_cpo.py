"""The demo city's charge point operator against a real `stadsdata serve` (access enforced): the
municipality registers it, it does the credentials handshake, pushes its charge points and two
days of sessions as CDRs, then status changes; the CDRs are Observations with the charge cards
pseudonymised, in LaadNet's restricted dataset, which the municipality reads by a grant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from stadsdata.access.api_keys import generate_api_key
from stadsdata.app import open_store
from stadsdata.demo import charge_point_operator as cpo
from stadsdata.settings import Settings
from tests.conftest import running_server


def test_the_demo_cpo_feeds_the_platform_over_ocpi(tmp_path: Path) -> None:
    database = str(tmp_path / "cpo.db")
    store = open_store(Settings(database=database))
    key = generate_api_key()
    now = datetime.now(UTC)
    with store.write() as tx:
        tx.access.add_api_key(key.prefix, key.key_hash, "admin", None, is_admin=True, can_write=True, expires_at=None, now=now)
        laadnet = tx.access.add_party(cpo.NAME, "company", None, now)
        tx.access.add_party("Gemeente Veenhaven", "organisation", None, now)
    store.close()
    with running_server(database, env={"STADSDATA_ACCESS_MODE": "enforced"}) as base:
        operator = cpo.DemoChargePointOperator(base, key.secret_key)
        admin = {"X-API-Key": key.secret_key}
        with httpx.Client(base_url=base, timeout=30) as http:
            assert operator.register(http) is True
            operator.push_history(http, now, hours=24)
            operator.push_locations(http, now)
            operator.push_round(http, now + timedelta(hours=1))
            assert operator.register(http) is False  # a restart: registered again with a new token, no second dataset

            [party] = http.get("/api/v1/ocpi/parties", headers=admin).json()["_embedded"]["parties"]
            assert (party["status"], party["partyId"]) == ("registered", "LNV")
            dataset = http.get(f"/api/v1/datasets/{party['datasetId']}", headers=admin).json()
            assert (dataset["accessLevel"], dataset["ownerPartyId"]) == ("restricted", laadnet)
            grants = http.get(f"/api/v1/grants?datasetId={party['datasetId']}", headers=admin).json()["_embedded"]["grants"]
            assert len(grants) == 1  # the municipality reads it
            things = http.get("/v1.1/Things?$count=true&$top=0", headers=admin).json()["@iot.count"]
            assert things == len(cpo.LOCATIONS)
            query = "/v1.1/Observations?$filter=Datastream/ObservedProperty/name eq 'energy delivered'&$top=1000"
            cdrs = http.get(query, headers=admin).json()["value"]
            assert cdrs, "no CDR in two days of sessions"
            cards = {c["parameters"]["cdr_token"]["uid"] for c in cdrs}
            assert all(card.startswith("pseudonym:") for card in cards) and not cards & set(cpo.CARDS)
            assert http.get(query).json()["value"] == []  # restricted: not for the anonymous
