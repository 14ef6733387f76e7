"""A download as CSV (RFC 4180, UTF-8, a header row; the columns of `columns.py`), written chunk
by chunk. CSV has no place for its licence: that goes beside it (`terms.py`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from stadsdata.catalog.downloads.chunks import Chunk
from stadsdata.catalog.downloads.columns import NAMES, iso, result_text
from stadsdata.catalog.downloads.streams import Stream
from stadsdata.store.base import ObservationChunkRow

MEDIA_TYPE = "text/csv; charset=utf-8; header=present"


def csv_body(chunks: Iterable[Chunk], streams: Mapping[tuple[str, int], Stream]) -> Iterator[bytes]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(NAMES)
    yield out.getvalue().encode()
    for kind, rows in chunks:
        out.seek(0)
        out.truncate()
        writer.writerows(_rows(kind, rows, streams))
        yield out.getvalue().encode()


def _rows(kind: str, rows: list[ObservationChunkRow], streams: Mapping[tuple[str, int], Stream]) -> Iterator[tuple[Any, ...]]:
    stream_id = None
    head: tuple[Any, ...] = ()
    for row in rows:
        if row.stream_id != stream_id:  # rows come stream by stream: what repeats is made once per stream
            stream_id = row.stream_id
            stream = streams[(kind, stream_id)]
            ids = (stream.id, "") if kind == "Datastream" else ("", stream.id)
            head = (*ids, stream.name, stream.observed_property, stream.unit, *(stream.point or ("", "")))
        start, end = row.phenomenon_time_start, row.phenomenon_time_end
        yield (
            row.id, *head, iso(start), "" if end == start else iso(end),
            "" if row.result_time is None else iso(row.result_time), result_text(row.result),
        )  # fmt: skip
