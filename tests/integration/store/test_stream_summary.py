"""The per-stream summary (count, extent, latest observation) stays equal to what the
observations say, through bulk inserts out of order, updates and deletes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from stadsdata.model.entities import DATASTREAM, FEATURE_OF_INTEREST, OBSERVATION, OBSERVED_PROPERTY, SENSOR, THING
from stadsdata.query.ast import QueryOptions
from stadsdata.store.base import ObservationRow, ReadRequest, Store

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _setup(store: Store) -> tuple[int, int]:
    with store.write() as tx:
        thing = tx.insert(THING, {"name": "t", "description": "d"})
        sensor = tx.insert(SENSOR, {"name": "s", "description": "d", "encodingType": "e", "metadata": "m"})
        prop = tx.insert(OBSERVED_PROPERTY, {"name": "p", "definition": "d", "description": "d"})
        stream = tx.insert(
            DATASTREAM,
            {
                "name": "ds",
                "description": "d",
                "unitOfMeasurement": {},
                "observationType": "x",
                "Thing": thing,
                "Sensor": sensor,
                "ObservedProperty": prop,
            },
        )
        feature = tx.insert(
            FEATURE_OF_INTEREST,
            {"name": "f", "description": "d", "encodingType": "application/geo+json", "feature": {"type": "Point", "coordinates": [5, 52]}},
        )
    return stream, feature


def _rows(stream: int, feature: int, hours: list[int]) -> list[ObservationRow]:
    return [
        ObservationRow(T0 + timedelta(hours=h), T0 + timedelta(hours=h), float(h), feature, datastream_id=stream, result_time=T0 + timedelta(hours=h, minutes=1))
        for h in hours
    ]


def _summary(store: Store, stream: int) -> dict:
    with store.read_only() as tx:
        return tx.read(ReadRequest(DATASTREAM, QueryOptions(), id=stream, top=1)).records[0]


def _latest(store: Store, stream: int) -> dict | None:
    return dict(store.latest_observations([stream]))[stream]


def test_bulk_inserts_in_any_order_keep_extent_count_and_latest(store: Store) -> None:
    stream, feature = _setup(store)
    with store.write() as tx:
        first = tx.insert_observations(_rows(stream, feature, [5, 1, 9]))
    with store.write() as tx:
        tx.insert_observations(_rows(stream, feature, [3, 7]))
    record = _summary(store, stream)
    assert record["phenomenonTime"] == (T0 + timedelta(hours=1), T0 + timedelta(hours=9))
    assert record["resultTime"] == (T0 + timedelta(hours=1, minutes=1), T0 + timedelta(hours=9, minutes=1))
    assert record["observedArea"] == {"type": "Point", "coordinates": [5.0, 52.0]}
    latest = _latest(store, stream)
    assert latest is not None and latest["id"] == first[2] and latest["result"] == 9.0
    with store.read_only() as tx:
        counted = tx.read(ReadRequest(OBSERVATION, QueryOptions(count=True), top=1)).count
    assert counted == 5


def test_deleting_and_updating_observations_recomputes_the_summary(store: Store) -> None:
    stream, feature = _setup(store)
    with store.write() as tx:
        ids = tx.insert_observations(_rows(stream, feature, [1, 2, 3]))
    with store.write() as tx:
        tx.delete(OBSERVATION, ids[2])
    assert _latest(store, stream)["id"] == ids[1]  # type: ignore[index]
    assert _summary(store, stream)["phenomenonTime"] == (T0 + timedelta(hours=1), T0 + timedelta(hours=2))
    with store.write() as tx:
        tx.update(OBSERVATION, ids[0], {"phenomenonTime": T0 + timedelta(hours=30)})
    assert _latest(store, stream)["id"] == ids[0]  # type: ignore[index]
    assert _summary(store, stream)["phenomenonTime"] == (T0 + timedelta(hours=2), T0 + timedelta(hours=30))
    with store.write() as tx:
        tx.delete(OBSERVATION, ids[0])
        tx.delete(OBSERVATION, ids[1])
    assert _latest(store, stream) is None
    assert _summary(store, stream)["phenomenonTime"] is None


def test_a_failed_write_leaves_no_trace(store: Store) -> None:
    stream, feature = _setup(store)
    try:
        with store.write() as tx:
            tx.insert_observations(_rows(stream, feature, [1, 2]))
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    assert _latest(store, stream) is None
    with store.read_only() as tx:
        assert tx.read(ReadRequest(OBSERVATION, QueryOptions(count=True), top=1)).count == 0


def test_ids_are_never_reused(store: Store) -> None:
    stream, feature = _setup(store)
    with store.write() as tx:
        ids = tx.insert_observations(_rows(stream, feature, [1, 2]))
    with store.write() as tx:
        tx.delete(OBSERVATION, ids[1])
    with store.write() as tx:
        again = tx.insert_observations(_rows(stream, feature, [3]))
    assert again[0] > ids[1]
