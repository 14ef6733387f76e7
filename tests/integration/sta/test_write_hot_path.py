"""The observation write path below HTTP (issue 16): a batch whose rows touch many streams leaves
exactly the summaries and rollups that the same rows posted one by one leave; a single POST
answers with what a read of it gives, without reading it back; on both backends."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from stadsdata.access.datasets import DatasetAccess
from stadsdata.access.policy import Caller, OpenAccess
from stadsdata.access.pseudonyms import Pseudonymiser
from stadsdata.api.sta.requests import StaRequest
from stadsdata.api.sta.service import StaService
from stadsdata.errors import Forbidden
from stadsdata.store.base import Store
from stadsdata.store.schema import datastreams, observation_rollups

STREAMS = 12
T0 = datetime(2026, 3, 1, tzinfo=UTC)
ADMIN = Caller(subject="test", is_admin=True, can_write=True)


def _call(service: StaService, method: str, path: str, body: Any) -> Any:
    response = service.handle(StaRequest(method, path, body=orjson.dumps(body), content_type="application/json", caller=ADMIN,
                                         service_root="http://testserver/v1.1"))  # fmt: skip
    assert response.status < 300, response.body
    return response.body


def _platform(store: Store, groups: int = 1) -> StaService:
    """`groups` times STREAMS Datastreams on four Things, each Thing at its own Location (so each
    its own generated feature and area), one Thing with two Locations; group g's streams are
    g * STREAMS + 1 … (g + 1) * STREAMS, at the same places as group 0's. FeatureOfInterest 1 is
    a polygon of its own."""
    service = StaService(store, OpenAccess(), pseudonymiser=Pseudonymiser(None))
    _call(service, "POST", "FeaturesOfInterest", {"name": "f", "description": "d", "encodingType": "application/geo+json",
                                                   "feature": {"type": "Polygon", "coordinates": [[[3, 50], [9, 50], [9, 54], [3, 50]]]}})  # fmt: skip
    for group in range(groups):
        for t in range(4):
            locations = [{"name": f"l{t}", "description": "d", "encodingType": "application/geo+json",
                          "location": {"type": "Point", "coordinates": [5.0 + t, 52.0 + t / 10]}}]  # fmt: skip
            if t == 3:
                locations.append({"name": "l3b", "description": "d", "encodingType": "application/geo+json",
                                  "location": {"type": "Point", "coordinates": [4.0, 51.0]}})  # fmt: skip
            streams = [
                {"name": f"s{group}-{t}-{i}", "description": "d", "unitOfMeasurement": {"name": "c", "symbol": "c", "definition": "x"},
                 "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                 "Sensor": {"name": "s", "description": "s", "encodingType": "application/pdf", "metadata": "m"},
                 "ObservedProperty": {"name": "p", "definition": "d", "description": "p"}}
                for i in range(STREAMS // 4)
            ]  # fmt: skip
            _call(service, "POST", "Things", {"name": f"t{t}", "description": "d", "Locations": locations, "Datastreams": streams})
    return service


def _rows() -> list[tuple[int, str, Any, str | None, int | None]]:
    """(stream 1…STREAMS, phenomenonTime, result, resultTime, feature) in an order that is not
    time order, with results that are and are not rolled up, three hours, and some rows naming a
    feature."""
    rows = []
    for n in range(STREAMS * 9):
        stream = 1 + (n * 5) % STREAMS
        when = T0 + timedelta(minutes=(n * 37) % 130)
        result: Any = [round(n * 0.5 - 7, 2), n, True, "text", None, {"a": n}][n % 6]
        result_time = None if n % 3 else (when + timedelta(seconds=n)).isoformat().replace("+00:00", "Z")
        feature = 1 if n % 7 == 0 else None
        rows.append((stream, when.isoformat().replace("+00:00", "Z"), result, result_time, feature))
    return rows


def _post_one(service: StaService, stream: int, when: str, result: Any, result_time: str | None, feature: int | None) -> None:
    body: dict[str, Any] = {"Datastream": {"@iot.id": stream}, "phenomenonTime": when, "result": result}
    if result_time is not None:
        body["resultTime"] = result_time
    if feature is not None:
        body["FeatureOfInterest"] = {"@iot.id": feature}
    _call(service, "POST", "Observations", body)


def _state(store: Store, group: int) -> tuple[list[Any], list[Any], list[Any]]:
    """Group `group`'s summaries, rollups and latest observations (time, result), by stream 1…STREAMS."""
    first, last = group * STREAMS + 1, (group + 1) * STREAMS
    d, r = datastreams.c, observation_rollups.c
    names = ("observation_count", "phenomenon_time_start", "phenomenon_time_end", "result_time_start", "result_time_end",
             "latest_phenomenon_time", "area_minx", "area_miny", "area_maxx", "area_maxy")  # fmt: skip
    with store.read_only() as tx:
        conn = tx.conn  # type: ignore[attr-defined]
        summaries = [(row[0] - first + 1, *row[1:]) for row in conn.execute(
            select(d.id, *(d[name] for name in names)).where(d.id.between(first, last)).order_by(d.id))]  # fmt: skip
        rollups = [(row[0] - first + 1, *row[1:]) for row in conn.execute(
            select(r.datastream_id, r.bucket_start, r.count, r.sum, r.min, r.max, r.sum_squares).where(r.datastream_id.between(first, last))
            .order_by(r.datastream_id, r.bucket_start))]  # fmt: skip
    latest = [
        (stream - first + 1, None if record is None else (record["phenomenonTime"], orjson.dumps(record["result"])))
        for stream, record in sorted(store.latest_observations(list(range(first, last + 1))))
    ]
    return summaries, rollups, latest


