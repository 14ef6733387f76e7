"""Hypothesis on the ingest decoders, through their real HTTP entry points (both backends): The
Things Stack and ChirpStack uplinks, HTTP push with a mapping, dataArray documents and MQTT-style
SensorThings creates — real messages with random parts replaced by random JSON, plus raw
bytes. Every message is either stored, quarantined (kept, 202) or refused with a 4xx: never a
5xx, never lost (the quarantine grows by what was not stored)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stadsdata.access.policy import Caller
from stadsdata.app import create_app
from stadsdata.ingest.pipeline import Message, Outcome
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.fuzz.figures import EXAMPLES, record
from tests.integration.ingest.conftest import make_keys, sta_creates
from tests.integration.sta.conftest import stream_body, thing_body

SOURCES = Path(__file__).parents[2] / "stadsdata/sources"  # each source kind's recorded payloads
TTS = json.loads((SOURCES / "tts/recorded/uplink.json").read_text())
CHIRPSTACK = json.loads((SOURCES / "chirpstack/recorded/up.json").read_text())
PUSH = {"garages": [{"id": "P-Centrum", "updated": "2026-05-01T10:00:00Z", "occupancy": {"free": 120, "capacity": 400}}]}
MAPPING = {"records": "garages", "key": "id", "time": "updated", "streams": {"P-Centrum": {"occupancy.free": 1}}}
DATA_ARRAY = [{"Datastream": {"@iot.id": 1}, "components": ["phenomenonTime", "result", "parameters"],
               "dataArray": [["2026-05-01T10:00:00Z", 1.5, {"a": 1}], ["2026-05-01T10:01:00Z", 2.5, None]]}]  # fmt: skip

scalar = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=12),
                   st.sampled_from(["2026-05-01T10:00:00Z", "2026-02-30T10:00:00Z", "", "NaN", "' OR 1=1 --"]))  # fmt: skip
json_value = st.recursive(scalar, lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(st.text(max_size=6), c, max_size=3)), max_leaves=8)


def mutated(document: Any) -> st.SearchStrategy[Any]:
    """`document` with some of its parts (at any depth) replaced, dropped or left alone."""
    if isinstance(document, dict):
        members = {k: st.one_of(mutated(v), json_value) for k, v in document.items()}
        return st.one_of(
            st.fixed_dictionaries({}, optional=members),  # some members dropped, the kept ones mutated
            st.fixed_dictionaries({k: mutated(v) for k, v in document.items()}),
            json_value,
        )
    if isinstance(document, list):
        return st.one_of(st.lists(st.one_of(*(mutated(v) for v in document[:3])) if document else json_value, max_size=4), json_value)
    return st.one_of(st.just(document), json_value)


def as_bytes(value: Any) -> bytes:
    return json.dumps(value).encode()


payload = st.one_of(
    st.binary(max_size=200),
    st.sampled_from([b"", b"{", b"null", b"[]", b'{"a":', b"\xff\xfe", b"NaN", b'{"uplink_message": []}']),
)


@pytest.fixture
def city(store: Store, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], Store]]:
    keys = make_keys(store)
    admin = {"X-API-Key": keys["admin"]}
    settings_ = Settings(database=str(tmp_path / "x.db"), access_mode="enforced", mqtt_embedded=False,
                         rate_limit_anonymous="none", rate_limit_authenticated="none")  # fmt: skip
    with TestClient(create_app(settings_, store=store), raise_server_exceptions=False) as client:
        streams = [stream_body(n, n, {"name": u}, []) for n, u in (("temperature", "°C"), ("humidity", "%"))]
        assert client.post("/v1.1/Things", json=thing_body("Klaslokaal", 6.09, 52.51, streams), headers=admin).status_code == 201
        device = {"network": "tts", "device": f"{TTS['end_device_ids']['application_ids']['application_id']}/{TTS['end_device_ids']['device_id']}",
                  "fields": {"temperature": 1, "humidity": 2}}  # fmt: skip
        assert client.post("/api/v1/lorawan-devices", json=device, headers=admin).status_code == 201
        device = {"network": "chirpstack", "device": CHIRPSTACK["deviceInfo"]["devEui"], "fields": {"distance_mm": 1}}
        assert client.post("/api/v1/lorawan-devices", json=device, headers=admin).status_code == 201
        assert client.post("/api/v1/push-sources", json={"name": "garages", "mapping": MAPPING}, headers=admin).status_code == 201
        yield client, admin, store


ENDPOINTS = {
    "The Things Stack uplink": ("/api/v1/lorawan/tts/uplinks", TTS),
    "ChirpStack uplink": ("/api/v1/lorawan/chirpstack/events?event=up", CHIRPSTACK),
    "HTTP push": ("/api/v1/push/garages", PUSH),
    "dataArray (CreateObservations)": ("/v1.1/CreateObservations", DATA_ARRAY),
    "SensorThings create (MQTT payload)": ("/v1.1/Datastreams(1)/Observations", {"phenomenonTime": "2026-05-01T10:00:00Z", "result": 1}),
}


@pytest.mark.parametrize("decoder", list(ENDPOINTS))
def test_decoders_never_fail_on_hostile_messages(city: tuple[TestClient, dict[str, str], Store], decoder: str) -> None:
    client, admin, store = city
    backend = store.dialect
    path, example = ENDPOINTS[decoder]

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=st.one_of(mutated(example).map(as_bytes), payload))
    def send(body: bytes) -> None:
        before = store.quarantine_held()
        response = client.post(path, content=body, headers={**admin, "Content-Type": "application/json"})
        record(f"{decoder} ({backend})", response.status_code)
        if response.status_code == 202:  # kept in the quarantine: nothing is lost
            assert store.quarantine_held() == before + 1, response.text

    send()


TOPICS = ["v1.1/Datastreams(1)/Observations", "v1.0/Datastreams(1)/Observations", "v1.1/Observations", "v1.1/Things",
          "v1.1/Datastreams(999999999999999999999)/Observations", "v1.1/Datastreams(1)/Observations/$ref", "garbage", ""]  # fmt: skip


def test_mqtt_messages_are_stored_or_quarantined(city: tuple[TestClient, dict[str, str], Store]) -> None:
    """The MQTT path in-process (the embedded broker and `stadsdata ingest` hand every message to
    `MqttCreates.ingest`): any topic and payload is stored, quarantined or a duplicate, never an
    exception — which would leave the message unacknowledged forever."""
    client, _, store = city
    creates = sta_creates(client)
    caller = Caller(subject="key:fuzz", is_admin=True, can_write=True)
    example = {"phenomenonTime": "2026-05-01T10:00:00Z", "result": 1.5, "parameters": {"a": 1}}

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(topic=st.one_of(st.sampled_from(TOPICS), st.text(max_size=40)), body=st.one_of(mutated(example).map(as_bytes), payload))
    def deliver(topic: str, body: bytes) -> None:
        before = store.quarantine_held()
        outcome = creates.ingest(Message("mqtt", topic, body), caller)
        record(f"MQTT SensorThings creates ({store.dialect})", 200 if outcome is not None else 500)
        if outcome == Outcome.QUARANTINED:
            assert store.quarantine_held() == before + 1

    deliver()
