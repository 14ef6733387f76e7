"""Hourly rollups of each Datastream's numeric results: count, sum, min, max and the sum of squares
per UTC hour.

Kept in the transaction that writes the observations, like the per-stream summary
(`summary.py`): `add` folds a batch in with one upsert per (stream, hour) touched (a prepared
statement, run as one executemany); `rebuild`
recomputes the hours an update or delete touched from the observations. Only numeric results
(`result_number`; booleans are not counted) of Datastreams are rolled up; MultiDatastreams
(array results) are not. `series` reads a range at the resolution that fits a chart."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, bindparam, cast, delete, func, select, type_coerce
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from stadsdata.store.base import HourlyRollup, ObservationRow, SeriesPoint
from stadsdata.store.schema import observation_rollups, observations
from stadsdata.store.sql.codec import _MAX_EXACT_INT
from stadsdata.store.sql.prepared import Prepared
from stadsdata.store.types import EPOCH

HOUR = timedelta(hours=1)
_INFINITE = (float("inf"), float("-inf"))
DAY = timedelta(days=1)


def hour_of(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


Buckets = dict[tuple[int, datetime], list[float]]  # (Datastream, hour) -> [count, sum, min, max, sum of squares]


def _fold(buckets: Buckets, key: tuple[int, datetime], value: float) -> None:
    bucket = buckets.get(key)
    if bucket is None:
        buckets[key] = [1, value, value, value, value * value]
    else:
        bucket[0] += 1
        bucket[1] += value
        if value < bucket[2]:
            bucket[2] = value
        if value > bucket[3]:
            bucket[3] = value
        bucket[4] += value * value


def _finite(number: float | None) -> bool:
    """Whether a stored `result_number` is rolled up (not NaN or infinite)."""
    return number is not None and number == number and number not in _INFINITE


def _upsert_statement(dialect: Any) -> Any:
    """Add one (stream, hour)'s count, sum, min, max and sum of squares to its rollup row, or make the row."""
    stmt = dialect.insert(observation_rollups)
    new = stmt.excluded
    r = observation_rollups.c
    least, greatest = (func.least, func.greatest) if dialect is postgresql else (func.min, func.max)
    return stmt.on_conflict_do_update(
        index_elements=[r.datastream_id, r.bucket_start],
        set_={"count": r.count + new["count"], "sum": r.sum + new["sum"], "min": least(r.min, new["min"]), "max": greatest(r.max, new["max"]),
              "sum_squares": r.sum_squares + new["sum_squares"]},  # fmt: skip
    )


# Built once per backend, run on the driver (`prepared.py`): the upsert runs for every batch.
_UPSERT = {"postgresql": Prepared(lambda: _upsert_statement(postgresql)), "sqlite": Prepared(lambda: _upsert_statement(sqlite))}


def _hourly_statement(dialect: str) -> Any:
    """One stream's rollup rows of a range, the hour as seconds since the epoch computed by the
    database (no datetime made per row)."""
    r = observation_rollups.c
    if dialect == "postgresql":
        hour = cast(func.extract("epoch", r.bucket_start), BigInteger)
    else:
        hour = type_coerce(r.bucket_start, BigInteger) // 1_000_000  # stored as microseconds
    return (
        select(r.datastream_id, hour, r.count, r.sum, r.min, r.max, r.sum_squares)
        .where(r.datastream_id == bindparam("stream"), r.bucket_start >= bindparam("start", type_=r.bucket_start.type),
               r.bucket_start < bindparam("end", type_=r.bucket_start.type))  # fmt: skip
        .order_by(r.bucket_start)
    )


_HOURLY = {name: Prepared(lambda name=name: _hourly_statement(name)) for name in ("postgresql", "sqlite")}


