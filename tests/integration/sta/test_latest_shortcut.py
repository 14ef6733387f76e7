"""The latest observation of every Datastream (issue 16, the hot path), on every backend: the
shortcut answers of `$expand=Observations($top=1;$orderby=phenomenonTime desc)` (from the
per-stream summary) and `/api/v1/latest-values` equal what the general path answers, with the
caller's access scope applied; reads decode rows exactly as `record_from_row` does."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import orjson
import pytest
from sqlalchemy import select

from stadsdata.access.datasets import DatasetAccess
from stadsdata.access.policy import ANONYMOUS, Caller
from stadsdata.api.sta.requests import StaRequest
from stadsdata.api.sta.serialize import _time_text
from stadsdata.api.sta.service import StaService
from stadsdata.model.entities import (
    DATASTREAM,
    ENTITY_TYPES,
    FEATURE_OF_INTEREST,
    LOCATION,
    OBSERVED_PROPERTY,
    SENSOR,
    THING,
)
from stadsdata.model.values import Interval, format_time
from stadsdata.service.latest_values import latest_values
from stadsdata.store.base import ObservationRow, Store
from stadsdata.store.schema import TABLES
from stadsdata.store.sql.codec import record_from_row
from stadsdata.store.sql.reader import raw_columns, row_decoder

MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
BASE = datetime(2024, 3, 1, tzinfo=UTC)
SHORTCUT = "Observations($top=1;$orderby=phenomenonTime desc)"
GENERAL = "Observations($top=1;$orderby=phenomenonTime desc,id desc)"  # two keys: not the shortcut


@pytest.fixture
def city(store: Store) -> dict[str, Any]:
    """Two Things, eight Datastreams with observations stored out of time order (equal times too,
    results of every kind, one stream without any, one with a single one); streams 1, 3 and 5
    in a non-public dataset that one party may read by a grant."""
    unit = {"name": "degree Celsius", "symbol": "degC", "definition": "http://unitsofmeasure.org"}
    now = datetime.now(UTC)
    with store.write() as tx:
        sensor = tx.insert(SENSOR, {"name": "s", "description": "s", "encodingType": "application/pdf", "metadata": "https://example.org/s.pdf"})
        prop = tx.insert(OBSERVED_PROPERTY, {"name": "temperature", "definition": "https://example.org/t", "description": "t"})
        streams = []
        for t in range(2):
            thing = tx.insert(THING, {"name": f"thing {t}", "description": "d", "properties": {"n": t} if t else None})
            point = {"type": "Point", "coordinates": [5.1 + t / 10, 52.1]}
            location = tx.insert(LOCATION, {"name": "here", "description": "d", "encodingType": "application/geo+json", "location": point})
            tx.link(THING, thing, "Locations", [location])
            for i in range(4):
                streams.append(tx.insert(DATASTREAM, {
                    "name": f"stream {t}.{i}", "description": "d", "unitOfMeasurement": unit, "observationType": MEASUREMENT,
                    "Thing": thing, "Sensor": sensor, "ObservedProperty": prop, "properties": {"i": i} if i % 2 else None,
                }))  # fmt: skip
        feature = tx.insert(FEATURE_OF_INTEREST, {"name": "f", "description": "f", "encodingType": "application/geo+json",
                                                  "feature": {"type": "Point", "coordinates": [5.1, 52.1]}})  # fmt: skip
        owner = tx.access.add_party("owner", "company", None, now)
        reader = tx.access.add_party("reader", "company", None, now)
        other = tx.access.add_party("other", "company", None, now)
        closed = tx.access.add_dataset("closed", "closed", "non-public", owner, "", now)
        tx.access.assign_streams(closed, streams[1::2][:3], [])
        tx.access.add_grant(closed, reader, None, None, now)
    results: list[Any] = [1.5, 7, "closed", True, {"a": [1, 2]}, None, 2**60, -0.25]
    rng = random.Random(16)
    rows = []
    for n, stream in enumerate(streams[:-1]):  # the last stream has no observations
        count = 1 if n == 0 else 6
        for k in range(count):
            start = BASE + timedelta(minutes=(k * 5) % count, microseconds=[0, 123_000, 7][k % 3])
            if n == 2 and k >= 4:
                start = BASE + timedelta(minutes=9)  # equal times: the later stored wins
            end = start if k % 2 else start + timedelta(minutes=1)
            rows.append(ObservationRow(start, end, results[(n + k) % len(results)], feature, datastream_id=stream,
                                       result_time=start + timedelta(seconds=1) if k % 2 else None))  # fmt: skip
    rng.shuffle(rows)
    for part in (rows[: len(rows) // 2], rows[len(rows) // 2 :]):
        with store.write() as tx:
            tx.insert_observations(part)
    return {"streams": streams, "public": [s for s in streams if s not in streams[1::2][:3]], "owner": owner, "reader": reader, "other": other}


def callers(city: dict[str, Any]) -> dict[str, tuple[Caller, list[int]]]:
    """Caller and the streams it may read."""
    return {
        "admin": (Caller(subject="key:admin", is_admin=True), city["streams"]),
        "anonymous": (ANONYMOUS, city["public"]),
        "granted": (Caller(subject="key:reader", party_id=city["reader"]), city["streams"]),
        "restricted": (Caller(subject="key:other", party_id=city["other"]), city["public"]),
    }


def get(service: StaService, caller: Caller, path: str, **params: str) -> dict[str, Any]:
    response = service.handle(StaRequest("GET", path, query_string=urlencode(params), caller=caller))
    assert response.status == 200, response.body
    return orjson.loads(response.body_bytes())  # type: ignore[no-any-return]


def without_next_link_query(body: dict[str, Any]) -> dict[str, Any]:
    """The body with each Observations nextLink cut at its query (the general request's query
    names its second sort key there)."""
    body = orjson.loads(orjson.dumps(body))
    for stream in body["value"]:
        if "Observations@iot.nextLink" in stream:
            stream["Observations@iot.nextLink"] = stream["Observations@iot.nextLink"].split("?")[0]
    return body


@pytest.mark.parametrize("who", ["admin", "anonymous", "granted", "restricted"])
@pytest.mark.parametrize("extra", ["", ";$count=true", ";$select=id,result"])
def test_latest_expand_equals_the_general_path(store: Store, city: dict[str, Any], who: str, extra: str) -> None:
    service = StaService(store, DatasetAccess("public"))
    caller, visible = callers(city)[who]
    shortcut = get(service, caller, "Datastreams", **{"$top": "100", "$expand": SHORTCUT.replace(")", f"{extra})")})
    general = get(service, caller, "Datastreams", **{"$top": "100", "$expand": GENERAL.replace(")", f"{extra})")})
    assert [d["@iot.id"] for d in shortcut["value"]] == visible
    assert without_next_link_query(shortcut) == without_next_link_query(general)
    by_id = {d["@iot.id"]: d for d in shortcut["value"]}
    assert by_id[city["streams"][-1]]["Observations"] == []  # no observations: an empty list, no nextLink
    assert "Observations@iot.nextLink" not in by_id[city["streams"][-1]]
    if city["streams"][0] in by_id:  # one observation: no nextLink
        assert len(by_id[city["streams"][0]]["Observations"]) == 1
        assert "Observations@iot.nextLink" not in by_id[city["streams"][0]]
    for stream in visible[1:-1]:
        link = by_id[stream]["Observations@iot.nextLink"]
        assert link.endswith("$top=1&$skip=1") and "phenomenonTime+desc" in link


def test_latest_expand_of_one_stream_and_its_next_page(store: Store, city: dict[str, Any]) -> None:
    service = StaService(store, DatasetAccess("public"))
    stream = city["streams"][2]  # equal newest times: the later stored one is the latest
    one = get(service, ANONYMOUS, f"Datastreams({stream})", **{"$expand": SHORTCUT})
    page = get(service, ANONYMOUS, f"Datastreams({stream})/Observations", **{"$orderby": "phenomenonTime desc,id desc", "$top": "2"})
    assert one["Observations"] == page["value"][:1]
    assert page["value"][0]["phenomenonTime"].split("/")[0] == page["value"][1]["phenomenonTime"].split("/")[0]


def test_hidden_streams_stay_hidden_under_the_shortcut(store: Store, city: dict[str, Any]) -> None:
    service = StaService(store, DatasetAccess("public"))
    hidden = city["streams"][1]
    for who in ("anonymous", "restricted"):
        caller, _ = callers(city)[who]
        body = get(service, caller, "Things", **{"$expand": f"Datastreams($expand={SHORTCUT})"})
        seen = {d["@iot.id"] for t in body["value"] for d in t["Datastreams"]}
        assert hidden not in seen and seen == set(city["public"])


@pytest.mark.parametrize("who", ["admin", "anonymous", "granted", "restricted"])
def test_latest_values_equal_the_general_path(store: Store, city: dict[str, Any], who: str) -> None:
    access = DatasetAccess("public")
    service = StaService(store, access)
    caller, visible = callers(city)[who]
    body = orjson.loads(orjson.dumps(latest_values(store, access, caller, "GET /api/v1/latest-values")))
    got = {d["id"]: (d["phenomenonTime"], d["result"]) for f in body["features"] for d in f["properties"]["datastreams"]}
    general = get(service, caller, "Datastreams", **{"$top": "100", "$expand": GENERAL})
    want = {}
    for d in general["value"]:
        latest = d["Observations"][0] if d["Observations"] else None
        time = None if latest is None else latest["phenomenonTime"].split("/")[0]
        want[d["@iot.id"]] = (time, None if latest is None else latest["result"])
    assert sorted(got) == visible
    assert {k: (None if t is None else datetime.fromisoformat(t.replace("Z", "+00:00")), r) for k, (t, r) in got.items()} == {
        k: (None if t is None else datetime.fromisoformat(t.replace("Z", "+00:00")), r) for k, (t, r) in want.items()
    }


def test_rows_decode_as_record_from_row(store: Store, city: dict[str, Any]) -> None:
    """The reader's decoder gives the records `record_from_row` gives, keys in the same order."""
    with store.read_only() as tx:
        conn = tx.conn  # type: ignore[attr-defined]
        for entity in ENTITY_TYPES.values():
            table = TABLES[entity.name]
            expected = [record_from_row(entity, row) for row in conn.execute(select(table).order_by(table.c.id)).mappings()]
            decode = row_decoder(entity, conn.dialect)
            got = [decode(row) for row in conn.execute(select(*raw_columns(table)).order_by(table.c.id))]
            assert got == expected, entity.name
            assert [list(r) for r in got] == [list(r) for r in expected], entity.name
            if entity.name in ("Observation", "Datastream"):
                assert got, entity.name


def test_time_text_equals_format_time() -> None:
    rng = random.Random(16)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    for _ in range(20_000):
        value = epoch + timedelta(microseconds=rng.randrange(-6 * 10**16, 10**17))
        value = value.replace(microsecond=rng.choice([0, 1_000, 123_000, 999_000, 5, value.microsecond]))
        for v in (value, value.astimezone(timezone(timedelta(hours=2))) if value.year > 1 else value):
            assert _time_text(v) == format_time(v)
        assert _time_text(Interval(value, value + timedelta(seconds=1))) == format_time(Interval(value, value + timedelta(seconds=1)))
    assert _time_text(None) is None
