"""The access CLI end to end on a SQLite file: parties, a user, keys, a dataset, a grant — and
the keys it prints work against the API."""

from __future__ import annotations

import base64
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from stadsdata.app import create_app
from stadsdata.cli import app as cli
from stadsdata.settings import Settings
from tests.integration.sta.conftest import assert_problem, created_id, stream_body, thing_body


def run(*args: str, input: str | None = None) -> str:
    result = CliRunner().invoke(cli, list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_cli_sets_up_who_may_see_and_write_what(tmp_path: Path) -> None:
    db = str(tmp_path / "city.db")
    d = ("--database", db)
    admin = run("keys", "create", "beheer", "--admin", *d).strip().splitlines()[0]
    settings = Settings(database=db, access_mode="enforced")
    with TestClient(create_app(settings)) as client:
        auth = {"Authorization": f"Bearer {admin}"}
        body = thing_body("Garage", 5.1, 52.1, [stream_body("vacant", "vacant", {"name": "places"}, [("2026-05-01T10:00:00Z", 3)])])
        created_id(client.post("/v1.1/Things", json=body, headers=auth))
        stream = client.get("/v1.1/Datastreams", headers=auth).json()["value"][0]["@iot.id"]

    run("parties", "add", "garagebedrijf", "--kind", "company", *d)
    run("parties", "add", "afvalbedrijf", "--kind", "company", *d)
    run("datasets", "add", "parkeren", "--title", "Bezetting", "--level", "restricted", "--owner", "garagebedrijf", *d)
    run("datasets", "assign", "parkeren", "--datastream", str(stream), *d)
    writer = run("keys", "create", "sensoren", "--party", "garagebedrijf", "--write", *d).strip()
    reader = run("keys", "create", "afval", "--party", "afvalbedrijf", *d).strip()
    run("users", "add", "bewoner", "--password-stdin", *d, input="correct horse\n")

    with TestClient(create_app(settings)) as client:
        assert client.get("/v1.1/Datastreams").json()["value"] == []  # restricted: not for anonymous
        assert client.get("/v1.1/Datastreams", headers={"X-API-Key": reader}).json()["value"] == []
        basic = {"Authorization": "Basic " + base64.b64encode(b"bewoner:correct horse").decode()}
        assert client.get("/v1.1/Datastreams", headers=basic).json()["value"] == []
        observation = {"phenomenonTime": "2026-05-01T11:00:00Z", "result": 4, "Datastream": {"@iot.id": stream}}
        assert client.post("/v1.1/Observations", json=observation, headers={"X-API-Key": writer}).status_code == 201

    grant = run("grants", "add", "parkeren", "afvalbedrijf", *d)
    with TestClient(create_app(settings)) as client:
        assert len(client.get("/v1.1/Observations", headers={"X-API-Key": reader}).json()["value"]) == 2
    trail = run("audit", "list", "--dataset", "parkeren", *d).strip().splitlines()
    assert len(trail) == 1 and trail[0].split("\t")[4:7] == ["grant", grant.split()[1].rstrip(":"), "2"]
    assert trail[0].endswith("GET /v1.1/Observations")
    run("grants", "revoke", grant.split()[1].rstrip(":"), *d)
    prefix = reader.split("_")[1]
    run("keys", "revoke", prefix, *d)
    with TestClient(create_app(settings)) as client:
        assert_problem(client.get("/v1.1/Datastreams", headers={"X-API-Key": reader}), 401)

    # A resident's own dataset: readable by others only with the resident's consent.
    run("parties", "add", "bewoner", "--kind", "resident", *d)
    run("datasets", "add", "woning", "--title", "Mijn huis", "--level", "non-public", "--owner", "bewoner", *d)
    given = run("consents", "give", "woning", "afvalbedrijf", "--purpose", "energy advice", *d)
    consent = given.split()[1].rstrip(":")
    assert run("consents", "list", "woning", *d).split("\t")[2:4] == ["energy advice", "given"]
    run("consents", "withdraw", consent, *d)
    assert run("consents", "list", "woning", *d).split("\t")[3] == "withdrawn"
    assert CliRunner().invoke(cli, ["consents", "withdraw", consent, *d]).exit_code == 1  # once only

    bad = CliRunner().invoke(cli, ["datasets", "add", "x", "--title", "x", "--level", "secret", *d])
    assert bad.exit_code != 0 and "--level" in bad.output
    missing = CliRunner().invoke(cli, ["grants", "add", "parkeren", "nobody", *d])
    assert missing.exit_code == 1 and "no party named 'nobody'" in missing.output
    short = CliRunner().invoke(cli, ["users", "add", "kort", "--password-stdin", *d], input="short\n")
    assert short.exit_code == 1 and "at least 8" in short.output