class HourlyRollups:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._upsert_prepared = _UPSERT["postgresql" if conn.dialect.name == "postgresql" else "sqlite"]

    def add(self, rows: Sequence[ObservationRow]) -> None:
        # The hot path of every ingest: plain loops, the hour computed once per run of rows in
        # the same hour (batches are mostly in time order), numbers tested as `encode_result`
        # stores them (booleans, text and integers beyond 2**53 are not numbers here).
        buckets: Buckets = {}
        hour = hour_end = None
        for row in rows:
            stream = row.datastream_id
            value = row.result
            kind = type(value)
            if stream is None or (kind is not float and kind is not int):
                continue
            if kind is int:
                if abs(value) > _MAX_EXACT_INT:
                    continue
                value = float(value)
            elif not _finite(value):
                continue
            moment = row.phenomenon_time_start
            if hour is None or not (hour <= moment < hour_end):  # type: ignore[operator]
                hour = hour_of(moment)
                hour_end = hour + HOUR
            _fold(buckets, (stream, hour), value)
        if buckets:
            self._upsert(buckets)

    def _upsert(self, buckets: Buckets) -> None:
        params = [
            {"datastream_id": stream, "bucket_start": hour, "count": int(b[0]), "sum": b[1], "min": b[2], "max": b[3], "sum_squares": b[4]}
            for (stream, hour), b in sorted(buckets.items())  # a fixed order: no deadlock between writers
        ]
        self._upsert_prepared.executemany(self.conn, params)

    def hours_of(self, observation_ids: Sequence[int]) -> set[tuple[int, datetime]]:
        """The (Datastream, hour) buckets the given observations are in now."""
        if not observation_ids:
            return set()
        o = observations.c
        stmt = select(o.datastream_id, o.phenomenon_time_start).where(o.id.in_(list(observation_ids)), o.datastream_id.is_not(None))
        return {(stream, hour_of(start)) for stream, start in self.conn.execute(stmt)}

    def rebuild(self, buckets: Iterable[tuple[int, datetime]]) -> None:
        """Recompute these buckets from the observations (after an update or delete)."""
        o, r = observations.c, observation_rollups.c
        folded: Buckets = {}
        for stream, hour in sorted(set(buckets)):
            self.conn.execute(delete(observation_rollups).where(r.datastream_id == stream, r.bucket_start == hour))
            numbers = self.conn.execute(
                select(o.result_number).where(o.datastream_id == stream, o.phenomenon_time_start >= hour,
                                              o.phenomenon_time_start < hour + HOUR, o.result_number.is_not(None))  # fmt: skip
            ).scalars()
            for number in numbers:
                if _finite(number):
                    _fold(folded, (stream, hour), number)
        if folded:
            self._upsert(folded)

    def rebuild_streams(self, stream_ids: Iterable[int]) -> None:
        """Recompute every bucket of these Datastreams (after a FeatureOfInterest was deleted
        with its observations): one pass over each stream's observations."""
        o = observations.c
        folded: Buckets = {}
        for stream in sorted(set(stream_ids)):
            self.conn.execute(delete(observation_rollups).where(observation_rollups.c.datastream_id == stream))
            rows = self.conn.execute(
                select(o.phenomenon_time_start, o.result_number).where(o.datastream_id == stream, o.result_number.is_not(None))
            )
            for start, number in rows:
                if _finite(number):
                    _fold(folded, (stream, hour_of(start)), number)
        if folded:
            self._upsert(folded)

    def series(self, datastream_id: int, start: datetime, end: datetime, resolution: str, bucket_hours: int = 1) -> list[SeriesPoint]:
        """The points of [start, end): 'raw' observations, or aggregates of buckets of
        `bucket_hours` hours ('hour') or of UTC days ('day'; `bucket_hours` days), folded from
        the hourly rollups. Buckets are aligned on the Unix epoch (so on UTC midnight)."""
        o, r = observations.c, observation_rollups.c
        if resolution == "raw":
            stmt = (
                select(o.phenomenon_time_start, o.result_number)
                .where(o.datastream_id == datastream_id, o.phenomenon_time_start >= start, o.phenomenon_time_start < end,
                       o.result_number.is_not(None))  # fmt: skip
                .order_by(o.phenomenon_time_start, o.id)
            )
            return [SeriesPoint(t, 1, v, v, v) for t, v in self.conn.execute(stmt)]
        stmt = (
            select(r.bucket_start, r.count, r.sum, r.min, r.max)
            .where(r.datastream_id == datastream_id, r.bucket_start >= hour_of(start), r.bucket_start < end)
            .order_by(r.bucket_start)
        )
        rows = self.conn.execute(stmt).all()
        step = HOUR * max(1, bucket_hours) * (24 if resolution == "day" else 1)
        if step == HOUR:
            return [SeriesPoint(t, count, total / count, low, high) for t, count, total, low, high in rows]
        buckets: list[list[Any]] = []  # [bucket start, count, sum, min, max]
        for t, count, total, low, high in rows:
            bucket = EPOCH + ((t - EPOCH) // step) * step
            if buckets and buckets[-1][0] == bucket:
                last = buckets[-1]
                last[1] += count
                last[2] += total
                last[3] = min(last[3], low)
                last[4] = max(last[4], high)
            else:
                buckets.append([bucket, count, total, low, high])
        return [SeriesPoint(b, count, total / count, low, high) for b, count, total, low, high in buckets]

    def hourly(self, datastream_ids: Sequence[int], start: datetime, end: datetime) -> list[HourlyRollup]:
        """The rollup rows of these streams for the hours starting in [start, end), by stream and hour:
        one prepared statement a stream, run on the driver (a year of one stream is 8 760 rows)."""
        prepared = _HOURLY["postgresql" if self.conn.dialect.name == "postgresql" else "sqlite"]
        out: list[HourlyRollup] = []
        for stream in sorted(set(datastream_ids)):
            out += map(HourlyRollup._make, prepared.all(self.conn, stream=stream, start=start, end=end))
        return out

    def numbers(self, datastream_ids: Sequence[int], start: datetime, end: datetime) -> Iterator[tuple[int, datetime, float]]:
        """The finite numeric results of these streams in [start, end), by stream, time and id."""
        if not datastream_ids:
            return
        o = observations.c
        stmt = (
            select(o.datastream_id, o.phenomenon_time_start, o.result_number)
            .where(o.datastream_id.in_(sorted(set(datastream_ids))), o.phenomenon_time_start >= start, o.phenomenon_time_start < end,
                   o.result_number.is_not(None))  # fmt: skip
            .order_by(o.datastream_id, o.phenomenon_time_start, o.id)
        )
        for stream, moment, number in self.conn.execute(stmt):
            if _finite(number):
                yield stream, moment, number

    def count(self, datastream_id: int, start: datetime, end: datetime) -> int:
        """About how many numeric observations [start, end) holds (whole hours at the edges)."""
        r = observation_rollups.c
        stmt = select(func.coalesce(func.sum(r.count), 0)).where(
            r.datastream_id == datastream_id, r.bucket_start >= hour_of(start), r.bucket_start < end
        )
        return int(self.conn.execute(stmt).scalar_one())
