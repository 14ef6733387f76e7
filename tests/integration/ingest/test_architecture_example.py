"""The source kind example of docs/architecture.md, run as it is written there: readings made of a
message go through the observation sink once, and a message that cannot be read is quarantined."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from stadsdata.access.policy import Caller
from stadsdata.app import create_app
from stadsdata.ingest.pipeline import Ingestor, Message, Outcome
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.sta.conftest import stream_body, thing_body

DOC = Path(__file__).resolve().parents[3] / "docs" / "architecture.md"
ADMIN = Caller(subject="key:test", is_admin=True, can_write=True)


def documented_example() -> dict[str, Any]:
    code = re.search(r"## Adding a source kind today.*?```python\n(.*?)```", DOC.read_text(), re.S)
    assert code, "docs/architecture.md lost its example"
    namespace: dict[str, Any] = {}
    exec(compile(code.group(1), str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace


def test_the_documented_source_kind_stores_once_and_quarantines_the_rest(store: Store, tmp_path: Path) -> None:
    ingest_meter = documented_example()["ingest_meter"]
    with TestClient(create_app(Settings(database=str(tmp_path / "x.db"), access_mode="open"), store=store)) as client:
        body = thing_body("Meterkast", 6.09, 52.51, [stream_body("energie", "energie", {"name": "kWh"}, [])])
        assert client.post("/v1.1/Things", json=body).status_code == 201
        ingestor = Ingestor(store, client.app.state.sta)
        payload = b'{"id": "m-1", "time": "2026-05-01T10:00:00Z", "kWh": 12.5}'
        assert ingest_meter(ingestor, Message("meter", "meters/1", payload), ADMIN, 1) is Outcome.STORED
        assert ingest_meter(ingestor, Message("meter", "meters/1", payload), ADMIN, 1) is Outcome.DUPLICATE
        wrong_stream = b'{"id": "m-2", "time": "2026-05-01T10:05:00Z", "kWh": 13.0}'
        assert ingest_meter(ingestor, Message("meter", "meters/1", wrong_stream), ADMIN, 99) is Outcome.QUARANTINED
        observations = client.get("/v1.1/Datastreams(1)/Observations").json()["value"]
        assert [(o["phenomenonTime"], o["result"]) for o in observations] == [("2026-05-01T10:00:00Z", 12.5)]
        with store.read_only() as tx:
            rows = tx.access.rows("quarantine", {"source": "meter"}, limit=10)
    assert len(rows) == 1 and rows[0]["field"] == "Datastream(99)" and "does not exist" in rows[0]["reason"]
