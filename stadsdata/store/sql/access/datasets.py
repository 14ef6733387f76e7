"""Datasets and the Datastreams and MultiDatastreams in them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Table, select, update

from stadsdata.store.base import DatasetRecords, StreamExtent
from stadsdata.store.schema import datasets, datastreams, multi_datastreams
from stadsdata.store.sql.access.changes import SqlRecords

STREAM_TABLES: dict[str, Table] = {"Datastream": datastreams, "MultiDatastream": multi_datastreams}


class SqlDatasetRecords(SqlRecords, DatasetRecords):
    def dataset_id(self, name: str) -> int | None:
        return self.conn.execute(select(datasets.c.id).where(datasets.c.name == name)).scalar()

    def add_dataset(self, name: str, title: str, access_level: str, owner_party_id: int | None, description: str, now: datetime) -> int:
        return self._insert(
            datasets, name=name, title=title, access_level=access_level, owner_party_id=owner_party_id,
            description=description, created_at=now,
        )  # fmt: skip

    def assign_streams(self, dataset_id: int | None, datastream_ids: Sequence[int], multi_datastream_ids: Sequence[int]) -> None:
        self._changed()
        for table, ids in ((datastreams, datastream_ids), (multi_datastreams, multi_datastream_ids)):
            if ids:
                self.conn.execute(update(table).where(table.c.id.in_(list(ids))).values(dataset_id=dataset_id))

    def stream_datasets(self, stream: str, ids: Sequence[int]) -> dict[int, int | None]:
        table = STREAM_TABLES[stream]
        rows = self.conn.execute(select(table.c.id, table.c.dataset_id).where(table.c.id.in_(list(ids))))
        return {r[0]: r[1] for r in rows}

    def stream_extents(self, stream: str, ids: Sequence[int]) -> dict[int, StreamExtent]:
        t = STREAM_TABLES[stream].c
        columns = (t.id, t.dataset_id, t.description, t.observation_count, t.phenomenon_time_start, t.phenomenon_time_end,
                   t.area_minx, t.area_miny, t.area_maxx, t.area_maxy)  # fmt: skip
        out: dict[int, StreamExtent] = {}
        wanted = sorted(set(ids))
        for start in range(0, len(wanted), 5000):  # keeps the statement's parameters within SQLite's limit
            for r in self.conn.execute(select(*columns).where(t.id.in_(wanted[start : start + 5000]))):
                bbox = None if r[6] is None else (r[6], r[7], r[8], r[9])
                out[r[0]] = StreamExtent(r[0], r[1], r[2], int(r[3] or 0), r[4], r[5], bbox)
        return out
