"""The sharing story of the access issue, end to end (CLI + API, SQLite): a garage operator
publishes its occupancy as a restricted dataset with an ODRL Offer (purpose "route planning",
at most 10 000 reads, EUR 2.50 per 1 000 reads); a waste company asks and gets an Agreement,
reads, is metered, is refused past the count limit; the operator sees the audit trail and the
amount due."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from stadsdata.app import create_app
from stadsdata.cli import app as cli
from stadsdata.settings import Settings
from tests.integration.sta.conftest import assert_problem, created_id, stream_body, thing_body

OFFER = Path(__file__).parents[3] / "docs/examples/offer-parkeren.json"
PAGE = 2_500


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_garage_occupancy_shared_under_an_agreement(tmp_path: Path) -> None:
    db = str(tmp_path / "city.db")
    d = ("--database", db)
    settings = Settings(database=db, access_mode="enforced")
    run("parties", "add", "garagebedrijf", "--kind", "company", *d)
    run("parties", "add", "afvalbedrijf", "--kind", "company", *d)
    admin = run("keys", "create", "beheer", "--admin", *d).strip()
    operator = run("keys", "create", "garage", "--party", "garagebedrijf", "--write", *d).strip()
    waste = run("keys", "create", "routes", "--party", "afvalbedrijf", *d).strip()

    with TestClient(create_app(settings)) as client:
        body = thing_body("Garage Centrum", 6.09, 52.51, [stream_body("vrije plaatsen", "vacant", {"name": "places"}, [])])
        created_id(client.post("/v1.1/Things", json=body, headers={"X-API-Key": admin}))
    run("datasets", "add", "parkeren", "--title", "Bezetting garages", "--level", "restricted", "--owner", "garagebedrijf", *d)
    run("datasets", "assign", "parkeren", "--datastream", "1", *d)

    with TestClient(create_app(settings)) as client:
        rows = [[f"2026-05-01T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}Z", i % 400] for i in range(PAGE)]
        document = [{"Datastream": {"@iot.id": 1}, "components": ["phenomenonTime", "result"], "dataArray": rows}]
        assert client.post("/v1.1/CreateObservations", json=document, headers={"X-API-Key": operator}).status_code == 201
        # Before any agreement the waste company sees nothing of it.
        assert_problem(client.get("/v1.1/Datastreams(1)/Observations", headers={"X-API-Key": waste}), 404)

    offer = run("offers", "add", "parkeren", str(OFFER), *d).split()[1].rstrip(":")
    refused = CliRunner().invoke(cli, ["agreements", "make", offer, "afvalbedrijf", "--purpose", "marketing", *d])
    assert refused.exit_code == 1 and "does not allow the purpose 'marketing'" in refused.output
    agreement = run("agreements", "make", offer, "afvalbedrijf", "--purpose", "route planning", *d).split()[1].rstrip(":")

    with TestClient(create_app(settings)) as client:
        page = f"/v1.1/Datastreams(1)/Observations?$top={PAGE}&$select=result"
        for _ in range(4):  # 4 × 2 500 = 10 000 records: the limit
            response = client.get(page, headers={"X-API-Key": waste})
            assert response.status_code == 200 and len(response.json()["value"]) == PAGE
        assert_problem(client.get(page, headers={"X-API-Key": waste}), 404)  # refused past the count limit
        assert client.get("/v1.1/Datastreams", headers={"X-API-Key": waste}).json()["value"] == []
        assert len(client.get(page, headers={"X-API-Key": operator}).json()["value"]) == PAGE  # the owner still reads

    usage = run("agreements", "usage", agreement, *d)
    assert f"agreement {agreement} (active): 10000 records read of 10000" in usage
    assert "due: 25.00 Euro (10 × 2.50 per 1000 records)" in usage
    trail = [line.split("\t") for line in run("audit", "list", "--dataset", "parkeren", *d).strip().splitlines()]
    by_basis = {(row[4], row[5]) for row in trail}
    assert (("agreement", agreement) in by_basis) and all(row[4] in ("agreement", "owner") for row in trail)
    assert sum(int(row[6]) for row in trail if row[4] == "agreement") == 10_000
    run("agreements", "end", agreement, *d)
    assert "(ended)" in run("agreements", "usage", agreement, *d)
