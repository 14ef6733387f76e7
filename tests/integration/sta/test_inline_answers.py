"""Bounded SensorThings requests (one entity by id, one Observation) are answered on the event
loop where the store need not wait (SQLite), without a hop to a worker thread (`api/sta/inline.py`).
They give the same answers as through a worker thread; and when such a request would have to wait
for a lock — the writer's lock of this process, or another process's lock on the database file —
it is rolled back and answered from a worker thread, while the event loop goes on answering."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stadsdata.api.sta.inline import bounded
from stadsdata.api.sta.requests import StaRequest
from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.sqlite.backend import SqliteStore

READING = {"phenomenonTime": "2024-03-02T10:00:00Z", "result": 4.5}


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "headers", "expected"),
    [
        ("GET", "Datastreams(5)", "", b"", {}, True),
        ("GET", "Datastreams(5)", "$select=name", b"", {"authorization": "Bearer sdk_0badc0de_x"}, True),
        ("GET", "Datastreams(5)", "$expand=Observations", b"", {}, False),
        ("GET", "Datastreams(5)", "%24EXPAND=Thing", b"", {}, False),
        ("GET", "Datastreams", "", b"", {}, False),
        ("GET", "Datastreams(5)/Observations", "", b"", {}, False),
        ("POST", "Observations", "", b"{}", {}, True),
        ("POST", "Datastreams(5)/Observations", "", b"{}", {}, True),
        ("POST", "MultiDatastreams(5)/Observations", "", b"{}", {}, True),
        ("POST", "Observations", "", b"x" * 20_000, {}, False),
        ("POST", "CreateObservations", "", b"[]", {}, False),
        ("POST", "$batch", "", b"{}", {}, False),
        ("POST", "Things", "", b"{}", {}, False),
        ("PATCH", "Datastreams(5)", "", b"{}", {}, False),
        ("GET", "Datastreams(5)", "", b"", {"authorization": "Basic dXNlcjpwYXNz"}, False),
        ("GET", "Datastreams(5)", "", b"", {"authorization": "Bearer eyJhbGciOi.a.b"}, False),
    ],
)
def test_which_requests_are_bounded(method: str, path: str, query: str, body: bytes, headers: dict[str, str], expected: bool) -> None:
    assert bounded(StaRequest(method=method, path=path, query_string=query, body=body), headers) is expected


# Only SQLite answers on the event loop (PostgreSQL's locks and round trips are waited for in a
# worker thread): these tests take the shared `store` fixture on SQLite alone.
ON_SQLITE = pytest.mark.parametrize("store", ["sqlite"], indirect=True)


def a_stream(client: TestClient) -> int:
    thing = {
        "name": "t", "description": "t",
        "Locations": [{"name": "l", "description": "l", "encodingType": "application/geo+json",
                       "location": {"type": "Point", "coordinates": [5.1, 52.1]}}],
        "Datastreams": [{
            "name": "s", "description": "s", "unitOfMeasurement": {"name": "c", "symbol": "c", "definition": "c"},
            "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
            "Sensor": {"name": "s", "description": "s", "encodingType": "application/pdf", "metadata": "https://example.org/s.pdf"},
            "ObservedProperty": {"name": "p", "definition": "https://example.org/p", "description": "p"},
        }],
    }  # fmt: skip
    assert client.post("/v1.1/Things", json=thing).status_code == 201
    return int(client.get("/v1.1/Datastreams").json()["value"][0]["@iot.id"])


@ON_SQLITE
def test_the_same_answers_on_the_loop_as_in_a_thread(store: SqliteStore, tmp_path: Path) -> None:
    answers: dict[bool, list[Any]] = {}
    stream = 0
    for inline, moment in ((True, "2024-03-02T10:00:00Z"), (False, "2024-03-02T11:00:00Z")):
        app = create_app(Settings(database=str(tmp_path / "stadsdata.db"), sta_inline=inline, mqtt_embedded=False), store=store)
        with TestClient(app) as client:
            stream = stream or a_stream(client)
            got, missing = client.get(f"/v1.1/Datastreams({stream})"), client.get("/v1.1/Datastreams(999999)")
            posted = client.post(f"/v1.1/Datastreams({stream})/Observations", json={**READING, "phenomenonTime": moment})
            assert posted.status_code == 201, posted.text
            created = client.get(posted.headers["location"]).json()
            answers[inline] = [got.status_code, got.json(), missing.status_code, missing.json(), posted.json().keys(), created.keys()]
            assert created["phenomenonTime"] == moment and created["result"] == READING["result"]
        store.open()  # the app closed it on shutdown
    for mode in answers.values():  # the second read sees the first reading in the stream's summary
        for member in ("phenomenonTime", "observedArea", "resultTime"):
            mode[1].pop(member, None)
    assert answers[True] == answers[False]


def post_in_background(client: TestClient, path: str) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def post() -> None:
        outcome["response"] = client.post(path, json=READING)

    thread = threading.Thread(target=post)
    thread.start()
    return thread, outcome


@ON_SQLITE
def test_a_post_that_would_wait_for_this_process_writer_waits_in_a_thread(store: SqliteStore, client: TestClient) -> None:
    sqlite = store
    stream = a_stream(client)
    held, release = threading.Event(), threading.Event()

    def long_write() -> None:
        with sqlite.write():  # another request's long write transaction
            held.set()
            release.wait(30)

    writer = threading.Thread(target=long_write)
    writer.start()
    held.wait(10)
    poster, outcome = post_in_background(client, f"/v1.1/Datastreams({stream})/Observations")
    try:
        for _ in range(3):  # the loop answers meanwhile: the POST waits in a worker thread, not on it
            assert client.get("/healthz").status_code == 200
            assert client.get(f"/v1.1/Datastreams({stream})").status_code == 200
        assert poster.is_alive() and "response" not in outcome
    finally:
        release.set()
        writer.join(10)
        poster.join(30)
    assert outcome["response"].status_code == 201, outcome["response"].text
    assert [o["result"] for o in client.get(f"/v1.1/Datastreams({stream})/Observations").json()["value"]] == [4.5]


@ON_SQLITE
def test_a_post_that_would_wait_for_another_process_waits_in_a_thread(store: SqliteStore, client: TestClient) -> None:
    sqlite = store
    stream = a_stream(client)
    other = sqlite3.connect(sqlite.path, isolation_level=None)  # another process's writer
    other.execute("BEGIN IMMEDIATE")
    poster, outcome = post_in_background(client, f"/v1.1/Datastreams({stream})/Observations")
    try:
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
        assert poster.is_alive() and "response" not in outcome
    finally:
        other.execute("COMMIT")
        other.close()
        poster.join(30)
    assert outcome["response"].status_code == 201, outcome["response"].text
    assert client.get(f"/v1.1/Datastreams({stream})/Observations").json()["value"][0]["result"] == 4.5
