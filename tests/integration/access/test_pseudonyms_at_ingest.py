"""Personal fields are pseudonymised before storage on every write path (one Observation,
nested in a Datastream, CreateObservations, `$batch`, PATCH), on both backends; the raw value
is nowhere in the database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from stadsdata.access.api_keys import generate_api_key
from stadsdata.access.pseudonyms import PREFIX
from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.sta.conftest import assert_problem, stream_body, thing_body

T = "2026-05-01T10:00:00Z"
CARDS = ("NL-EVB-C12345678", "NL-EVB-C87654321")


@pytest.fixture
def charging(store: Store, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], Store]]:
    key = generate_api_key()
    with store.write() as tx:
        tx.access.add_api_key(key.prefix, key.key_hash, "beheer", None, is_admin=True, can_write=True, expires_at=None, now=datetime.now(UTC))
    settings = Settings(database=str(tmp_path / "x.db"), access_mode="enforced", pseudonym_key="test-secret")
    with TestClient(create_app(settings, store=store)) as client:
        admin = {"X-API-Key": key.secret_key}
        body = thing_body("Laadpaal Markt", 6.09, 52.51, [stream_body("sessies", "laadsessie", {"name": "kWh"}, [])])
        assert client.post("/v1.1/Things", json=body, headers=admin).status_code == 201
        fields = {"name": "laadpalen", "title": "Laadsessies", "accessLevel": "restricted",
                  "personalFields": ["result.cardId", "parameters.sessionOwner"]}  # fmt: skip
        dataset = client.post("/api/v1/datasets", json=fields, headers=admin)
        assert dataset.status_code == 201, dataset.text
        assert client.put(f"/api/v1/datasets/{dataset.json()['id']}/datastreams/1", headers=admin).status_code == 204
        yield client, admin, store


def session(card: str, kwh: float) -> dict[str, Any]:
    return {"kWh": kwh, "cardId": card}


def test_every_write_path_stores_pseudonyms_only(charging: Any) -> None:
    client, admin, store = charging
    one = {"phenomenonTime": T, "result": session(CARDS[0], 11.0), "parameters": {"sessionOwner": "Jan Jansen", "plug": 1}}
    assert client.post("/v1.1/Datastreams(1)/Observations", json=one, headers=admin).status_code == 201
    array = [{"Datastream": {"@iot.id": 1}, "components": ["phenomenonTime", "result", "parameters"],
              "dataArray": [[T, session(CARDS[1], 7.5), {"sessionOwner": "Piet Pietersen"}], [T, session(CARDS[0], 3.0), None]]}]  # fmt: skip
    assert client.post("/v1.1/CreateObservations", json=array, headers=admin).status_code == 201
    batch = {"requests": [{"id": "1", "method": "post", "url": "Observations",
                           "body": {"Datastream": {"@iot.id": 1}, "phenomenonTime": T, "result": session(CARDS[1], 1.0)}}]}  # fmt: skip
    answer = client.post("/v1.1/$batch", json=batch, headers=admin)
    assert answer.status_code == 200 and answer.json()["responses"][0]["status"] == 201, answer.text
    patched = client.patch("/v1.1/Observations(2)", json={"result": session(CARDS[0], 8.0)}, headers=admin)
    assert patched.status_code == 200, patched.text

    stored = client.get("/v1.1/Datastreams(1)/Observations?$orderby=id&$select=id,result,parameters", headers=admin).json()["value"]
    cards = [o["result"]["cardId"] for o in stored]
    assert all(c.startswith(PREFIX) for c in cards) and len(stored) == 4
    assert cards[0] == cards[1] == cards[2] != cards[3]  # the same card keeps its pseudonym: sessions stay linkable
    assert [o["result"]["kWh"] for o in stored] == [11.0, 8.0, 3.0, 1.0]  # other fields untouched
    assert stored[0]["parameters"]["sessionOwner"].startswith(PREFIX) and stored[0]["parameters"]["plug"] == 1
    with store.read_only() as tx:
        everything = " ".join(
            str(row) for row in tx.conn.execute(text("SELECT result_json, parameters FROM observations"))  # type: ignore[attr-defined]
        )
    for secret in (*CARDS, "Jan Jansen", "Piet Pietersen"):
        assert secret not in everything


def test_personal_fields_are_checked_and_changed_from_now_on(charging: Any) -> None:
    client, admin, _ = charging
    bad = client.post("/api/v1/datasets", json={"name": "x", "title": "x", "accessLevel": "public", "personalFields": ["cardId"]}, headers=admin)
    assert_problem(bad, 400, "personalFields[0]")
    assert client.post("/v1.1/Datastreams(1)/Observations", json={"phenomenonTime": T, "result": session(CARDS[0], 1.0)}, headers=admin).status_code == 201
    assert client.patch("/api/v1/datasets/1", json={"personalFields": []}, headers=admin).json()["personalFields"] is None
    assert client.post("/v1.1/Datastreams(1)/Observations", json={"phenomenonTime": T, "result": session(CARDS[0], 2.0)}, headers=admin).status_code == 201
    cards = [o["result"]["cardId"] for o in client.get("/v1.1/Observations?$orderby=id", headers=admin).json()["value"]]
    assert cards[0].startswith(PREFIX) and cards[1] == CARDS[0]