def test_a_many_stream_batch_leaves_what_the_same_rows_one_by_one_leave(store: Store) -> None:
    service = _platform(store, groups=2)
    rows = _rows()
    half = len(rows) // 2
    for stream, *rest in rows:  # group 0: every row on its own
        _post_one(service, stream, *rest)
    for stream, *rest in rows[:half]:  # group 1: half on its own, then the rest as one batch over every stream
        _post_one(service, STREAMS + stream, *rest)
    documents = []
    for stream in range(1, STREAMS + 1):
        mine = [r for r in rows[half:] if r[0] == stream]
        documents.append({"Datastream": {"@iot.id": STREAMS + stream}, "components": ["phenomenonTime", "result", "resultTime", "FeatureOfInterest/id"],
                          "dataArray": [[when, result, result_time, feature] for _, when, result, result_time, feature in mine]})  # fmt: skip
    assert all(d["dataArray"] for d in documents)
    assert len(_call(service, "POST", "CreateObservations", documents)) == len(rows) - half
    one_by_one, batched = _state(store, 0), _state(store, 1)
    assert batched == one_by_one
    summaries, rollups, latest = one_by_one
    assert sum(s[1] for s in summaries) == len(rows) and rollups and all(latest)  # the comparison compared something
    assert all(s[6] is not None for s in summaries)  # every stream has an observed area


@pytest.mark.parametrize(
    "body",
    [
        {"phenomenonTime": "2026-03-01T10:00:00.123Z", "result": 21.5},
        {"phenomenonTime": "2026-03-01T10:00:00+02:00", "result": 7, "resultTime": "2026-03-01T08:00:01Z"},
        {"phenomenonTime": "2026-03-01T10:00:00Z/2026-03-01T11:00:00Z", "result": "text", "resultQuality": {"q": [1, 2]},
         "validTime": "2026-03-01T10:00:00Z/2026-03-02T10:00:00Z", "parameters": {"b": 1, "a": {"c": None}}},
        {"phenomenonTime": "2026-03-01T10:00:00Z/2026-03-01T10:00:00Z", "result": True},
        {"result": {"nested": [1, 2.5, None]}},
        {"phenomenonTime": "2026-03-01T10:00:00Z", "result": None, "FeatureOfInterest": {"@iot.id": 1}},
        {"phenomenonTime": "2026-03-01T10:00:00Z", "result": 2**60},
    ],
)  # fmt: skip
def test_a_posted_observation_answers_what_a_read_of_it_gives(store: Store, body: dict[str, Any]) -> None:
    service = _platform(store)
    created = orjson.loads(orjson.dumps(_call(service, "POST", "Observations", {**body, "Datastream": {"@iot.id": 2}})))
    read = orjson.loads(orjson.dumps(_call(service, "GET", f"Observations({created['@iot.id']})", None)))
    assert created == read


