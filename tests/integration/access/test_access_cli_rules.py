"""The access CLI writes through `stadsdata.management` as the operator (an administrator), on
both backends: the management rules hold for it too, a refusal is `error: <detail>` with exit
code 1 and writes nothing, and what it prints stays as it was."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from stadsdata.app import create_app
from stadsdata.cli import app as cli
from stadsdata.settings import Settings
from stadsdata.store.base import AuditEvent, Store
from stadsdata.store.postgres.backend import PostgresStore
from tests.conftest import POSTGRES_URL
from tests.integration.sta.conftest import created_id, stream_body, thing_body

OFFER = json.loads((Path(__file__).parents[3] / "docs/examples/offer-parkeren.json").read_text(encoding="utf-8"))


class Cli:
    def __init__(self, database: str) -> None:
        self.database = database

    def invoke(self, *args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, [*args, "--database", self.database], input=input)

    def run(self, *args: str, input: str | None = None) -> str:
        result = self.invoke(*args, input=input)
        assert result.exit_code == 0, result.output
        return result.stdout

    def refused(self, *args: str, says: str) -> None:
        result = self.invoke(*args)
        assert result.exit_code == 1, result.output
        assert result.stderr.strip() == f"error: {says}"


@pytest.fixture
def city(store: Store, tmp_path: Path) -> tuple[Cli, Store, list[int]]:
    """Parties and datasets made with the CLI, and two Datastreams in no dataset yet."""
    database = POSTGRES_URL if isinstance(store, PostgresStore) else str(tmp_path / "stadsdata.db")
    with TestClient(create_app(Settings(database=database, access_mode="open"), store=store)) as setup:
        streams = [stream_body(name, name, {"name": "x"}, []) for name in ("vacant", "occupied")]
        created_id(setup.post("/v1.1/Things", json=thing_body("Garage", 6.09, 52.51, streams)))
        stream_ids = sorted(d["@iot.id"] for d in setup.get("/v1.1/Datastreams").json()["value"])
    store.open()  # the set-up app closed it on exit
    run = Cli(database)
    assert run.run("parties", "add", "gemeente").startswith("party 1: gemeente (organisation)")
    run.run("parties", "add", "verkeer", "--kind", "department", "--parent", "gemeente")
    run.run("parties", "add", "garagebedrijf", "--kind", "company")
    run.run("parties", "add", "afvalbedrijf", "--kind", "company")
    run.run("parties", "add", "bewoner", "--kind", "resident")
    run.run("datasets", "add", "parkeren", "--title", "Bezetting", "--level", "restricted", "--owner", "garagebedrijf")
    run.run("datasets", "add", "woning", "--title", "Mijn huis", "--level", "non-public", "--owner", "bewoner")
    run.run("datasets", "add", "lucht", "--title", "Lucht", "--level", "public", "--owner", "gemeente", "--personal-field", "result.id")
    return run, store, stream_ids


def rows(store: Store, table: str, **where: Any) -> list[dict[str, Any]]:
    with store.read_only() as tx:
        return tx.access.rows(table, where, limit=1000)


def test_parties_users_and_keys_follow_the_management_rules(city: tuple[Cli, Store, list[int]]) -> None:
    run, store, _ = city
    assert [(p["name"], p["parent_id"]) for p in rows(store, "parties", name="verkeer")] == [("verkeer", 1)]
    run.refused("parties", "add", "gemeente", says="a party named 'gemeente' exists")
    run.refused("parties", "add", "x", "--kind", "department", "--parent", "nobody", says="no party named 'nobody' (stadsdata parties add …)")
    assert not rows(store, "parties", name="x")

    assert run.run("users", "add", "lezer", "--party", "verkeer", "--read-only", "--password-stdin", input="correct horse\n") == "user 1: lezer (read-only)\n"
    assert run.run("users", "add", "beheer", "--admin", "--read-only", "--password-stdin", input="correct horse\n") == "user 2: beheer (admin)\n"
    assert [(u["username"], u["can_write"], u["is_admin"]) for u in rows(store, "users")] == [("lezer", False, False), ("beheer", True, True)]
    run.refused("users", "add", "lezer", "--password-stdin", says="a user named 'lezer' exists")

    made = run.invoke("keys", "create", "sensoren", "--party", "garagebedrijf", "--write", "--expires-days", "30")
    assert made.exit_code == 0 and made.stdout.startswith("sdk_")
    prefix = made.stdout.split("_")[1]
    assert made.stderr == f"(key {prefix}: store it now, it is not shown again)\n"
    (key,) = rows(store, "api_keys", prefix=prefix)
    assert key["can_write"] and not key["is_admin"] and key["expires_at"] > datetime.now(UTC) + timedelta(days=29)
    run.refused("keys", "create", "oud", "--expires-days", "-1", says="expiresAt is in the past")  # stricter: no key born expired
    assert run.run("keys", "revoke", prefix) == f"key {prefix} revoked\n"
    run.refused("keys", "revoke", prefix, says=f"no active key with prefix {prefix!r}")
    run.refused("keys", "revoke", "nothing", says="no active key with prefix 'nothing'")


def test_datasets_and_streams(city: tuple[Cli, Store, list[int]]) -> None:
    run, store, (first, second) = city
    (lucht,) = rows(store, "datasets", name="lucht")
    assert lucht["personal_fields"] == ["result.id"] and lucht["owner_party_id"] == 1
    run.refused("datasets", "add", "lucht", "--title", "t", "--level", "public", says="a dataset named 'lucht' exists")
    run.refused("datasets", "assign", "nergens", "--datastream", str(first), says="no dataset named 'nergens' (stadsdata datasets add …)")
    # A stream that does not exist is refused (it used to be skipped), and then nothing is assigned.
    run.refused("datasets", "assign", "parkeren", "--datastream", str(first), "--datastream", "999", says="no Datastream(999)")
    assert {s["id"]: s["dataset_id"] for s in rows(store, "datastreams")} == {first: None, second: None}
    assert run.run("datasets", "assign", "parkeren", "--datastream", str(first), "--datastream", str(second)) == "2 stream(s) in parkeren\n"
    assert run.run("datasets", "assign", "lucht", "--datastream", str(second)) == "1 stream(s) in lucht\n"  # an admin moves it
    assert {s["id"]: s["dataset_id"] for s in rows(store, "datastreams")} == {first: 1, second: lucht["id"]}


def test_grants_and_consents(city: tuple[Cli, Store, list[int]]) -> None:
    run, store, _ = city
    assert run.run("grants", "add", "parkeren", "afvalbedrijf", "--until", "2030-01-01") == "grant 1: afvalbedrijf may read parkeren\n"
    assert rows(store, "dataset_grants")[0]["valid_until"] == datetime(2030, 1, 1, tzinfo=UTC)
    run.refused("grants", "add", "parkeren", "nobody", says="no party named 'nobody' (stadsdata parties add …)")
    # A resident's dataset is shared by consent, never by a grant; consent is for residents' datasets only.
    run.refused("grants", "add", "woning", "afvalbedrijf", says="a resident's dataset is shared by the resident's consent, not by grants (POST /consents)")
    run.refused("consents", "give", "parkeren", "afvalbedrijf", "--purpose", "x",
                says="consent is for datasets residents own; share other datasets by grants or offers")  # fmt: skip
    assert run.run("grants", "revoke", "1") == "grant 1 revoked\n"
    run.refused("grants", "revoke", "1", says="no grant 1 in force")
    run.refused("grants", "revoke", "7", says="no grant 7 in force")

    run.run("consents", "give", "woning", "afvalbedrijf", "--purpose", "energy advice")
    assert run.run("consents", "give", "woning", "gemeente", "--purpose", "research", "--until", "2031-02-03T04:05:06") == (
        "consent 2: gemeente may read woning for 'research'\n"
    )
    given = {c["id"]: c["given_at"] for c in rows(store, "consents")}
    listed = [line.split("\t") for line in run.run("consents", "list", "woning").splitlines()]
    assert listed == [  # newest first, times as ISO 8601 with +00:00
        ["2", "1", "research", "given", given[2].isoformat(), "2031-02-03T04:05:06+00:00"],
        ["1", "4", "energy advice", "given", given[1].isoformat(), ""],
    ]
    assert run.run("consents", "withdraw", "1") == "consent 1 withdrawn\n"
    run.refused("consents", "withdraw", "1", says="no given consent 1")
    run.refused("consents", "withdraw", "9", says="no given consent 9")
    assert [c[3] for c in (line.split("\t") for line in run.run("consents", "list", "woning").splitlines())] == ["given", "withdrawn"]


def test_offers_agreements_and_the_audit_log(city: tuple[Cli, Store, list[int]], tmp_path: Path) -> None:
    run, store, _ = city
    offer_file = tmp_path / "offer.json"
    afval = rows(store, "parties", name="afvalbedrijf")[0]["id"]
    only_afval = json.loads(json.dumps(OFFER))
    only_afval["permission"][0]["constraint"].append({"leftOperand": "recipient", "operator": "isAnyOf", "rightOperand": [f"urn:stadsdata:party:{afval}"]})
    offer_file.write_text(json.dumps(only_afval), encoding="utf-8")
    run.refused("offers", "add", "lucht", str(offer_file), says="a public dataset is open to everyone: it needs no offer")
    assert run.run("offers", "add", "parkeren", str(offer_file)) == f"offer 1: {OFFER['uid']} on parkeren\n"
    run.refused("offers", "add", "parkeren", str(offer_file), says=f"an offer with uid {OFFER['uid']!r} exists")
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    assert run.invoke("offers", "add", "parkeren", str(broken)).stderr.startswith(f"error: {broken}: ")

    # The Agreement names its party by id (as the API's do): a recipient constraint on ids admits it.
    run.refused("agreements", "make", "1", "gemeente", "--purpose", "route planning",
                says="the offer's recipient constraint does not admit urn:stadsdata:party:1")  # fmt: skip
    run.refused("agreements", "make", "5", "afvalbedrijf", "--purpose", "route planning", says="no offer 5")
    made = run.run("agreements", "make", "1", "afvalbedrijf", "--purpose", "route planning")
    (agreement,) = rows(store, "agreements")
    assert made == f"agreement {agreement['id']}: afvalbedrijf may read under {agreement['uid']}\n"
    assert {r["assignee"] for r in agreement["policy"]["permission"]} == {f"urn:stadsdata:party:{afval}"}
    assert agreement["offer_id"] == 1 and agreement["party_id"] == afval

    time = datetime(2026, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)
    events = [AuditEvent(time + timedelta(seconds=i), "key:abc", afval, agreement["dataset_id"], "agreement", agreement["id"], "read", 600, f"GET /v1.1/Observations?{i}") for i in range(2)]  # fmt: skip
    with store.write() as tx:
        tx.access.add_audit_events(events)
    assert run.run("agreements", "usage", str(agreement["id"])) == (
        f"agreement {agreement['id']} (active): 1200 records read of 10000\ndue: 5.00 Euro (2 × 2.50 per 1000 records)\n"
    )
    trail = run.run("audit", "list", "--dataset", "parkeren", "--limit", "1").splitlines()
    assert trail == [f"2026-05-01T10:00:01.123456+00:00\tkey:abc\t{afval}\t{agreement['dataset_id']}\tagreement\t{agreement['id']}\t600\tGET /v1.1/Observations?1"]
    assert len(run.run("audit", "list").splitlines()) == 2
    run.refused("audit", "list", "--dataset", "nergens", says="no dataset named 'nergens' (stadsdata datasets add …)")

    assert run.run("agreements", "end", str(agreement["id"])) == f"agreement {agreement['id']} ended\n"
    run.refused("agreements", "end", str(agreement["id"]), says=f"no active agreement {agreement['id']}")
    assert run.run("agreements", "usage", str(agreement["id"])).startswith(f"agreement {agreement['id']} (ended): 1200 records read")
    run.refused("agreements", "usage", "9", says="no agreement 9")
