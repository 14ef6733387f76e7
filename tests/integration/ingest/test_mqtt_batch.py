"""One transaction for many MQTT creates (api/sta/mqtt/batch.py), both backends: plain Observations go
the bulk path per stream; a bad message in a group is found one by one and quarantined alone;
redeliveries within and across batches are stored once; other creates go one by one."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from stadsdata.access.policy import Caller
from stadsdata.api.sta.mqtt.topics import sta_message_key
from stadsdata.app import create_app
from stadsdata.ingest.pipeline import Message, Outcome
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.ingest.conftest import reading, sta_creates
from tests.integration.sta.conftest import stream_body, thing_body

ADMIN = Caller(subject="key:test", is_admin=True, can_write=True)


def message(topic: str, payload: bytes) -> Message:
    return Message("mqtt", topic, payload, key=sta_message_key(topic, payload))


def test_a_batch_stores_the_good_and_quarantines_the_bad(store: Store, tmp_path: Path) -> None:
    with TestClient(create_app(Settings(database=str(tmp_path / "x.db"), access_mode="open"), store=store)) as client:
        body = thing_body("Kast", 6.09, 52.51, [stream_body(n, n, {"name": "x"}, []) for n in ("a", "b")])
        assert client.post("/v1.1/Things", json=body).status_code == 201
        creates = sta_creates(client)
        a, b = "v1.1/Datastreams(1)/Observations", "v1.1/Datastreams(2)/Observations"
        batch = [
            message(a, reading(1)),
            message(a, b'{"phenomenonTime": "not a time", "result": 2}'),  # breaks its group
            message(b, reading(3)),
            message(a, reading(1)),  # a redelivery in the same batch
            message("v1.1/Observations", b'{"Datastream": {"@iot.id": 2}, "phenomenonTime": "2026-05-01T11:00:00Z", "result": 4}'),
            message("v1.1/Datastreams(9)/Observations", reading(5)),  # no such stream
            message(a, reading(6)),
        ]
        outcomes = creates.ingest_batch(batch, ADMIN)
        assert outcomes == [Outcome.STORED, Outcome.QUARANTINED, Outcome.STORED, Outcome.DUPLICATE, Outcome.STORED,
                            Outcome.QUARANTINED, Outcome.STORED]  # fmt: skip
        assert creates.ingest_batch([message(a, reading(6)), message(b, reading(3))], ADMIN) == [Outcome.DUPLICATE] * 2
        results = sorted(o["result"] for o in client.get("/v1.1/Observations").json()["value"])
        assert results == [1, 3, 4, 6]
        with store.read_only() as tx:
            held = tx.access.rows("quarantine", {"status": "held"})
        assert sorted(r["topic"] for r in held) == [a, "v1.1/Datastreams(9)/Observations"]
        assert "phenomenonTime" in next(r for r in held if r["topic"] == a)["field"]
