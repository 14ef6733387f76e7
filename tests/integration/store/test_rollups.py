"""The hourly rollups stay equal to what the observations say (count, sum, min, max, sum of squares per hour),
through bulk and single inserts, updates that move an observation in time or between streams,
deletes, and deleting a FeatureOfInterest with its observations; `series` reads them."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from stadsdata.model.entities import DATASTREAM, FEATURE_OF_INTEREST, OBSERVATION, OBSERVED_PROPERTY, SENSOR, THING
from stadsdata.store.base import ObservationRow, Store
from stadsdata.store.schema import observation_rollups
from stadsdata.store.sql.rollups import hour_of
from tests.integration.store.test_stream_summary import _setup

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def _rollups(store: Store) -> dict[tuple[int, datetime], tuple[int, float, float, float, float]]:
    with store.engine.connect() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(observation_rollups.select()).all()
    return {(r.datastream_id, r.bucket_start): (r.count, round(r.sum, 6), r.min, r.max, round(r.sum_squares, 6)) for r in rows}


def _expected(store: Store) -> dict[tuple[int, datetime], tuple[int, float, float, float, float]]:
    from sqlalchemy import select

    from stadsdata.store.schema import observations

    o = observations.c
    values: dict[tuple[int, datetime], list[float]] = defaultdict(list)
    with store.engine.connect() as conn:  # type: ignore[attr-defined]
        for stream, start, number in conn.execute(select(o.datastream_id, o.phenomenon_time_start, o.result_number)):
            if stream is not None and number is not None and math.isfinite(number):
                values[(stream, hour_of(start))].append(number)
    return {key: (len(v), round(sum(v), 6), min(v), max(v), round(sum(x * x for x in v), 6)) for key, v in values.items()}


def _second_stream(store: Store) -> int:
    with store.write() as tx:
        thing = tx.insert(THING, {"name": "t2", "description": "d"})
        sensor = tx.insert(SENSOR, {"name": "s2", "description": "d", "encodingType": "e", "metadata": "m"})
        prop = tx.insert(OBSERVED_PROPERTY, {"name": "p2", "definition": "d", "description": "d"})
        return tx.insert(DATASTREAM, {"name": "ds2", "description": "d", "unitOfMeasurement": {}, "observationType": "x",
                                      "Thing": thing, "Sensor": sensor, "ObservedProperty": prop})  # fmt: skip


def test_rollups_follow_inserts_updates_and_deletes(store: Store) -> None:
    stream, feature = _setup(store)
    other = _second_stream(store)
    rows = [
        ObservationRow(T0 + timedelta(minutes=7 * i), T0 + timedelta(minutes=7 * i), value, feature, datastream_id=stream)
        for i, value in enumerate([1, 2.5, -3, 10, 4, True, "text", None, 7, 8.25, float("nan"), 2**60])
    ]
    with store.write() as tx:
        ids = tx.insert_observations(rows)
    assert _rollups(store) == _expected(store) and _rollups(store)  # booleans, text, NaN and huge ints left out
    with store.write() as tx:  # a single insert, in an hour of its own
        single = tx.insert(OBSERVATION, {"phenomenonTime": T0 + timedelta(hours=5), "result": 42, "Datastream": stream,
                                         "FeatureOfInterest": feature})  # fmt: skip
        tx.update(OBSERVATION, ids[0], {"result": 100})
        tx.update(OBSERVATION, ids[1], {"phenomenonTime": T0 + timedelta(hours=3)})  # moves to another hour
        tx.update(OBSERVATION, ids[2], {"Datastream": other})  # moves to another stream
        tx.delete(OBSERVATION, ids[3])
        tx.delete(OBSERVATION, single)  # its hour is empty again: no bucket left
    assert _rollups(store) == _expected(store)
    assert (stream, T0 + timedelta(hours=5)) not in _rollups(store)
    assert (other, T0) in _rollups(store)
    with store.write() as tx:
        tx.delete(FEATURE_OF_INTEREST, feature)  # takes its observations along
    assert _rollups(store) == {} == _expected(store)


def test_series_reads_raw_hours_and_days(store: Store) -> None:
    stream, feature = _setup(store)
    minutes = 3 * 24 * 60  # three days of one-minute data
    rows = [
        ObservationRow(T0 + timedelta(minutes=m), T0 + timedelta(minutes=m), float(m % 60), feature, datastream_id=stream)
        for m in range(minutes)
    ]
    with store.write() as tx:
        tx.insert_observations(rows)
    end = T0 + timedelta(days=3)
    with store.read_only() as tx:
        raw = tx.series(stream, T0 + timedelta(minutes=30), T0 + timedelta(minutes=90), "raw")
        hours = tx.series(stream, T0, end, "hour")
        days = tx.series(stream, T0, end, "day")
        count = tx.series_count(stream, T0, end)
    assert [p.mean for p in raw] == [float(m % 60) for m in range(30, 90)]
    assert raw[0].time == T0 + timedelta(minutes=30)
    assert len(hours) == 72 and all(p.count == 60 and p.min == 0 and p.max == 59 and p.mean == 29.5 for p in hours)
    assert [p.time for p in days] == [T0 + timedelta(days=d) for d in range(3)]
    assert all(p.count == 1440 and p.mean == 29.5 for p in days)
    assert count == minutes
