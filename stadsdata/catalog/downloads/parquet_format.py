"""A download as Apache Parquet (pyarrow): the columns of `columns.py`, the result split by type
into `result` (a double, for numbers) and `result_text` (text, true/false, JSON), times as UTC
timestamps (microseconds), strings dictionary-encoded, zstd-compressed. Written a row group at a
time (`ROW_GROUP` rows) into a `Sink` and handed on, so memory stays flat; the licence and
attribution are in the file's key-value metadata (`license`, `attribution`, `stadsdata:datasets`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from stadsdata.catalog.downloads.chunks import Chunk
from stadsdata.catalog.downloads.columns import COLUMNS
from stadsdata.catalog.downloads.sink import Sink
from stadsdata.catalog.downloads.streams import Stream
from stadsdata.catalog.downloads.terms import Terms
from stadsdata.store.base import ObservationChunkRow

MEDIA_TYPE = "application/vnd.apache.parquet"
ROW_GROUP = 64 * 1024
_MAX_EXACT = 2**53
_TIME = pa.timestamp("us", tz="UTC")
_TYPES = {"integer": pa.int64(), "number": pa.float64(), "string": pa.string(), "datetime": _TIME}
FIELDS = [pa.field(name, _TYPES[kind]) for name, kind, _ in COLUMNS if name != "result"]
FIELDS += [pa.field("result", pa.float64()), pa.field("result_text", pa.string())]


def schema(terms: Terms) -> pa.Schema:
    return pa.schema(FIELDS).with_metadata({
        "license": terms.license, "attribution": terms.attribution, "stadsdata:datasets": orjson.dumps(terms.as_json()).decode(),
    })  # fmt: skip


def parquet_body(chunks: Iterable[Chunk], streams: Mapping[tuple[str, int], Stream], terms: Terms) -> Iterator[bytes]:
    sink = Sink()
    shape = schema(terms)
    writer = pq.ParquetWriter(sink, shape, compression="zstd")
    group: list[pa.RecordBatch] = []  # chunks as Arrow columns until a row group is full
    held = 0
    for kind, rows in chunks:
        group.append(pa.record_batch(_columns(kind, rows, streams), schema=shape))
        held += len(rows)
        if held >= ROW_GROUP:
            writer.write_table(pa.Table.from_batches(group, shape), row_group_size=held)
            group, held = [], 0
            yield sink.take()
    if group:
        writer.write_table(pa.Table.from_batches(group, shape), row_group_size=held)
    writer.close()
    yield sink.take()


def _columns(kind: str, rows: list[ObservationChunkRow], streams: Mapping[tuple[str, int], Stream]) -> dict[str, list[Any]]:
    """One chunk as columns (lists of Python values)."""
    of = {stream_id: streams[(kind, stream_id)] for stream_id in {r.stream_id for r in rows}}
    by_row = [of[r.stream_id] for r in rows]
    ids = [s.id for s in by_row]
    none = [None] * len(rows)
    results = [r.result for r in rows]
    numbers = [v if (type(v) is float or (type(v) is int and abs(v) <= _MAX_EXACT)) else None for v in results]
    return {
        "observation_id": [r.id for r in rows],
        "datastream_id": ids if kind == "Datastream" else none,
        "multi_datastream_id": none if kind == "Datastream" else ids,
        "datastream": [s.name for s in by_row],
        "observed_property": [s.observed_property for s in by_row],
        "unit": [s.unit for s in by_row],
        "longitude": [s.point[0] if s.point else None for s in by_row],
        "latitude": [s.point[1] if s.point else None for s in by_row],
        "phenomenon_time": [r.phenomenon_time_start for r in rows],
        "phenomenon_time_end": [None if r.phenomenon_time_end == r.phenomenon_time_start else r.phenomenon_time_end for r in rows],
        "result_time": [r.result_time for r in rows],
        "result": numbers,
        "result_text": [None if n is not None else _text(v) for n, v in zip(numbers, results)],
    }


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return orjson.dumps(value).decode()