def test_one_observation_is_four_statements(store: Store) -> None:
    """The steady state of POST Observations: the stream's facts (existence, Thing, Location,
    generated feature and its box, dataset), the INSERT, the summary's UPDATE and the rollup's
    upsert — besides BEGIN and COMMIT. SQLite's trace sees every statement, also those on the driver."""
    if store.dialect != "sqlite":  # type: ignore[attr-defined]
        pytest.skip("counted with SQLite's statement trace")
    service = _platform(store)
    _call(service, "POST", "Observations", {"Datastream": {"@iot.id": 1}, "phenomenonTime": "2026-03-01T10:00:00Z", "result": 1.5})
    seen: list[str] = []
    with store.engine.connect() as conn:  # type: ignore[attr-defined]
        driver: sqlite3.Connection = conn.connection.driver_connection  # type: ignore[assignment]
        driver.set_trace_callback(seen.append)
    try:
        _call(service, "POST", "Observations", {"Datastream": {"@iot.id": 1}, "phenomenonTime": "2026-03-01T10:01:00Z", "result": 2.5})
    finally:
        driver.set_trace_callback(None)
    work = [s for s in seen if s.split()[0].upper() not in ("BEGIN", "COMMIT")]
    assert len(work) == 4, seen


def test_a_writer_who_is_not_an_admin_pays_one_statement_more_the_access_version(store: Store) -> None:
    """A dataset owner's writer: the stream's dataset comes from the stream's facts the write reads
    anyway (no statement of its own); what is added is the access version that the read scope and
    the write check share (their snapshot comes from the cache while it is current)."""
    if store.dialect != "sqlite":  # type: ignore[attr-defined]
        pytest.skip("counted with SQLite's statement trace")
    _platform(store)  # the streams
    now = datetime.now(UTC)
    with store.write() as tx:
        owner = tx.access.add_party("gemeente", "organisation", None, now)
        dataset = tx.access.add_dataset("lucht", "Lucht", "public", owner, "", now)
        tx.access.assign_streams(dataset, [1], [])
    writer = Caller(subject="sensor", party_id=owner, can_write=True)
    enforced = StaService(store, DatasetAccess(), pseudonymiser=Pseudonymiser(None))

    def post(minute: int) -> Any:
        body = {"Datastream": {"@iot.id": 1}, "phenomenonTime": f"2026-03-01T10:{minute:02d}:00Z", "result": 1.5}
        return enforced.handle(StaRequest("POST", "Observations", body=orjson.dumps(body), content_type="application/json", caller=writer,
                                          service_root="http://testserver/v1.1"))  # fmt: skip

    assert post(0).status == 201
    seen: list[str] = []
    with store.engine.connect() as conn:  # type: ignore[attr-defined]
        driver: sqlite3.Connection = conn.connection.driver_connection  # type: ignore[assignment]
        driver.set_trace_callback(seen.append)
    try:
        assert post(1).status == 201
    finally:
        driver.set_trace_callback(None)
    work = [s for s in seen if s.split()[0].upper() not in ("BEGIN", "COMMIT")]
    assert len(work) == 5, seen
    outsider = Caller(subject="other", party_id=None, can_write=True)
    with pytest.raises(Forbidden):  # and the check still refuses who does not act for the owner
        enforced.handle(StaRequest("POST", "Observations", body=orjson.dumps({"Datastream": {"@iot.id": 1}, "result": 1}),
                                   content_type="application/json", caller=outsider, service_root="http://testserver/v1.1"))  # fmt: skip
