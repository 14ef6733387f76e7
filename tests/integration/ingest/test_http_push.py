"""HTTP push with a declarative mapping (both backends): a garage operator posts its occupancy as
it has it; mapped values become Observations of the operator's streams, 2xx only after commit;
an unknown garage is quarantined and stored by a replay after the mapping was fixed; the same
state posted twice is stored once; the operator's key writes only its own streams."""

from __future__ import annotations

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

MAPPING = {"records": "garages", "key": "id", "time": "updated", "streams": {"P-Centrum": {"occupancy.free": 1, "occupancy.capacity": 2}}}


def state(free_centrum: int, free_station: int, updated: str = "2026-05-01T10:00:00Z") -> dict[str, Any]:
    return {"operator": "Garagebedrijf", "garages": [
        {"id": "P-Centrum", "updated": updated, "occupancy": {"free": free_centrum, "capacity": 450}},
        {"id": "P-Station", "updated": updated, "occupancy": {"free": free_station, "capacity": 300}},
    ]}  # fmt: skip


@pytest.fixture
def city(store: Store, tmp_path: Path) -> Iterator[dict[str, Any]]:
    now = datetime.now(UTC)
    keys = {}
    with store.write() as tx:
        r = tx.access
        garage = r.add_party("garagebedrijf", "company", None, now)
        other = r.add_party("ander", "company", None, now)
        for name, party, admin in (("admin", None, True), ("garage", garage, False), ("other", other, False)):
            key = generate_api_key()
            r.add_api_key(key.prefix, key.key_hash, name, party, is_admin=admin, can_write=True, expires_at=None, now=now)
            keys[name] = {"X-API-Key": key.secret_key}
        r.add_dataset("parkeren", "Bezetting", "restricted", garage, "", now)
    with TestClient(create_app(Settings(database=str(tmp_path / "x.db"), access_mode="enforced"), store=store)) as client:
        streams = [stream_body(f"{g} {n}", n, {"name": "places"}, []) for g in ("centrum", "station") for n in ("vrij", "capaciteit")]
        assert client.post("/v1.1/Things", json=thing_body("Garages", 6.09, 52.51, streams), headers=keys["admin"]).status_code == 201
        for stream in (1, 2, 3, 4):
            assert client.put(f"/api/v1/datasets/1/datastreams/{stream}", headers=keys["admin"]).status_code == 204
        yield {"client": client, "keys": keys}


def results(client: TestClient, stream: int, headers: dict[str, str]) -> list[Any]:
    return [o["result"] for o in client.get(f"/v1.1/Datastreams({stream})/Observations?$orderby=id", headers=headers).json()["value"]]


def test_a_garage_operator_pushes_its_occupancy(city: dict[str, Any]) -> None:
    client, keys = city["client"], city["keys"]
    assert_problem(client.post("/api/v1/push-sources", json={"name": "garages", "mapping": {"key": "id"}}, headers=keys["admin"]), 400, "mapping.streams")
    assert client.post("/api/v1/push-sources", json={"name": "garages", "mapping": MAPPING}, headers=keys["garage"]).status_code == 403
    assert client.post("/api/v1/push-sources", json={"name": "garages", "mapping": MAPPING}, headers=keys["admin"]).status_code == 201
    # P-Station has no streams yet: the rest is stored, the body quarantined (202).
    first = client.post("/api/v1/push/garages", json=state(120, 80), headers=keys["garage"])
    assert first.status_code == 202 and first.json() == {"outcome": "quarantined", "readings": 2}
    assert results(client, 1, keys["garage"]) == [120] and results(client, 2, keys["garage"]) == [450]
    held = client.get("/api/v1/quarantine?status=held", headers=keys["admin"]).json()["_embedded"]["quarantine"]
    assert len(held) == 1 and "P-Station" in held[0]["reason"] and held[0]["source"] == "http-push:garages"
    # Mapping fixed; the replay stores only what was missing.
    fixed = {**MAPPING, "streams": {**MAPPING["streams"], "P-Station": {"occupancy.free": 3, "occupancy.capacity": 4}}}
    assert client.patch("/api/v1/push-sources/garages", json={"mapping": fixed}, headers=keys["admin"]).status_code == 200
    replay = client.patch(f"/api/v1/quarantine/{held[0]['id']}", json={"status": "replayed"}, headers=keys["admin"]).json()
    assert replay["outcome"] == "stored"
    assert [results(client, s, keys["garage"]) for s in (1, 2, 3, 4)] == [[120], [450], [80], [300]]
    # A minute later; the same state posted twice is stored once.
    later = state(118, 79, "2026-05-01T10:01:00Z")
    assert client.post("/api/v1/push/garages", json=later, headers=keys["garage"]).json() == {"outcome": "stored", "readings": 4}
    assert client.post("/api/v1/push/garages", json=later, headers=keys["garage"]).json() == {"outcome": "duplicate", "readings": 4}
    assert results(client, 1, keys["garage"]) == [120, 118]
    # Another party's key may not write the operator's streams; no key at all neither.
    assert client.post("/api/v1/push/garages", json=state(1, 1, "2026-05-01T10:02:00Z"), headers=keys["other"]).status_code == 202
    assert client.post("/api/v1/push/garages", json=state(1, 1, "2026-05-01T10:02:00Z")).status_code == 202
    assert results(client, 1, keys["garage"]) == [120, 118]
    assert client.post("/api/v1/push/nope", json=later, headers=keys["garage"]).status_code == 404
    assert client.post("/api/v1/push/garages", content=b"not json", headers=keys["garage"]).status_code == 202
