"""Property test of dataset access (hypothesis), on both backends: random datasets (level,
owner — a company or a resident), random assignment of streams to them, random grants and
consents (given or withdrawn), random ODRL agreements limited to an area (`spatial`: the Things
west of some longitude), a random caller and default level
— and the API shows exactly what a plain-Python model of the rules says, on collections,
counts and filters across relations."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stadsdata.access.datasets import DatasetAccess
from stadsdata.access.policy import Caller
from stadsdata.api.sta.requests import StaRequest
from stadsdata.api.sta.service import StaService
from stadsdata.app import create_app
from stadsdata.model.vocabulary import ACCESS_LEVELS
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.sta.conftest import created_id, stream_body, thing_body

STREAMS = 5  # Datastreams s0..s4 on Things t0..t4 (one each) with one Observation each
PARTIES = ("a", "b", "c", "r")  # r is a resident: its datasets open by consent only
_names = count()


@pytest.fixture
def world(store: Store, tmp_path: Path) -> dict[str, Any]:
    with TestClient(create_app(Settings(database=str(tmp_path / "x.db"), access_mode="open"), store=store)) as setup:
        for i in range(STREAMS):
            body = thing_body(f"t{i}", 5 + i / 10, 52, [stream_body(f"s{i}", f"p{i}", {"name": "x"}, [("2026-01-01T00:00:00Z", i)])])
            created_id(setup.post("/v1.1/Things", json=body))
        created_id(setup.post("/v1.1/Things", json={"name": "bare", "description": "no streams"}))
        ids = {d["name"]: d["@iot.id"] for d in setup.get("/v1.1/Datastreams").json()["value"]}
    store.open()
    with store.write() as tx:
        parties = {
            name: tx.access.add_party(name, "resident" if name == "r" else "company", None, datetime.now(UTC))
            for name in PARTIES
        }
    return {"store": store, "streams": ids, "parties": parties}


def area_agreement(party: str, west: int) -> dict[str, Any]:
    """An Agreement covering the Things t0 … t(west-1) (t_i stands at longitude 5 + i/10)."""
    area = f"POLYGON ((4.9 51.9, {4.95 + west / 10} 51.9, {4.95 + west / 10} 52.1, 4.9 52.1, 4.9 51.9))"
    constraint = {"leftOperand": "spatial", "operator": "isPartOf", "rightOperand": area}
    return {"@type": "Agreement", "uid": f"urn:{party}:{west}", "permission": [{"action": "read", "assignee": party, "constraint": [constraint]}]}


datasets_st = st.lists(st.tuples(st.sampled_from(ACCESS_LEVELS), st.sampled_from((None, *PARTIES))), min_size=1, max_size=3)


def record_rules(
    world: dict[str, Any], datasets: list[tuple[str, str | None]], assignment: list[int], grants: set[tuple[int, str]],
    consents: set[tuple[int, str, bool]], areas: set[tuple[int, str, int]],
) -> list[int]:  # fmt: skip
    """The datasets, assignments, grants, consents and area agreements of one example; the datasets' ids."""
    store: Store = world["store"]
    parties: dict[str, int] = world["parties"]
    now = datetime.now(UTC)
    with store.write() as tx:
        made = [
            tx.access.add_dataset(f"d{next(_names)}", "d", level, parties[owner] if owner else None, "", now)
            for level, owner in datasets
        ]
        for i, slot in enumerate(assignment):
            dataset = made[slot] if 0 <= slot < len(made) else None
            tx.access.assign_streams(dataset, [world["streams"][f"s{i}"]], [])
        for slot, party in grants:
            if slot < len(made):
                tx.access.add_grant(made[slot], parties[party], None, None, now)
        for slot, party, withdrawn in consents:
            if slot < len(made):
                consent = tx.access.add_consent(made[slot], parties[party], "research", None, now)
                if withdrawn:
                    tx.access.withdraw_consent(consent, now)
        for slot, party, west in areas:  # an agreement on the Things t0 … t(west-1)
            if slot < len(made):
                tx.access.add_agreement(made[slot], parties[party], None, f"urn:a{next(_names)}", area_agreement(party, west), now)
    return made


def model_sees(
    slot: int, i: int, made: int, datasets: list[tuple[str, str | None]], grants: set[tuple[int, str]],
    consents: set[tuple[int, str, bool]], areas: set[tuple[int, str, int]], caller_party: str | None, default_public: bool,
) -> bool:  # fmt: skip
    """The model: whether the caller sees stream s<i> of dataset slot `slot` (of `made` datasets)."""
    if not 0 <= slot < made:
        return default_public
    level, owner = datasets[slot]
    if level == "public" or (caller_party is not None and owner == caller_party):
        return True
    if any(slot == a and caller_party == party and i < west for a, party, west in areas):
        return True  # inside the area of an agreement
    if owner == "r":  # a resident's dataset: a consent in force, never a grant
        return any((slot, caller_party, False) == c for c in consents)
    return (slot, caller_party) in grants


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    datasets=datasets_st,
    assignment=st.lists(st.integers(-1, 2), min_size=STREAMS, max_size=STREAMS),
    grants=st.sets(st.tuples(st.integers(0, 2), st.sampled_from(PARTIES))),
    consents=st.sets(st.tuples(st.integers(0, 2), st.sampled_from(PARTIES), st.booleans())),
    areas=st.sets(st.tuples(st.integers(0, 2), st.sampled_from(PARTIES), st.integers(0, STREAMS))),
    caller_party=st.sampled_from((None, *PARTIES)),
    default_public=st.booleans(),
)
def test_the_api_shows_what_the_rules_say(
    world: dict[str, Any],
    datasets: list[tuple[str, str | None]],
    assignment: list[int],
    grants: set[tuple[int, str]],
    consents: set[tuple[int, str, bool]],
    areas: set[tuple[int, str, int]],
    caller_party: str | None,
    default_public: bool,
) -> None:
    made = record_rules(world, datasets, assignment, grants, consents, areas)

    def sees(slot: int, i: int) -> bool:
        return model_sees(slot, i, len(made), datasets, grants, consents, areas, caller_party, default_public)

    visible = {f"s{i}" for i, slot in enumerate(assignment) if sees(slot, i)}
    things = {f"t{i}" for i, slot in enumerate(assignment) if sees(slot, i)} | ({"bare"} if default_public else set())

    parties: dict[str, int] = world["parties"]
    service = StaService(world["store"], DatasetAccess("public" if default_public else "non-public"))
    caller = Caller(subject="key:test", party_id=parties[caller_party] if caller_party else None)

    def get(path: str, query: str = "") -> Any:
        return orjson.loads(service.handle(StaRequest("GET", path, query_string=query, caller=caller)).body_bytes())

    assert {d["name"] for d in get("Datastreams")["value"]} == visible
    assert {t["name"] for t in get("Things")["value"]} == things
    assert get("Observations", "$count=true")["@iot.count"] == len(visible)
    assert {s["name"] for s in get("Sensors")["value"]} == {f"s{i[1:]} sensor" for i in visible}
    assert len(get("FeaturesOfInterest")["value"]) == len(visible)
    for i in range(STREAMS):
        hidden_or_not = get("Observations", f"$filter=Datastream/name eq 's{i}'&$count=true")["@iot.count"]
        assert hidden_or_not == (1 if f"s{i}" in visible else 0)
