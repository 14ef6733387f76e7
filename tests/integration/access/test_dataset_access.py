"""Dataset access on every SensorThings read and write path, on both backends.

A small city: public air data of the municipality, a garage company's restricted parking data
(granted to a waste company), the municipality's non-public energy data, a resident's
non-public home sensors (a Datastream and a MultiDatastream), a street light in no dataset
(default level: public) and a bench without any stream. Each kind of caller must see exactly
its part — on collections, by id, through navigation, `$expand`, `$filter` across relations,
`$count`, dataArray and `$batch` — and write only where allowed."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stadsdata.access.api_keys import generate_api_key
from stadsdata.access.passwords import hash_password
from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.sta.conftest import COMPLEX, assert_problem, created_id, stream_body, thing_body

T = "2026-05-01T10:00:00Z"
STREAMS = {  # Datastream name -> (Thing, dataset or None)
    "pm10": ("Luchtkast", "lucht"),
    "vacant": ("Garage", "parkeren"),
    "energy": ("Gemeentehuis", "intern"),
    "temperature": ("Woning", "woning"),
    "light": ("Lantaarnpaal", None),
}
MULTI = ("klimaat", "Woning", "woning")  # a MultiDatastream of the resident
DATASETS = {"lucht": ("public", "gemeente"), "parkeren": ("restricted", "garagebedrijf"),
            "intern": ("non-public", "gemeente"), "woning": ("non-public", "bewoner")}  # fmt: skip
# Caller -> the datasets it sees (None: streams in no dataset, visible by the default level).
VISIBLE: dict[str, set[str | None]] = {
    "anonymous": {"lucht", None},
    "admin": {"lucht", "parkeren", "intern", "woning", None},
    "gemeente": {"lucht", "intern", None},
    "verkeer": {"lucht", "intern", None},  # a department of the municipality
    "garagebedrijf": {"lucht", "parkeren", None},
    "afvalbedrijf": {"lucht", "parkeren", None},  # by a grant
    "bewoner": {"lucht", "woning", None},  # a user with a password
    "buurman": {"lucht", None},  # another resident
}


def visible_streams(caller: str) -> set[str]:
    return {name for name, (_, dataset) in STREAMS.items() if dataset in VISIBLE[caller]}


def visible_things(caller: str) -> set[str]:
    things = {STREAMS[s][0] for s in visible_streams(caller)} | {"Bankje"}  # the bench has no stream
    if MULTI[2] in VISIBLE[caller]:
        things.add(MULTI[1])
    return things


@pytest.fixture
def city(store: Store, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    """The city, built in open mode, then served with access control enforced. Yields the client
    and the request headers of each caller."""
    with TestClient(create_app(Settings(database=str(tmp_path / "x.db"), access_mode="open"), store=store)) as setup:
        for name, (thing, _) in STREAMS.items():
            body = thing_body(thing, 6.09, 52.51, [stream_body(name, f"{name} property", {"name": "x"}, [(T, 1.0)])])
            created_id(setup.post("/v1.1/Things", json=body))
        woning = setup.get("/v1.1/Things?$filter=name eq 'Woning'").json()["value"][0]["@iot.id"]
        multi = {
            "name": MULTI[0], "description": "klimaat", "observationType": COMPLEX, "Thing": {"@iot.id": woning},
            "unitOfMeasurements": [{"name": "°C"}, {"name": "%"}], "multiObservationDataTypes": [MEASUREMENT_TYPE] * 2,
            "Sensor": {"name": "klimaat sensor", "description": "s", "encodingType": "application/pdf", "metadata": "m"},
            "ObservedProperties": [{"name": "binnen temperatuur", "definition": "d1", "description": "t"},
                                   {"name": "binnen vocht", "definition": "d2", "description": "h"}],
            "Observations": [{"phenomenonTime": T, "result": [20.5, 55]}],
        }  # fmt: skip
        created_id(setup.post("/v1.1/MultiDatastreams", json=multi))
        created_id(setup.post("/v1.1/Things", json={"name": "Bankje", "description": "a bench"}))
        stream_ids = {d["name"]: d["@iot.id"] for d in setup.get("/v1.1/Datastreams").json()["value"]}
        multi_id = setup.get("/v1.1/MultiDatastreams").json()["value"][0]["@iot.id"]

    store.open()  # the set-up app closed it on exit
    now = datetime.now(UTC)
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    with store.write() as tx:
        records = tx.access
        party = {}
        for name, kind, parent in [("gemeente", "organisation", None), ("verkeer", "department", "gemeente"),
                                   ("garagebedrijf", "company", None), ("afvalbedrijf", "company", None),
                                   ("bewoner", "resident", None), ("buurman", "resident", None)]:  # fmt: skip
            party[name] = records.add_party(name, kind, party.get(parent) if parent else None, now)
        dataset = {
            name: records.add_dataset(name, name.title(), level, party[owner], "", now)
            for name, (level, owner) in DATASETS.items()
        }
        for name, (_, ds) in STREAMS.items():
            if ds is not None:
                records.assign_streams(dataset[ds], [stream_ids[name]], [])
        records.assign_streams(dataset[MULTI[2]], [], [multi_id])
        records.add_grant(dataset["parkeren"], party["afvalbedrijf"], None, None, now)
        for name in ("admin", "gemeente", "verkeer", "garagebedrijf", "afvalbedrijf", "buurman"):
            key = generate_api_key()
            records.add_api_key(
                key.prefix, key.key_hash, name, party.get(name), is_admin=name == "admin",
                can_write=name in ("admin", "garagebedrijf"), expires_at=None, now=now,
            )  # fmt: skip
            headers[name] = {"Authorization": f"Bearer {key.secret_key}"}
        records.add_user("bewoner", hash_password("correct horse"), party["bewoner"], False, now)
        headers["bewoner"] = {"Authorization": "Basic " + base64.b64encode(b"bewoner:correct horse").decode()}
    # notify_private_networks: the NGSI-LD notification leak test's receiver listens on 127.0.0.1
    settings = Settings(database=str(tmp_path / "x.db"), access_mode="enforced", default_access_level="public", notify_private_networks=True)
    with TestClient(create_app(settings, store=store)) as client:
        yield client, headers


MEASUREMENT_TYPE = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
CALLERS = list(VISIBLE)


def names(client: TestClient, headers: dict[str, str], path: str) -> set[str]:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return {e["name"] for e in response.json()["value"]}


@pytest.mark.parametrize("caller", CALLERS)
def test_collections_show_exactly_the_visible_part(caller: str, city: Any) -> None:
    client, headers = city
    h = headers[caller]
    streams = visible_streams(caller)
    assert names(client, h, "/v1.1/Datastreams") == streams
    assert names(client, h, "/v1.1/Things") == visible_things(caller)
    assert names(client, h, "/v1.1/Sensors") == {f"{s} sensor" for s in streams} | (
        {"klimaat sensor"} if "woning" in VISIBLE[caller] else set()
    )
    props = {f"{s} property" for s in streams} | ({"binnen temperatuur", "binnen vocht"} if "woning" in VISIBLE[caller] else set())
    assert names(client, h, "/v1.1/ObservedProperties") == props
    assert names(client, h, "/v1.1/Locations") == {f"{t} location" for t in visible_things(caller) if t != "Bankje"}
    assert names(client, h, "/v1.1/MultiDatastreams") == ({MULTI[0]} if "woning" in VISIBLE[caller] else set())
    observations = client.get("/v1.1/Observations?$count=true&$expand=Datastream($select=name)", headers=h).json()
    expected_obs = len(streams) + (1 if "woning" in VISIBLE[caller] else 0)
    assert observations["@iot.count"] == len(observations["value"]) == expected_obs
    assert {o["Datastream"]["name"] for o in observations["value"] if o.get("Datastream")} == streams
    features = client.get("/v1.1/FeaturesOfInterest", headers=h).json()["value"]
    thing_with_obs = {STREAMS[s][0] for s in streams} | ({"Woning"} if "woning" in VISIBLE[caller] else set())
    assert {f["name"] for f in features} == {f"{t} location" for t in thing_with_obs}
    history = client.get("/v1.1/HistoricalLocations?$expand=Thing($select=name)", headers=h).json()["value"]
    assert {x["Thing"]["name"] for x in history} == visible_things(caller) - {"Bankje"}


@pytest.mark.parametrize("caller", ["anonymous", "buurman", "garagebedrijf"])
def test_hidden_entities_are_not_found_on_any_path(caller: str, city: Any) -> None:
    """By id, through navigation, as $value, $ref, in $expand and through $filter across
    relations: a hidden entity is absent (404 or left out), never a 403 that confirms it."""
    client, headers = city
    h = headers[caller]
    everything = headers["admin"]
    hidden = [n for n in STREAMS if n not in visible_streams(caller)]
    assert hidden
    all_streams = {d["name"]: d for d in client.get("/v1.1/Datastreams?$expand=Thing,Observations", headers=everything).json()["value"]}
    for name in hidden:
        stream = all_streams[name]
        ds, thing, obs = stream["@iot.id"], stream["Thing"]["@iot.id"], stream["Observations"][0]["@iot.id"]
        for path in (f"Datastreams({ds})", f"Datastreams({ds})/name/$value", f"Datastreams({ds})/Observations",
                     f"Observations({obs})", f"Observations({obs})/Datastream", f"Things({thing})",
                     f"Things({thing})/Datastreams", f"Observations({obs})/FeatureOfInterest"):  # fmt: skip
            assert_problem(client.get(f"/v1.1/{path}", headers=h), 404)
        assert client.get(f"/v1.1/Things({thing})/Datastreams/$ref", headers=h).status_code == 404
        # Side channels: filters across relations and counts reveal nothing.
        for path in (f"Observations?$filter=Datastream/name eq '{name}'&$count=true",
                     f"Things?$filter=Datastreams/name eq '{name}'&$count=true",
                     f"Sensors?$filter=Datastreams/name eq '{name}'&$count=true",
                     f"FeaturesOfInterest?$filter=Observations/Datastream/name eq '{name}'&$count=true",
                     f"Locations?$filter=Things/Datastreams/name eq '{name}'&$count=true"):  # fmt: skip
            body = client.get(f"/v1.1/{path}", headers=h).json()
            assert body["@iot.count"] == 0 and body["value"] == [], path
    # Expand from a visible entity never reaches hidden ones (the lamp's location is shared with no one).
    things = client.get("/v1.1/Things?$expand=Datastreams($expand=Observations),MultiDatastreams", headers=h).json()["value"]
    assert {d["name"] for t in things for d in t["Datastreams"]} == visible_streams(caller)
    assert all(t["MultiDatastreams"] == [] for t in things)
    array = client.get("/v1.1/Observations?$resultFormat=dataArray", headers=h).json()["value"]
    assert sum(len(part["dataArray"]) for part in array) == len(visible_streams(caller))


def test_batch_sub_requests_act_as_the_caller(city: Any) -> None:
    client, headers = city
    batch = {"requests": [{"id": "1", "method": "get", "url": "Datastreams?$select=name"},
                          {"id": "2", "method": "post", "url": "Things", "body": {"name": "x", "description": "y"}}]}  # fmt: skip
    answers = {r["id"]: r for r in client.post("/v1.1/$batch", json=batch, headers=headers["afvalbedrijf"]).json()["responses"]}
    assert {d["name"] for d in answers["1"]["body"]["value"]} == visible_streams("afvalbedrijf")
    assert answers["2"]["status"] == 403


def test_writes_need_the_right_credentials(city: Any) -> None:
    client, headers = city
    streams = {d["name"]: d["@iot.id"] for d in client.get("/v1.1/Datastreams", headers=headers["admin"]).json()["value"]}
    observation = {"phenomenonTime": T, "result": 3}
    # Anonymous: nothing.
    assert_problem(client.post("/v1.1/Things", json={"name": "a", "description": "b"}), 401)
    assert_problem(client.post("/v1.1/Observations", json={**observation, "Datastream": {"@iot.id": streams["light"]}}), 401)
    # The garage company may add observations to its own stream only.
    garage = headers["garagebedrijf"]
    assert client.post("/v1.1/Observations", json={**observation, "Datastream": {"@iot.id": streams["vacant"]}}, headers=garage).status_code == 201
    assert_problem(client.post("/v1.1/Observations", json={**observation, "Datastream": {"@iot.id": streams["pm10"]}}, headers=garage), 403)
    # A stream it cannot see is like one that does not exist (no existence oracle).
    assert_problem(client.post("/v1.1/Observations", json={**observation, "Datastream": {"@iot.id": 999999}}, headers=garage), 400, "Datastream")
    assert_problem(client.post("/v1.1/Observations", json={**observation, "Datastream": {"@iot.id": streams["energy"]}}, headers=garage), 400, "Datastream")
    document = [{"Datastream": {"@iot.id": streams["pm10"]}, "components": ["phenomenonTime", "result"], "dataArray": [[T, 1]]}]
    assert_problem(client.post("/v1.1/CreateObservations", json=document, headers=garage), 403)
    document[0]["Datastream"] = {"@iot.id": streams["vacant"]}
    assert client.post("/v1.1/CreateObservations", json=document, headers=garage).status_code == 201
    assert_problem(client.post("/v1.1/Things", json={"name": "a", "description": "b"}, headers=garage), 403)
    assert_problem(client.delete(f"/v1.1/Datastreams({streams['vacant']})", headers=garage), 403)
    # A key without write rights reads only.
    assert_problem(
        client.post("/v1.1/Observations", json={**observation, "Datastream": {"@iot.id": streams["vacant"]}}, headers=headers["afvalbedrijf"]),
        403,
    )
    # The admin writes everything.
    assert client.post("/v1.1/Things", json={"name": "a", "description": "b"}, headers=headers["admin"]).status_code == 201


@pytest.mark.parametrize(
    "authorization",
    ["Bearer sdk_nope_nope", "Bearer sdk_garbage", "Basic " + base64.b64encode(b"bewoner:wrong").decode(), "Basic !!!", "Digest x"],
)
def test_wrong_credentials_are_401_not_anonymous(authorization: str, city: Any) -> None:
    client, _ = city
    response = client.get("/v1.1/Datastreams", headers={"Authorization": authorization})
    problem = assert_problem(response, 401)
    assert "WWW-Authenticate" in response.headers
    assert problem["detail"]


def test_authenticated_answers_are_not_cached_by_proxies(city: Any) -> None:
    client, headers = city
    assert client.get("/v1.1/Datastreams", headers=headers["gemeente"]).headers["cache-control"] == "no-store"
    assert "cache-control" not in client.get("/v1.1/Datastreams").headers


def test_a_revoked_key_and_an_ended_grant_take_effect_on_the_next_request(city: Any, store: Store) -> None:
    client, headers = city
    waste = headers["afvalbedrijf"]
    assert "vacant" in names(client, waste, "/v1.1/Datastreams")
    with store.write() as tx:
        conn = tx.conn  # type: ignore[attr-defined]
        grant = conn.exec_driver_sql("SELECT id FROM dataset_grants").scalar()
        assert tx.access.revoke_grant(grant, datetime.now(UTC))
    assert "vacant" not in names(client, waste, "/v1.1/Datastreams")
    prefix = headers["buurman"]["Authorization"].split("_")[1]
    with store.write() as tx:
        assert tx.access.revoke_api_key(prefix, datetime.now(UTC))
    assert_problem(client.get("/v1.1/Datastreams", headers=headers["buurman"]), 401)


def audit(store: Store) -> list[tuple[str, str, str, int, bool]]:
    """(subject's name, dataset name, basis, records, has grant) of every audit event, oldest first."""
    with store.read_only() as tx:
        names = {tx.access.dataset_id(n): n for n in DATASETS}
        events = tx.access.audit_events(limit=1000)
    return [(e.subject, names[e.dataset_id], e.basis, e.records, e.grant_id is not None) for e in reversed(events)]


def test_reads_of_non_public_data_are_audited(city: Any, store: Store) -> None:
    client, headers = city
    assert audit(store) == []
    client.get("/v1.1/Observations?$expand=Datastream", headers=headers["afvalbedrijf"])  # lucht + parkeren
    client.get("/v1.1/Datastreams", headers=headers["buurman"])  # public only: nothing to record
    client.get("/v1.1/Observations")  # anonymous: public only
    client.get("/v1.1/Things?$expand=Datastreams($expand=Observations)", headers=headers["verkeer"])  # intern, as owner
    client.get("/v1.1/Datastreams?$filter=name eq 'nothing'", headers=headers["admin"])  # no records: nothing
    batch = {"requests": [{"id": "1", "method": "get", "url": "MultiDatastreams?$expand=Observations"}]}
    client.post("/v1.1/$batch", json=batch, headers=headers["bewoner"])  # woning, as owner, through $batch
    prefix = {name: h["Authorization"].split("_")[1] for name, h in headers.items() if name not in ("anonymous", "bewoner")}
    assert audit(store) == [
        (f"key:{prefix['afvalbedrijf']}", "parkeren", "grant", 2, True),  # one Observation, its Datastream
        (f"key:{prefix['verkeer']}", "intern", "owner", 2, False),
        ("user:bewoner", "woning", "owner", 2, False),  # the MultiDatastream and its Observation
    ]
    client.get("/v1.1/Datastreams", headers=headers["admin"])
    assert sorted(e[1:] for e in audit(store)[3:]) == [("intern", "admin", 1, False), ("parkeren", "admin", 1, False),
                                                         ("woning", "admin", 1, False)]  # fmt: skip


def test_a_writer_generates_the_feature_of_its_first_observation_under_a_closed_default(
    city: Any, store: Store, tmp_path: Path
) -> None:
    """With `non-public` as the default level, a feature without observations is hidden from
    non-admins — but the one generated for a writer's own first observation is usable."""
    client, headers = city
    admin = headers["admin"]
    thing = created_id(client.post("/v1.1/Things", json=thing_body("Garage 2", 6.2, 52.6, [stream_body("vacant 2", "vacant", {"name": "p"}, [])]), headers=admin))
    stream = client.get(f"/v1.1/Things({thing})/Datastreams", headers=admin).json()["value"][0]["@iot.id"]
    with store.write() as tx:
        tx.access.assign_streams(tx.access.dataset_id("parkeren"), [stream], [])
    closed = Settings(database=str(tmp_path / "x.db"), access_mode="enforced", default_access_level="non-public")
    with TestClient(create_app(closed, store=store)) as strict:
        garage = headers["garagebedrijf"]
        document = [{"Datastream": {"@iot.id": stream}, "components": ["phenomenonTime", "result"], "dataArray": [[T, 7]]}]
        assert strict.post("/v1.1/CreateObservations", json=document, headers=garage).status_code == 201
        single = {"phenomenonTime": T, "result": 8, "Datastream": {"@iot.id": stream}}
        assert strict.post("/v1.1/Observations", json=single, headers=garage).status_code == 201
        assert strict.get("/v1.1/Things", headers={}).json()["value"] != []  # public air data stays visible
        assert "Bankje" not in names(strict, {}, "/v1.1/Things")  # no stream: hidden under the closed default


def test_a_residents_data_follows_the_residents_consent(city: Any, store: Store) -> None:
    """The resident's home sensors: a grant by anyone else does not open them; the resident's
    consent does, while it is given; withdrawal hides them on the very next request; an expired
    consent counts for nothing; the resident sees who may read (consents) and who did (audit)."""
    client, headers = city
    company = headers["afvalbedrijf"]
    home = {"temperature"}
    assert not home & names(client, company, "/v1.1/Datastreams")
    now = datetime.now(UTC)
    with store.write() as tx:
        woning, company_party = tx.access.dataset_id("woning"), tx.access.party_id("afvalbedrijf")
        assert woning is not None and company_party is not None
        tx.access.add_grant(woning, company_party, None, None, now)  # not the resident's decision
    assert not home & names(client, company, "/v1.1/Datastreams")
    with store.write() as tx:
        consent = tx.access.add_consent(woning, company_party, "energy advice", None, now)
    assert home <= names(client, company, "/v1.1/Datastreams")
    assert names(client, company, "/v1.1/MultiDatastreams") == {MULTI[0]}
    assert client.get("/v1.1/Observations?$filter=Datastream/name eq 'temperature'&$count=true", headers=company).json()["@iot.count"] == 1
    with store.write() as tx:
        assert tx.access.withdraw_consent(consent, datetime.now(UTC))
    assert not home & names(client, company, "/v1.1/Datastreams")  # the very next request
    assert client.get("/v1.1/Observations?$filter=Datastream/name eq 'temperature'&$count=true", headers=company).json()["@iot.count"] == 0
    with store.write() as tx:
        tx.access.add_consent(woning, company_party, "energy advice", datetime(2020, 1, 1, tzinfo=UTC), now)
    assert not home & names(client, company, "/v1.1/Datastreams")  # expired
    with store.read_only() as tx:
        statuses = [(c.purpose, c.status) for c in tx.access.consents(woning, datetime.now(UTC))]
    assert statuses == [("energy advice", "expired"), ("energy advice", "withdrawn")]
    trail = [e for e in audit(store) if e[1] == "woning"]
    assert trail and all(e[2] == "consent" and e[4] for e in trail)  # read by consent, with its id
