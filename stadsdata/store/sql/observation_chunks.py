"""Observations of streams chunk by chunk, for downloads (`Transaction.observation_chunk`).

Keyset paging on (stream id, phenomenon time start, id): the streams are read one after the
other in id order, each in time order from its (stream, phenomenon_time_start) index — on SQLite
that index ends in the rowid, so (time, id) order needs no sort; on PostgreSQL the time
partitions are read in order and only rows of equal time are sorted by id. A chunk goes on with
the next stream when one ends, until it holds `limit` rows. Nothing is held between chunks: the
key of the last row is all a caller keeps.

On SQLite the times are read as the integers they are stored as and turned into datetimes here,
without a type conversion per column (an instant's end is its start: made once)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, or_, select, type_coerce
from sqlalchemy.engine import Connection

from stadsdata.store.base import ObservationChunkRow
from stadsdata.store.schema import observations
from stadsdata.store.sql.codec import decode_result
from stadsdata.store.types import from_micros

_o = observations.c
_TIMES = (_o.phenomenon_time_start, _o.phenomenon_time_end, _o.result_time)
_RESULTS = (_o.result_type, _o.result_number, _o.result_string, _o.result_json)
_COLUMNS = (_o.id, *_TIMES, *_RESULTS)
_RAW_COLUMNS = (_o.id, *(type_coerce(c, BigInteger) for c in _TIMES), *_RESULTS)  # SQLite: microseconds since the epoch
_STREAM_COLUMNS = {"Datastream": _o.datastream_id, "MultiDatastream": _o.multi_datastream_id}


def observation_chunk(
    conn: Connection, stream: str, stream_ids: Sequence[int], start: datetime | None, end: datetime | None,
    after: tuple[int, datetime, int] | None, limit: int,
) -> list[ObservationChunkRow]:  # fmt: skip
    column = _STREAM_COLUMNS[stream]
    pt = _o.phenomenon_time_start
    raw = conn.dialect.name == "sqlite"
    ids = sorted(set(stream_ids))
    if after is not None:
        ids = [i for i in ids if i >= after[0]]
    out: list[ObservationChunkRow] = []
    for stream_id in ids:
        conditions: list[Any] = [column == stream_id]
        if start is not None:
            conditions.append(pt >= start)
        if end is not None:
            conditions.append(pt < end)
        if after is not None and stream_id == after[0]:
            moment, last_id = after[1], after[2]
            conditions += [pt >= moment, or_(pt > moment, _o.id > last_id)]  # the range first: an index bound
        stmt = select(*(_RAW_COLUMNS if raw else _COLUMNS)).where(*conditions).order_by(pt, _o.id).limit(limit - len(out))
        found = conn.execute(stmt).all()
        out += _from_micros(stream_id, found) if raw else _from_datetimes(stream_id, found)
        if len(out) >= limit:
            break
    return out


def _from_datetimes(stream_id: int, rows: Sequence[Any]) -> list[ObservationChunkRow]:
    return [
        ObservationChunkRow(stream_id, id_, start, end, result_time, decode_result(kind, number, text, json_value))
        for id_, start, end, result_time, kind, number, text, json_value in rows
    ]


def _from_micros(stream_id: int, rows: Sequence[Any]) -> list[ObservationChunkRow]:
    out = []
    for id_, start, end, result_time, kind, number, text, json_value in rows:
        moment = from_micros(start)
        out.append(ObservationChunkRow(
            stream_id, id_, moment, moment if end == start else from_micros(end),
            None if result_time is None else from_micros(result_time), decode_result(kind, number, text, json_value),
        ))  # fmt: skip
    return out
