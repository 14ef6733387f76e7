"""The observations of a download, chunk by chunk (`ObservationChunks`): each chunk is read in a
short transaction of its own (`Transaction.observation_chunk`, keyset paging), so neither memory
nor a transaction grows with the size of the download. A chunk of a restricted or non-public
dataset is written to the audit log — action 'download' (or 'export'), with the number of rows —
in that transaction (PostgreSQL) or right after it (SQLite), before its rows are handed on: what
has left the platform is in the log, also when a download breaks off."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from stadsdata.access.audit import audited_read
from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.catalog.downloads.streams import Stream
from stadsdata.store.base import ObservationChunkRow, Store

Chunk = tuple[str, list[ObservationChunkRow]]  # (stream kind, rows in stream, time and id order)


@dataclass(frozen=True)
class ObservationChunks:
    """The observations of `streams` in [start, end), for `caller`; iterate for the chunks."""

    store: Store
    access: AccessPolicy
    caller: Caller
    streams: Sequence[Stream]
    start: datetime | None
    end: datetime | None
    chunk_rows: int
    request: str  # what the audit log records, e.g. 'GET /api/v1/datasets/3/download?format=csv'
    action: str = "download"

    def __iter__(self) -> Iterator[Chunk]:
        for kind in ("Datastream", "MultiDatastream"):
            ids = [s.id for s in self.streams if s.kind == kind]
            if ids:
                yield from self._of_kind(kind, ids)

    def _of_kind(self, kind: str, ids: list[int]) -> Iterator[Chunk]:
        after: tuple[int, datetime, int] | None = None
        while True:
            with audited_read(self.store) as (tx, events):
                rows = tx.observation_chunk(kind, ids, self.start, self.end, after, self.chunk_rows)
                if rows:
                    seen = Counter((kind, row.stream_id) for row in rows)
                    read = self.access.audit_stream_reads(self.caller, tx, seen, self.request)
                    events += [dataclasses.replace(event, action=self.action) for event in read]
            if rows:
                yield kind, rows
            if len(rows) < self.chunk_rows:
                return
            last = rows[-1]
            after = (last.stream_id, last.phenomenon_time_start, last.id)
